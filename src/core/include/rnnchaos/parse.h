/* Strict parsing of option values and keys, shared by the command line and job files:
 * `--t-sim 500` and `t_sim = 500` go through the same parser and the same checks. */
#ifndef RNNCHAOS_PARSE_H
#define RNNCHAOS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/error.h"

#define RC_PATH_MAX 1024

/* Strict scalar parsers: the whole string must be consumed; messages name `what`. */
rc_status rc_parse_double(const char *s, const char *what, double *out, rc_error *err);
rc_status rc_parse_int64(const char *s, const char *what, int64_t *out, rc_error *err);
rc_status rc_parse_uint64(const char *s, const char *what, uint64_t *out, rc_error *err);
rc_status rc_parse_bool(const char *s, const char *what, int *out, rc_error *err);

/* "FILE.h5:/DATASET" -> file and dataset parts. */
rc_status rc_split_h5_spec(const char *spec, const char *what, char *file, size_t file_len,
                           char *dataset, size_t dataset_len, rc_error *err);

/* The directory part of a file path ("." for a bare name, "/" for a file at the root). */
void rc_path_dir(const char *path, char *dir, size_t len);

/* Key normalisation: lower-case '-' form, at most len-1 chars. */
/* A size in bytes: "12G", "512M", "1.5e9" (binary K, M, G, T suffixes, optional "B"/"iB"). */
rc_status rc_parse_size(const char *s, const char *what, double *out, rc_error *err);

void rc_option_normalize(const char *key, char *out, size_t len);

#endif
