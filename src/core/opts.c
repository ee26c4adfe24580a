#include "rnnchaos/opts.h"

#include <stdio.h>
#include <string.h>

#include "rnnchaos/parse.h"

const rc_opt *rc_opt_find(const rc_opt *table, size_t n, const char *key)
{
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    for (size_t i = 0; i < n; ++i)
        if (strcmp(norm, table[i].name) == 0) return &table[i];
    return NULL;
}

rc_status rc_opt_set(const rc_opt *o, void *params, const char *value, rc_error *err)
{
    char what[80];
    snprintf(what, sizeof what, "--%s", o->name);
    char *field = (char *)params + o->offset;
    switch (o->type) {
    case RC_OPT_DOUBLE: return rc_parse_double(value, what, (double *)field, err);
    case RC_OPT_INT64: return rc_parse_int64(value, what, (int64_t *)field, err);
    case RC_OPT_BOOL: return rc_parse_bool(value, what, (int *)field, err);
    case RC_OPT_INT: {
        int64_t v;
        RC_TRY(rc_parse_int64(value, what, &v, err));
        RC_CHECK(v >= o->lo && v <= o->hi, err, RC_ERR_INPUT, "%s: expected %lld..%lld, got '%s'",
                 what, (long long)o->lo, (long long)o->hi, value);
        *(int *)field = (int)v;
        return RC_OK;
    }
    case RC_OPT_CUSTOM: return o->parse(params, what, value, err);
    }
    return rc_fail(err, RC_ERR_INTERNAL, "unhandled option type");
}
