#include "rnnchaos/options.h"
#include "rnnchaos/h5input.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- model options ------------------------------------------------------------------------ */

typedef enum {
    OPT_INT,
    OPT_DOUBLE,
    OPT_PHI,
    OPT_SEED,
    OPT_SEED_STREAM,
    OPT_PATH,
    OPT_STRUCTURE,
    OPT_DIST
} rc_model_opt_type;

typedef struct {
    const char *name;
    rc_model_opt_type type;
    size_t offset; /* into rc_model_config, or the stream index for OPT_SEED_STREAM */
} rc_model_opt;

#define MODEL_FIELD(f) offsetof(rc_model_config, model.f)
static const rc_model_opt model_opts[] = {
    {"N", OPT_INT, MODEL_FIELD(N)},
    {"g", OPT_DOUBLE, MODEL_FIELD(g)},
    {"b", OPT_DOUBLE, MODEL_FIELD(b)},
    {"J0", OPT_DOUBLE, MODEL_FIELD(J0)},
    {"I0", OPT_DOUBLE, MODEL_FIELD(I0)},
    {"sigma", OPT_DOUBLE, MODEL_FIELD(sigma)},
    {"sigma-c", OPT_DOUBLE, MODEL_FIELD(sigma_c)},
    {"tau-s", OPT_DOUBLE, MODEL_FIELD(tau_s)},
    {"tau", OPT_DOUBLE, MODEL_FIELD(tau)},
    {"dt", OPT_DOUBLE, MODEL_FIELD(dt)},
    {"phi", OPT_PHI, MODEL_FIELD(phi)},
    {"seed", OPT_SEED, offsetof(rc_model_config, seed)},
    {"seed-net", OPT_SEED_STREAM, 0},
    {"seed-ic", OPT_SEED_STREAM, 1},
    {"seed-ons", OPT_SEED_STREAM, 2},
    {"seed-noise", OPT_SEED_STREAM, 3},
    {"connectivity", OPT_PATH, offsetof(rc_model_config, connectivity)},
    {"h0", OPT_PATH, offsetof(rc_model_config, h0)},
    /* structured networks (model.h, docs/user-guide.md) */
    {"structure", OPT_STRUCTURE, MODEL_FIELD(structure)},
    {"f-E", OPT_DOUBLE, MODEL_FIELD(f_E)},
    {"c-EE", OPT_DOUBLE, MODEL_FIELD(c[0][0])},
    {"c-EI", OPT_DOUBLE, MODEL_FIELD(c[0][1])},
    {"c-IE", OPT_DOUBLE, MODEL_FIELD(c[1][0])},
    {"c-II", OPT_DOUBLE, MODEL_FIELD(c[1][1])},
    {"w-EE-dist", OPT_DIST, MODEL_FIELD(w[0][0].kind)},
    {"w-EE-mean", OPT_DOUBLE, MODEL_FIELD(w[0][0].mean)},
    {"w-EE-spread", OPT_DOUBLE, MODEL_FIELD(w[0][0].spread)},
    {"w-EI-dist", OPT_DIST, MODEL_FIELD(w[0][1].kind)},
    {"w-EI-mean", OPT_DOUBLE, MODEL_FIELD(w[0][1].mean)},
    {"w-EI-spread", OPT_DOUBLE, MODEL_FIELD(w[0][1].spread)},
    {"w-IE-dist", OPT_DIST, MODEL_FIELD(w[1][0].kind)},
    {"w-IE-mean", OPT_DOUBLE, MODEL_FIELD(w[1][0].mean)},
    {"w-IE-spread", OPT_DOUBLE, MODEL_FIELD(w[1][0].spread)},
    {"w-II-dist", OPT_DIST, MODEL_FIELD(w[1][1].kind)},
    {"w-II-mean", OPT_DOUBLE, MODEL_FIELD(w[1][1].mean)},
    {"w-II-spread", OPT_DOUBLE, MODEL_FIELD(w[1][1].spread)},
    {"tau-E-dist", OPT_DIST, MODEL_FIELD(tau_rel[0].kind)},
    {"tau-E-mean", OPT_DOUBLE, MODEL_FIELD(tau_rel[0].mean)},
    {"tau-E-spread", OPT_DOUBLE, MODEL_FIELD(tau_rel[0].spread)},
    {"tau-I-dist", OPT_DIST, MODEL_FIELD(tau_rel[1].kind)},
    {"tau-I-mean", OPT_DOUBLE, MODEL_FIELD(tau_rel[1].mean)},
    {"tau-I-spread", OPT_DOUBLE, MODEL_FIELD(tau_rel[1].spread)},
    {"gain-E-dist", OPT_DIST, MODEL_FIELD(gain[0].kind)},
    {"gain-E-mean", OPT_DOUBLE, MODEL_FIELD(gain[0].mean)},
    {"gain-E-spread", OPT_DOUBLE, MODEL_FIELD(gain[0].spread)},
    {"gain-I-dist", OPT_DIST, MODEL_FIELD(gain[1].kind)},
    {"gain-I-mean", OPT_DOUBLE, MODEL_FIELD(gain[1].mean)},
    {"gain-I-spread", OPT_DOUBLE, MODEL_FIELD(gain[1].spread)},
};
#undef MODEL_FIELD

static const rc_model_opt *find_model_opt(const char *key)
{
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    for (size_t i = 0; i < sizeof model_opts / sizeof model_opts[0]; ++i)
        if (strcmp(norm, model_opts[i].name) == 0) return &model_opts[i];
    return NULL;
}

void rc_model_config_default(rc_model_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    rc_model_params_default(&c->model, c->seed);
}

int rc_model_config_has_key(const char *key) { return find_model_opt(key) != NULL; }

rc_status rc_model_config_set(rc_model_config *c, const char *key, const char *value,
                              rc_error *err)
{
    const rc_model_opt *o = find_model_opt(key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown model option '%s'", key);
    char what[80];
    snprintf(what, sizeof what, "--%s", o->name);
    char *base = (char *)c;
    switch (o->type) {
    case OPT_INT: return rc_parse_int64(value, what, (int64_t *)(base + o->offset), err);
    case OPT_DOUBLE: return rc_parse_double(value, what, (double *)(base + o->offset), err);
    case OPT_PHI: return rc_phi_parse(value, (rc_phi_kind *)(base + o->offset), err);
    case OPT_SEED: return rc_parse_uint64(value, what, (uint64_t *)(base + o->offset), err);
    case OPT_SEED_STREAM:
        RC_TRY(rc_parse_uint64(value, what, &c->seed_override[o->offset], err));
        c->has_seed_override[o->offset] = 1;
        return RC_OK;
    case OPT_STRUCTURE:
        for (int k = RC_STRUCTURE_DENSE; k <= RC_STRUCTURE_EI; ++k)
            if (strcmp(value, rc_structure_name((rc_structure)k)) == 0) {
                *(rc_structure *)(base + o->offset) = (rc_structure)k;
                return RC_OK;
            }
        return rc_fail(err, RC_ERR_INPUT, "%s: expected dense or ei, got '%s'", what, value);
    case OPT_DIST:
        for (int k = RC_DIST_CONSTANT; k <= RC_DIST_GAMMA; ++k)
            if (strcmp(value, rc_dist_name((rc_dist_kind)k)) == 0) {
                *(rc_dist_kind *)(base + o->offset) = (rc_dist_kind)k;
                return RC_OK;
            }
        return rc_fail(err, RC_ERR_INPUT, "%s: expected constant, gaussian, lognormal, uniform "
                       "or gamma, got '%s'", what, value);
    case OPT_PATH: {
        char file[RC_PATH_MAX], dset[RC_PATH_MAX];
        RC_TRY(rc_split_h5_spec(value, what, file, sizeof file, dset, sizeof dset, err));
        snprintf(base + o->offset, RC_PATH_MAX, "%s", value);
        return RC_OK;
    }
    }
    return rc_fail(err, RC_ERR_INTERNAL, "unhandled option type");
}

void rc_model_config_resolve_seeds(rc_model_config *c, uint64_t seed_offset)
{
    uint64_t *streams[4] = {&c->model.seed_net, &c->model.seed_ic, &c->model.seed_ons,
                            &c->model.seed_noise};
    for (int s = 0; s < 4; ++s)
        *streams[s] = (c->has_seed_override[s] ? c->seed_override[s] : c->seed) + seed_offset;
}

rc_status rc_model_config_load(rc_model_config *c, int n_given, rc_run_validate_fn validate,
                               void *ctx, rc_network *net, double **h0, rc_error *err)
{
    *h0 = NULL;
    if (c->connectivity[0]) {
        double *J = NULL;
        int64_t rows, cols;
        RC_TRY(rc_h5_read_matrix(c->connectivity, "--connectivity", 1, &J, &rows, &cols, err));
        rc_status st = RC_OK;
        if (n_given && c->model.N != rows)
            st = rc_fail(err, RC_ERR_INPUT, "--N: %lld disagrees with the %lld x %lld matrix of "
                         "--connectivity", (long long)c->model.N, (long long)rows, (long long)rows);
        c->model.N = rows;
        if (st == RC_OK && validate) st = validate(ctx, &c->model, 1, err);
        if (st == RC_OK) st = rc_network_adopt(net, &c->model, J, err);
        if (st != RC_OK) {
            free(J);
            return st;
        }
    } else {
        if (validate) RC_TRY(validate(ctx, &c->model, 0, err));
        RC_TRY(rc_network_create(net, &c->model, err));
    }
    if (c->h0[0]) {
        int64_t n;
        rc_status st = rc_h5_read_vector(c->h0, "--h0", h0, &n, err);
        if (st == RC_OK && n != net->N)
            st = rc_fail(err, RC_ERR_INPUT, "--h0: has %lld values, expected N = %lld",
                         (long long)n, (long long)net->N);
        /* a non-finite start is bad input, not a trajectory that diverged (issue 18) */
        for (int64_t i = 0; st == RC_OK && i < n; ++i)
            if (!isfinite((*h0)[i]))
                st = rc_fail(err, RC_ERR_INPUT, "--h0: entry %lld is %g: the initial state must "
                             "be finite", (long long)i, (*h0)[i]);
        if (st != RC_OK) {
            free(*h0);
            *h0 = NULL;
            rc_network_free(net);
            return st;
        }
    }
    return RC_OK;
}
