#include "rnnchaos/options.h"
#include "rnnchaos/h5input.h"
#include "rnnchaos/opts.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- model options ------------------------------------------------------------------------ */

/* The custom rows find their own row by the option's name (what = "--key"), so one parser
 * serves every field of its type. */
static const rc_opt *model_row(const char *what);

static rc_status parse_phi(void *config, const char *what, const char *value, rc_error *err)
{
    return rc_phi_parse(value, (rc_phi_kind *)((char *)config + model_row(what)->offset), err);
}

static rc_status parse_seed(void *config, const char *what, const char *value, rc_error *err)
{
    return rc_parse_uint64(value, what, (uint64_t *)((char *)config + model_row(what)->offset),
                           err);
}

/* --seed-net, --seed-ic, --seed-ons, --seed-noise: one stream's seed instead of --seed's */
static rc_status parse_seed_stream(void *config, const char *what, const char *value,
                                   rc_error *err)
{
    rc_model_config *c = config;
    const size_t s = (model_row(what)->offset - offsetof(rc_model_config, seed_override)) /
                     sizeof c->seed_override[0];
    RC_TRY(rc_parse_uint64(value, what, &c->seed_override[s], err));
    c->has_seed_override[s] = 1;
    return RC_OK;
}

static rc_status parse_path(void *config, const char *what, const char *value, rc_error *err)
{
    char file[RC_PATH_MAX], dset[RC_PATH_MAX];
    RC_TRY(rc_split_h5_spec(value, what, file, sizeof file, dset, sizeof dset, err));
    snprintf((char *)config + model_row(what)->offset, RC_PATH_MAX, "%s", value);
    return RC_OK;
}

static rc_status parse_structure(void *config, const char *what, const char *value,
                                 rc_error *err)
{
    for (int k = RC_STRUCTURE_DENSE; k <= RC_STRUCTURE_EI; ++k)
        if (strcmp(value, rc_structure_name((rc_structure)k)) == 0) {
            *(rc_structure *)((char *)config + model_row(what)->offset) = (rc_structure)k;
            return RC_OK;
        }
    return rc_fail(err, RC_ERR_INPUT, "%s: expected dense or ei, got '%s'", what, value);
}

static rc_status parse_dist(void *config, const char *what, const char *value, rc_error *err)
{
    for (int k = RC_DIST_CONSTANT; k <= RC_DIST_GAMMA; ++k)
        if (strcmp(value, rc_dist_name((rc_dist_kind)k)) == 0) {
            *(rc_dist_kind *)((char *)config + model_row(what)->offset) = (rc_dist_kind)k;
            return RC_OK;
        }
    return rc_fail(err, RC_ERR_INPUT, "%s: expected constant, gaussian, lognormal, uniform "
                   "or gamma, got '%s'", what, value);
}

#define MF(f) offsetof(rc_model_config, model.f)
#define MOPT(name, type, off, doc) {name, type, off, 0, 0, NULL, doc}
#define MCUSTOM(name, off, parse, doc) {name, RC_OPT_CUSTOM, off, 0, 0, parse, doc}
#define MDIST(pre, what, f)                                                                   \
    MCUSTOM(pre "-dist", MF(f.kind), parse_dist,                                              \
            what ": constant, gaussian, lognormal, uniform or gamma [constant]"),             \
    MOPT(pre "-mean", RC_OPT_DOUBLE, MF(f.mean), "mean of " what),                            \
    MOPT(pre "-spread", RC_OPT_DOUBLE, MF(f.spread), "spread (standard deviation) of " what)
/* docs/model.md section 1; the structured networks of model.h (docs/user-guide.md) */
static const rc_opt model_opts[] = {
    MOPT("N", RC_OPT_INT64, MF(N), "number of units"),
    MOPT("g", RC_OPT_DOUBLE, MF(g), "coupling strength"),
    MOPT("b", RC_OPT_DOUBLE, MF(b), "balance"),
    MOPT("J0", RC_OPT_DOUBLE, MF(J0), "mean inhibitory coupling scale"),
    MOPT("I0", RC_OPT_DOUBLE, MF(I0), "constant drive"),
    MOPT("sigma", RC_OPT_DOUBLE, MF(sigma), "independent noise amplitude"),
    MOPT("sigma-c", RC_OPT_DOUBLE, MF(sigma_c), "common OU input standard deviation"),
    MOPT("tau-s", RC_OPT_DOUBLE, MF(tau_s), "common input correlation time (tau)"),
    MOPT("tau", RC_OPT_DOUBLE, MF(tau), "membrane time constant"),
    MOPT("dt", RC_OPT_DOUBLE, MF(dt), "Euler step (tau)"),
    MCUSTOM("phi", MF(phi), parse_phi, "transfer function: tanh, relu or hardtanh [tanh]"),
    MCUSTOM("seed", offsetof(rc_model_config, seed), parse_seed,
            "base seed of the four random streams [1]"),
    MCUSTOM("seed-net", offsetof(rc_model_config, seed_override[0]), parse_seed_stream,
            "seed of the connectivity, instead of --seed's"),
    MCUSTOM("seed-ic", offsetof(rc_model_config, seed_override[1]), parse_seed_stream,
            "seed of the initial condition, instead of --seed's"),
    MCUSTOM("seed-ons", offsetof(rc_model_config, seed_override[2]), parse_seed_stream,
            "seed of the orthonormal system and bootstrap, instead of --seed's"),
    MCUSTOM("seed-noise", offsetof(rc_model_config, seed_override[3]), parse_seed_stream,
            "seed of the noise and common input, instead of --seed's"),
    MCUSTOM("connectivity", offsetof(rc_model_config, connectivity), parse_path,
            "J from FILE.h5:/DATASET (N x N, row-major, J[i][j] couples j -> i)"),
    MCUSTOM("h0", offsetof(rc_model_config, h0), parse_path,
            "initial state from FILE.h5:/DATASET (N values)"),
    MCUSTOM("structure", MF(structure), parse_structure,
            "connectivity: dense, or ei (excitatory/inhibitory blocks) [dense]"),
    MOPT("f-E", RC_OPT_DOUBLE, MF(f_E), "fraction of excitatory units (ei)"),
    MOPT("c-EE", RC_OPT_DOUBLE, MF(c[0][0]), "connection probability E -> E (ei)"),
    MOPT("c-EI", RC_OPT_DOUBLE, MF(c[0][1]), "connection probability I -> E (ei)"),
    MOPT("c-IE", RC_OPT_DOUBLE, MF(c[1][0]), "connection probability E -> I (ei)"),
    MOPT("c-II", RC_OPT_DOUBLE, MF(c[1][1]), "connection probability I -> I (ei)"),
    MDIST("w-EE", "the weights E -> E (ei)", w[0][0]),
    MDIST("w-EI", "the weights I -> E (ei)", w[0][1]),
    MDIST("w-IE", "the weights E -> I (ei)", w[1][0]),
    MDIST("w-II", "the weights I -> I (ei)", w[1][1]),
    MDIST("tau-E", "tau_i/tau, E units", tau_rel[0]),
    MDIST("tau-I", "tau_i/tau, I units", tau_rel[1]),
    MDIST("gain-E", "gain_i, E units", gain[0]),
    MDIST("gain-I", "gain_i, I units", gain[1]),
};
#undef MDIST
#undef MCUSTOM
#undef MOPT
#undef MF

static const rc_opt *model_row(const char *what)
{
    return rc_opt_find(model_opts, RC_OPT_COUNT(model_opts), what);
}

const rc_opt *rc_model_config_options(size_t *n)
{
    *n = RC_OPT_COUNT(model_opts);
    return model_opts;
}

void rc_model_config_default(rc_model_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    rc_model_params_default(&c->model, c->seed);
}

int rc_model_config_has_key(const char *key) { return model_row(key) != NULL; }

rc_status rc_model_config_set(rc_model_config *c, const char *key, const char *value,
                              rc_error *err)
{
    const rc_opt *o = model_row(key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown model option '%s'", key);
    return rc_opt_set(o, c, value, err);
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
