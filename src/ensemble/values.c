/* The value grammar of job files (job.h, rc_job_expand_value): items separated by top-level
 * commas; an item is a scalar, start:step:stop, lin(a,b,n) or log(a,b,n). */
#include "rnnchaos/job.h"
#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RC_JOB_MAX_ITEMS 100000

typedef struct {
    char **items;
    int n, cap;
} item_list;

static rc_status items_push(item_list *l, const char *s, size_t len, rc_error *err)
{
    RC_CHECK(l->n < RC_JOB_MAX_ITEMS, err, RC_ERR_INPUT,
             "more than %d values in one key", RC_JOB_MAX_ITEMS);
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        char **p = realloc(l->items, (size_t)cap * sizeof *p);
        RC_CHECK(p, err, RC_ERR_NOMEM, "out of memory expanding a job value");
        l->items = p;
        l->cap = cap;
    }
    char *c = malloc(len + 1);
    RC_CHECK(c, err, RC_ERR_NOMEM, "out of memory expanding a job value");
    memcpy(c, s, len);
    c[len] = '\0';
    l->items[l->n++] = c;
    return RC_OK;
}

static rc_status items_push_number(item_list *l, double v, rc_error *err)
{
    /* The shortest decimal within a few ulps: what the user meant by 0.1:0.1:0.3 or
     * log(100, 3200, 6) (0.30000000000000004 and 800.0000000000018 are rounding noise). */
    char buf[64];
    if (v == 0.0) v = 0.0; /* no "-0" */
    int prec0 = fabs(v) >= 1 ? (int)floor(log10(fabs(v))) + 1 : 1; /* integers stay integers */
    if (prec0 > 17) prec0 = 17;
    for (int prec = prec0; prec <= 17; ++prec) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (fabs(strtod(buf, NULL) - v) <= 4e-15 * fabs(v)) break;
    }
    return items_push(l, buf, strlen(buf), err);
}

void rc_job_free_items(char **items, int n_items)
{
    for (int i = 0; i < n_items; ++i) free(items[i]);
    free(items);
}

/* Trimmed copy of [b, e) into buf. */
void rc_job_trim_copy(const char *b, const char *e, char *buf, size_t len)
{
    while (b < e && isspace((unsigned char)*b)) ++b;
    while (e > b && isspace((unsigned char)e[-1])) --e;
    size_t n = (size_t)(e - b);
    if (n >= len) n = len - 1;
    memcpy(buf, b, n);
    buf[n] = '\0';
}

static int parse_number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE && isfinite(*v);
}

static rc_status expand_function(const char *item, item_list *l, rc_error *err)
{
    const int is_log = strncmp(item, "log", 3) == 0;
    const char *open = strchr(item, '('), *close = strrchr(item, ')');
    RC_CHECK(open && close && close > open && close[1] == '\0', err, RC_ERR_INPUT,
             "'%s': expected %s(a, b, n)", item, is_log ? "log" : "lin");
    char args[3][128];
    const char *p = open + 1;
    int nargs = 0;
    while (p <= close && nargs < 4) {
        const char *q = p;
        while (q < close && *q != ',') ++q;
        if (nargs < 3) rc_job_trim_copy(p, q, args[nargs], sizeof args[nargs]);
        ++nargs;
        p = q + 1;
    }
    RC_CHECK(nargs == 3, err, RC_ERR_INPUT, "'%s': expected %s(a, b, n) with three arguments",
             item, is_log ? "log" : "lin");
    double a, b, nd;
    RC_CHECK(parse_number(args[0], &a) && parse_number(args[1], &b), err, RC_ERR_INPUT,
             "'%s': a and b must be numbers", item);
    RC_CHECK(parse_number(args[2], &nd) && nd == floor(nd) && nd >= 1 && nd <= RC_JOB_MAX_ITEMS,
             err, RC_ERR_INPUT, "'%s': n must be an integer between 1 and %d", item,
             RC_JOB_MAX_ITEMS);
    const int64_t n = (int64_t)nd;
    RC_CHECK(n > 1 || a == b, err, RC_ERR_INPUT, "'%s': n = 1 needs a == b", item);
    if (is_log)
        RC_CHECK(a > 0 && b > 0, err, RC_ERR_INPUT, "'%s': log() needs a > 0 and b > 0", item);
    for (int64_t k = 0; k < n; ++k) {
        double v;
        if (k == 0)
            v = a;
        else if (k == n - 1)
            v = b;
        else if (is_log)
            v = exp(log(a) + (log(b) - log(a)) * (double)k / (double)(n - 1));
        else
            v = a + (b - a) * (double)k / (double)(n - 1);
        RC_TRY(items_push_number(l, v, err));
    }
    return RC_OK;
}

static rc_status expand_range(const char *item, item_list *l, rc_error *err)
{
    char parts[3][128];
    const char *p = item;
    int nparts = 0;
    while (nparts < 4) {
        const char *q = strchr(p, ':');
        const char *e = q ? q : p + strlen(p);
        if (nparts < 3) rc_job_trim_copy(p, e, parts[nparts], sizeof parts[nparts]);
        ++nparts;
        if (!q) break;
        p = q + 1;
    }
    double start, step, stop;
    RC_CHECK(nparts == 3 && parse_number(parts[0], &start) && parse_number(parts[1], &step) &&
                 parse_number(parts[2], &stop),
             err, RC_ERR_INPUT, "'%s': expected start:step:stop (three numbers)", item);
    RC_CHECK(step != 0, err, RC_ERR_INPUT, "'%s': step must not be 0", item);
    const double span = (stop - start) / step;
    RC_CHECK(span > -1e-9, err, RC_ERR_INPUT,
             "'%s': step %g does not lead from %g to %g", item, step, start, stop);
    RC_CHECK(span < RC_JOB_MAX_ITEMS, err, RC_ERR_INPUT, "'%s': more than %d values", item,
             RC_JOB_MAX_ITEMS);
    const int64_t n = (int64_t)floor(span + 1e-9) + 1;
    for (int64_t k = 0; k < n; ++k) RC_TRY(items_push_number(l, start + (double)k * step, err));
    return RC_OK;
}

static rc_status expand_item(const char *item, item_list *l, rc_error *err)
{
    RC_CHECK(item[0] != '\0', err, RC_ERR_INPUT, "empty item in a list");
    if ((strncmp(item, "lin", 3) == 0 || strncmp(item, "log", 3) == 0) &&
        (item[3] == '(' || isspace((unsigned char)item[3])))
        return expand_function(item, l, err);
    const char *colon = strchr(item, ':');
    if (colon) {
        /* A leading number makes it a range; anything else (a path "file.h5:/J") is a scalar. */
        char head[128];
        double v;
        rc_job_trim_copy(item, colon, head, sizeof head);
        if (parse_number(head, &v)) return expand_range(item, l, err);
    }
    RC_CHECK(strchr(item, '(') == NULL && strchr(item, ')') == NULL, err, RC_ERR_INPUT,
             "'%s': unknown function (expected lin(a, b, n) or log(a, b, n))", item);
    return items_push(l, item, strlen(item), err);
}

rc_status rc_job_expand_value(const char *value, char ***items, int *n_items, rc_error *err)
{
    item_list l = {NULL, 0, 0};
    rc_status st = RC_OK;
    *items = NULL;
    *n_items = 0;
    int depth = 0;
    const char *b = value;
    for (const char *p = value;; ++p) {
        if (*p == '(') ++depth;
        if (*p == ')') {
            RC_CHECK_GOTO(depth > 0, err, RC_ERR_INPUT, "unbalanced ')' in '%s'", value);
            --depth;
        }
        if ((*p == ',' && depth == 0) || *p == '\0') {
            RC_CHECK_GOTO(depth == 0, err, RC_ERR_INPUT, "unbalanced '(' in '%s'", value);
            char item[256];
            RC_CHECK_GOTO((size_t)(p - b) < sizeof item, err, RC_ERR_INPUT,
                          "item too long in '%s'", value);
            rc_job_trim_copy(b, p, item, sizeof item);
            RC_CHECK_GOTO(item[0] != '\0', err, RC_ERR_INPUT,
                          value[strspn(value, " \t")] ? "empty item in the list '%s'"
                                                      : "empty value%s",
                          value);
            RC_GOTO(expand_item(item, &l, err));
            b = p + 1;
        }
        if (*p == '\0') break;
    }
    *items = l.items;
    *n_items = l.n;
    return RC_OK;
cleanup:
    rc_job_free_items(l.items, l.n);
    return st;
}
