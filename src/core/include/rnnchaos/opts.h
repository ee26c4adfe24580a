/* Option tables: one row per option of a parameter struct (name, type, field, range, meaning)
 * drives the lookup, the parsing and the checks of `--key value` and `key = value` alike.  A
 * module keeps its table beside its struct and offers has_key/set through rc_opt_find and
 * rc_opt_set; messages name the option as `--key`. */
#ifndef RNNCHAOS_OPTS_H
#define RNNCHAOS_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/error.h"

typedef enum {
    RC_OPT_DOUBLE, /* double field */
    RC_OPT_INT64,  /* int64_t field, any value */
    RC_OPT_INT,    /* int field, lo..hi */
    RC_OPT_BOOL,   /* int field, yes/no (rc_parse_bool) */
    RC_OPT_CUSTOM  /* parse(struct, "--key", value) */
} rc_opt_type;

typedef struct {
    const char *name; /* the '-' form, without "--" */
    rc_opt_type type;
    size_t offset;    /* of the field in the parameter struct */
    int64_t lo, hi;   /* RC_OPT_INT */
    rc_status (*parse)(void *params, const char *what, const char *value, rc_error *err);
    const char *doc;  /* one line: what the option sets, with its unit */
} rc_opt;

#define RC_OPT_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* The row of key ('-' or '_', with or without "--"), or NULL. */
const rc_opt *rc_opt_find(const rc_opt *table, size_t n, const char *key);
/* Parses value into the field of params that o describes (RC_ERR_INPUT naming --name). */
rc_status rc_opt_set(const rc_opt *o, void *params, const char *value, rc_error *err);

#endif
