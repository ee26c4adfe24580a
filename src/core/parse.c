#include "rnnchaos/parse.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void rc_option_normalize(const char *key, char *out, size_t len)
{
    size_t i = 0;
    while (*key == '-') ++key; /* "--t-sim" and "t_sim" name the same option */
    for (; key[i] && i + 1 < len; ++i) out[i] = key[i] == '_' ? '-' : key[i];
    out[i] = '\0';
}

rc_status rc_parse_double(const char *s, const char *what, double *out, rc_error *err)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    while (end && isspace((unsigned char)*end)) ++end;
    RC_CHECK(end != s && *end == '\0' && errno != ERANGE && isfinite(v), err, RC_ERR_INPUT,
             "%s: expected a finite number, got '%s'", what, s);
    *out = v;
    return RC_OK;
}

rc_status rc_parse_int64(const char *s, const char *what, int64_t *out, rc_error *err)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (end && isspace((unsigned char)*end)) ++end;
    RC_CHECK(end != s && *end == '\0' && errno != ERANGE, err, RC_ERR_INPUT,
             "%s: expected an integer, got '%s'", what, s);
    *out = (int64_t)v;
    return RC_OK;
}

rc_status rc_parse_uint64(const char *s, const char *what, uint64_t *out, rc_error *err)
{
    char *end = NULL;
    errno = 0;
    while (isspace((unsigned char)*s)) ++s;
    RC_CHECK(*s != '-', err, RC_ERR_INPUT, "%s: expected a non-negative integer, got '%s'", what, s);
    unsigned long long v = strtoull(s, &end, 10);
    while (end && isspace((unsigned char)*end)) ++end;
    RC_CHECK(end != s && *end == '\0' && errno != ERANGE, err, RC_ERR_INPUT,
             "%s: expected a non-negative integer, got '%s'", what, s);
    *out = (uint64_t)v;
    return RC_OK;
}

rc_status rc_parse_bool(const char *s, const char *what, int *out, rc_error *err)
{
    static const char *yes[] = {"1", "yes", "true", "on"}, *no[] = {"0", "no", "false", "off"};
    for (int i = 0; i < 4; ++i) {
        if (strcmp(s, yes[i]) == 0) { *out = 1; return RC_OK; }
        if (strcmp(s, no[i]) == 0) { *out = 0; return RC_OK; }
    }
    return rc_fail(err, RC_ERR_INPUT, "%s: expected yes or no, got '%s'", what, s);
}

rc_status rc_split_h5_spec(const char *spec, const char *what, char *file, size_t file_len,
                           char *dataset, size_t dataset_len, rc_error *err)
{
    const char *colon = strrchr(spec, ':');
    RC_CHECK(colon && colon != spec && colon[1] == '/', err, RC_ERR_INPUT,
             "%s: expected FILE.h5:/DATASET, got '%s'", what, spec);
    size_t flen = (size_t)(colon - spec);
    RC_CHECK(flen < file_len && strlen(colon + 1) < dataset_len, err, RC_ERR_INPUT,
             "%s: path too long", what);
    memcpy(file, spec, flen);
    file[flen] = '\0';
    strcpy(dataset, colon + 1);
    return RC_OK;
}

void rc_path_dir(const char *path, char *dir, size_t len)
{
    snprintf(dir, len, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, len, ".");
}

/* "12G", "512M", "1.5e9": bytes (binary suffixes). */
rc_status rc_parse_size(const char *s, const char *what, double *out, rc_error *err)
{
    char *end = NULL;
    double v = strtod(s, &end);
    double mult = 1.0;
    if (end != s && *end) {
        switch (*end) {
        case 'k': case 'K': mult = 1024.0; break;
        case 'm': case 'M': mult = 1048576.0; break;
        case 'g': case 'G': mult = 1073741824.0; break;
        case 't': case 'T': mult = 1099511627776.0; break;
        default: mult = 0.0;
        }
        if (mult > 0 && end[1] != '\0' && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0)
            mult = 0.0;
    }
    RC_CHECK(end != s && mult > 0 && isfinite(v) && v > 0, err, RC_ERR_INPUT,
             "%s: expected a size in bytes with an optional K, M, G or T suffix, got '%s'", what, s);
    *out = v * mult;
    return RC_OK;
}
