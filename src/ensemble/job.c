/* Job files -> deterministic task lists (job.h).  The INI syntax is libinih's; this file adds
 * the value grammar, the [run] keys, the task kinds and the line numbers for every message. */
#include "rnnchaos/job.h"
#include "job_kinds.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "rnnchaos/checkpoint.h"
#include "rnnchaos/timer.h"

#define RC_JOB_MAX_ITEMS 100000

/* ============================================================================================
 * SHA-256 (FIPS 180-4).  None of the project's dependencies exports a hash, and the archive needs
 * one to refuse a --resume with a different job file.
 * ============================================================================================ */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t h[8], const unsigned char *blk)
{
    uint32_t w[64];
    for (int t = 0; t < 16; ++t)
        w[t] = (uint32_t)blk[4 * t] << 24 | (uint32_t)blk[4 * t + 1] << 16 |
               (uint32_t)blk[4 * t + 2] << 8 | (uint32_t)blk[4 * t + 3];
    for (int t = 16; t < 64; ++t) {
        uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; ++t) {
        uint32_t S1 = rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = k + S1 + ch + sha256_k[t] + w[t];
        uint32_t S0 = rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

void rc_sha256_hex(const void *data, size_t len, char out[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    size_t full = len / 64;
    for (size_t i = 0; i < full; ++i) sha256_block(h, p + 64 * i);
    unsigned char tail[128];
    size_t rem = len - 64 * full;
    memset(tail, 0, sizeof tail);
    if (rem) memcpy(tail, p + 64 * full, rem);
    tail[rem] = 0x80;
    size_t tlen = rem + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8u;
    for (int i = 0; i < 8; ++i) tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha256_block(h, tail);
    if (tlen == 128) sha256_block(h, tail + 64);
    for (int i = 0; i < 8; ++i) snprintf(out + 8 * i, 9, "%08x", (unsigned)h[i]);
    out[64] = '\0';
}

/* ============================================================================================
 * The value grammar: items separated by top-level commas; an item is a scalar, start:step:stop,
 * lin(a,b,n) or log(a,b,n).
 * ============================================================================================ */

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
static void trim_copy(const char *b, const char *e, char *buf, size_t len)
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
        if (nargs < 3) trim_copy(p, q, args[nargs], sizeof args[nargs]);
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
        if (nparts < 3) trim_copy(p, e, parts[nparts], sizeof parts[nparts]);
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
        trim_copy(item, colon, head, sizeof head);
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
            trim_copy(b, p, item, sizeof item);
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

/* ============================================================================================
 * What every kind shares: the model options of its section.
 * ============================================================================================ */

void rc_job_model_default(rc_model_config *mc, uint64_t seed)
{
    rc_model_config_default(mc);
    mc->seed = seed;
    rc_model_params_default(&mc->model, seed);
}

/* A model key of a task section.  Tasks are scheduled and costed from N before anything is read;
 * an input file would have to be opened on every rank to know it, so files stay with the
 * single-task commands. */
rc_status rc_job_model_set(rc_model_config *mc, const char *command, const char *key,
                           const char *value, rc_error *err)
{
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    RC_CHECK(strcmp(norm, "connectivity") != 0 && strcmp(norm, "h0") != 0, err, RC_ERR_INPUT,
             "not supported in job files (use rnnchaos %s --%s for one network)", command, norm);
    return rc_model_config_set(mc, key, value, err);
}

/* ============================================================================================
 * The spectrum task kind: rc_lyap_run on one network drawn from the seeds.
 * ============================================================================================ */

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
} spectrum_config;

static void spectrum_config_default(void *config, uint64_t seed)
{
    spectrum_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_lyap_params_default(&c->lp);
}

static int spectrum_has_key(const char *key)
{
    return rc_model_config_has_key(key) || rc_lyap_params_has_key(key);
}

static rc_status spectrum_config_set(void *config, const char *key, const char *value,
                                     rc_error *err)
{
    spectrum_config *c = config;
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "spectrum", key, value, err);
    return rc_lyap_params_set(&c->lp, key, value, err);
}

static rc_status spectrum_make_task(const void *config, int64_t realization, void *params,
                                    rc_error *err)
{
    spectrum_config c = *(const spectrum_config *)config;
    rc_spectrum_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->lyap = c.lp;
    t->lyap.h0 = NULL;
    t->lyap.observer = NULL;
    t->lyap.observer_ctx = NULL;
    t->lyap.on_interval = NULL;
    t->lyap.on_interval_ctx = NULL;
    t->lyap.use_reference_kernels = 0;
    RC_TRY(rc_lyap_params_validate(&t->lyap, &t->model, err));
    /* Resolve the automatic choices here, so the archive's parameter table shows what ran. */
    if (t->lyap.n_le == 0) t->lyap.n_le = t->model.N;
    if (t->lyap.pca < 0) t->lyap.pca = t->model.N <= 4096;
    return RC_OK;
}

static void spectrum_estimate(const void *params, double *flops, double *bytes)
{
    const rc_spectrum_task *t = params;
    rc_lyap_cost c = rc_lyap_cost_model(&t->model, &t->lyap);
    *flops = c.tangent_flops + c.qr_flops + c.state_flops;
    *bytes = rc_lyap_memory_bytes(&t->model, &t->lyap);
}

enum {
    SR_N_LE, SR_T_ACC, SR_N_INT, SR_LMAX, SR_LMIN, SR_LMEAN, SR_H, SR_D, SR_D_LB, SR_NPOS,
    SR_LMAX_FP, SR_CI_LMAX, SR_CI_LMIN, SR_CI_H, SR_CI_D, SR_CI_LMAX_FP, SR_BLOCK_LEN,
    SR_N_BLOCKS, SR_LV_PR, SR_PCA_H, SR_PCA_PHI, SR_LAMBDA, SR_N_TRACE, SR_TRACE_T,
    SR_TRACE_H, SR_TRACE_LAMBDA, SR_PILOT_M, SR_PILOT_D, SR_REORTH, SR_REORTH_FB, SR_GRID_ROWS, SR_GRID_COLS, SR_COUNT
};

static const rc_result_column spectrum_results[SR_COUNT] = {
    [SR_N_LE] = {"n_le", RC_COL_I64, 0, "number of exponents m computed"},
    [SR_T_ACC] = {"t_accumulated", RC_COL_F64, 0, "time accumulated (tau)"},
    [SR_N_INT] = {"n_intervals", RC_COL_I64, 0, "reorthonormalisation intervals accumulated"},
    [SR_LMAX] = {"lambda_max", RC_COL_F64, 0, "largest exponent lambda_1 (1/tau)"},
    [SR_LMIN] = {"lambda_min", RC_COL_F64, 0, "smallest computed exponent lambda_m (1/tau)"},
    [SR_LMEAN] = {"lambda_mean", RC_COL_F64, 0, "mean exponent (NaN unless n_le = N)"},
    [SR_H] = {"entropy_H", RC_COL_F64, 0, "KS entropy rate: sum of positive exponents (nats/tau)"},
    [SR_D] = {"dim_ky", RC_COL_F64, 0, "Kaplan-Yorke dimension (NaN if only a lower bound)"},
    [SR_D_LB] = {"dim_ky_lower_bound", RC_COL_I64, 0, "1: partial sums never turned negative, D >= n_le"},
    [SR_NPOS] = {"n_positive", RC_COL_I64, 0, "number of positive exponents"},
    [SR_LMAX_FP] = {"lambda_max_fp", RC_COL_F64, 0, "lambda_1 from a finite perturbation"},
    [SR_CI_LMAX] = {"ci_lambda_max", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_LMIN] = {"ci_lambda_min", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_H] = {"ci_entropy_H", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_D] = {"ci_dim_ky", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_LMAX_FP] = {"ci_lambda_max_fp", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_BLOCK_LEN] = {"block_len", RC_COL_I64, 0, "bootstrap block length (intervals)"},
    [SR_N_BLOCKS] = {"n_blocks", RC_COL_I64, 0, "bootstrap blocks"},
    [SR_LV_PR] = {"lyapvec_pr", RC_COL_F64, 0, "participation ratio of the first Lyapunov vector"},
    [SR_PCA_H] = {"pca_dim_h", RC_COL_F64, 0, "PCA participation-ratio dimension of h"},
    [SR_PCA_PHI] = {"pca_dim_phi", RC_COL_F64, 0, "PCA participation-ratio dimension of phi(h)"},
    [SR_LAMBDA] = {"lambda", RC_COL_F64, 1, "exponents, as produced (descending); NaN-padded to max n_le"},
    [SR_N_TRACE] = {"n_trace", RC_COL_I64, 0, "points of the convergence trace"},
    [SR_TRACE_T] = {"trace_t", RC_COL_F64, 1, "accumulation times of the trace (tau)"},
    [SR_TRACE_H] = {"trace_entropy_H", RC_COL_F64, 1, "running entropy rate at trace_t"},
    [SR_TRACE_LAMBDA] = {"trace_lambda", RC_COL_F64, 2, "running spectra at trace_t (n_trace x n_le)"},
    [SR_PILOT_M] = {"pilot_m", RC_COL_I64, 0, "n_le = auto: exponents of the last pilot run (0 otherwise)"},
    [SR_PILOT_D] = {"pilot_dim_ky", RC_COL_F64, 0, "n_le = auto: Kaplan-Yorke dimension of the pilot"},
    [SR_REORTH] = {"reorth_used", RC_COL_I64, 0, "reorthonormalisation used: 1 Householder, 2 CholeskyQR2"},
    [SR_REORTH_FB] = {"reorth_fallbacks", RC_COL_I64, 0, "CholeskyQR2 intervals redone with Householder"},
    [SR_GRID_ROWS] = {"grid_rows", RC_COL_I64, 0, "process rows Pr of the grid the task ran on (1: one rank)"},
    [SR_GRID_COLS] = {"grid_cols", RC_COL_I64, 0, "process columns Pc of the grid the task ran on"},
};


#define SP_FIELD(f) offsetof(rc_spectrum_task, f)
static const rc_param_column spectrum_params[] = {
    {"N", RC_COL_I64, SP_FIELD(model.N), "number of units"},
    {"g", RC_COL_F64, SP_FIELD(model.g), "coupling strength"},
    {"b", RC_COL_F64, SP_FIELD(model.b), "balance"},
    {"J0", RC_COL_F64, SP_FIELD(model.J0), "mean inhibitory coupling scale"},
    {"I0", RC_COL_F64, SP_FIELD(model.I0), "constant drive"},
    {"sigma", RC_COL_F64, SP_FIELD(model.sigma), "independent noise amplitude"},
    {"sigma_c", RC_COL_F64, SP_FIELD(model.sigma_c), "common OU input standard deviation"},
    {"tau_s", RC_COL_F64, SP_FIELD(model.tau_s), "common input correlation time"},
    {"tau", RC_COL_F64, SP_FIELD(model.tau), "membrane time constant"},
    {"dt", RC_COL_F64, SP_FIELD(model.dt), "Euler step"},
    {"phi", RC_COL_PHI, SP_FIELD(model.phi), "transfer function"},
    {"seed_net", RC_COL_U64, SP_FIELD(model.seed_net), "connectivity seed"},
    {"seed_ic", RC_COL_U64, SP_FIELD(model.seed_ic), "initial-condition seed"},
    {"seed_ons", RC_COL_U64, SP_FIELD(model.seed_ons), "orthonormal-system and bootstrap seed"},
    {"seed_noise", RC_COL_U64, SP_FIELD(model.seed_noise), "noise and common-input seed"},
    RC_STRUCT_PARAM_COLUMNS(rc_spectrum_task, model),
    {"t_sim", RC_COL_F64, SP_FIELD(lyap.t_sim), "accumulation time"},
    {"t_ons", RC_COL_F64, SP_FIELD(lyap.t_ons), "reorthonormalisation interval"},
    {"t_transient", RC_COL_F64, SP_FIELD(lyap.t_transient), "trajectory transient"},
    {"t_ons_transient", RC_COL_F64, SP_FIELD(lyap.t_ons_transient), "orthonormal-system transient"},
    {"n_le", RC_COL_I64, SP_FIELD(lyap.n_le), "exponents requested (N for 'all', -1 for 'auto')"},
    {"finite_perturbation", RC_COL_INT, SP_FIELD(lyap.finite_perturbation), "1: finite-perturbation lambda_1"},
    {"pca", RC_COL_INT, SP_FIELD(lyap.pca), "1: PCA dimensions"},
    {"lyapvec_pr", RC_COL_INT, SP_FIELD(lyap.lyapvec_pr), "1: Lyapunov-vector participation ratio"},
    {"n_trace", RC_COL_INT, SP_FIELD(lyap.n_trace), "trace points requested"},
    {"n_boot", RC_COL_INT, SP_FIELD(lyap.n_boot), "bootstrap replicates"},
    {"reorth", RC_COL_INT, SP_FIELD(lyap.reorth), "reorthonormalisation requested: 0 auto, 1 Householder, 2 CholeskyQR2"},
    {"single_precision", RC_COL_INT, SP_FIELD(lyap.single_precision), "1: tangent vectors in single precision"},
};
#undef SP_FIELD

static int64_t spectrum_trace_points(const rc_spectrum_task *t)
{
    /* as rc_lyap_run: min(n_trace, accumulated intervals) */
    const int64_t n_int = (int64_t)floor(t->lyap.t_sim / t->lyap.t_ons + 1e-9);
    return t->lyap.n_trace < n_int ? t->lyap.n_trace : n_int;
}

static void spectrum_result_dims(const void *params, int col, int64_t dims[2])
{
    const rc_spectrum_task *t = params;
    /* n_le = auto (RC_NLE_AUTO) chooses m <= N at run time */
    const int64_t m = t->lyap.n_le > 0 ? t->lyap.n_le : t->model.N, nt = spectrum_trace_points(t);
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case SR_CI_LMAX: case SR_CI_LMIN: case SR_CI_H: case SR_CI_D: case SR_CI_LMAX_FP:
        dims[1] = 2;
        break;
    case SR_LAMBDA: dims[1] = m; break;
    case SR_TRACE_T: case SR_TRACE_H: dims[1] = nt; break;
    case SR_TRACE_LAMBDA:
        dims[0] = nt;
        dims[1] = m;
        break;
    default: break;
    }
}

typedef struct {
    rc_lyap_result res;
    double ci[5][2];
} spectrum_output;

typedef struct {
    const rc_task_cancel *cancel;
    jmp_buf jb;
    int checkpoints;   /* 1: the engine offers its state after every accumulated interval */
    int stop_seen;     /* a stop request arrived during the accumulation */
    double last_saved; /* wall time of the last stored state (or of the task's start) */
    int write_failed;  /* warned once already */
} spectrum_cancel;

/* The engine calls its observer before every step; a cancelled task leaves through longjmp.
 * rc_lyap_run has no cancellation point of its own, and a stop signal must not wait for a task
 * that may run for hours.  The engine's work buffers are abandoned (at most one task's memory):
 * a cancelled task is always followed by the end of the process.  With checkpoints, a stop
 * during the accumulation (phase 2) waits instead for the end of the interval (t_ons / dt
 * steps), where the state is stored and the engine returns normally. */
static void spectrum_observer(void *ctx, int64_t step, int phase, const double *h,
                              const double *dphi)
{
    spectrum_cancel *c = ctx;
    if (!c->cancel->requested(c->cancel->ctx)) return;
    if (c->checkpoints && phase == 2)
        c->stop_seen = 1;
    else
        longjmp(c->jb, 1);
}

static int spectrum_checkpoint(void *ctx, const rc_lyap_state *state)
{
    spectrum_cancel *c = ctx;
    const rc_task_cancel *tc = c->cancel;
    /* the observer polled before every step of the interval (rank 0 answering its workers at
     * the same rate-limited pace as always); no extra poll here */
    const int stop = c->stop_seen;
    const double now = rc_wall_seconds();
    if (!stop && !(tc->checkpoint_every_s > 0 && now - c->last_saved >= tc->checkpoint_every_s))
        return 0;
    rc_error err;
    if (rc_checkpoint_write(tc->checkpoint_path, tc->checkpoint_fingerprint, state, &err) == RC_OK) {
        c->last_saved = now;
    } else if (!c->write_failed) {
        c->write_failed = 1;
        fprintf(stderr, "rnnchaos: warning: %s (the task goes on without it)\n", err.msg);
    }
    return stop;
}

/* A stored state of this task, if there is a usable one: 1 and *state filled, else 0 (a
 * state of another task or program version is removed with a warning). */
static int spectrum_stored_state(const rc_task_cancel *tc, rc_lyap_state *state)
{
    if (access(tc->checkpoint_path, F_OK) != 0) return 0;
    rc_error err;
    if (rc_checkpoint_read(tc->checkpoint_path, tc->checkpoint_fingerprint, state, &err) != RC_OK) {
        fprintf(stderr, "rnnchaos: warning: %s: starting the task afresh\n", err.msg);
        remove(tc->checkpoint_path);
        return 0;
    }
    return 1;
}

static void spectrum_output_free(rc_task_output *out)
{
    spectrum_output *o = out->owner;
    if (o) {
        rc_lyap_result_free(&o->res);
        free(o);
    }
    out->owner = NULL;
}

static void spectrum_pack(spectrum_output *o, int Pr, int Pc, rc_task_output *out);

static rc_status spectrum_run(const void *params, const rc_task_cancel *cancel,
                              rc_task_output *out, rc_error *err)
{
    const rc_spectrum_task *t = params;
    memset(out, 0, sizeof *out);
    rc_network net;
    RC_TRY(rc_network_create(&net, &t->model, err));
    spectrum_output *o = rc_calloc(1, sizeof *o, "spectrum result", err);
    spectrum_cancel *cc = rc_calloc(1, sizeof *cc, "cancellation context", err);
    if (!o || !cc) {
        free(o);
        free(cc);
        rc_network_free(&net);
        return RC_ERR_NOMEM;
    }
    rc_lyap_params lp = t->lyap;
    rc_lyap_state stored;
    memset(&stored, 0, sizeof stored);
    if (cancel && cancel->requested) {
        cc->cancel = cancel;
        lp.observer = spectrum_observer;
        lp.observer_ctx = cc;
        cc->checkpoints = cancel->checkpoint_path && !lp.single_precision &&
                          !lp.use_reference_kernels;
        if (cc->checkpoints) {
            lp.checkpoint = spectrum_checkpoint;
            lp.checkpoint_ctx = cc;
            cc->last_saved = rc_wall_seconds();
            if (spectrum_stored_state(cancel, &stored)) lp.resume = &stored;
        }
        if (setjmp(cc->jb)) {
            rc_lyap_result_free(&o->res);
            rc_checkpoint_state_free(&stored);
            free(o);
            free(cc);
            rc_network_free(&net);
            return rc_fail(err, RC_ERR_SIGNAL, "cancelled by a stop request");
        }
    }
    rc_status st = rc_lyap_run(&net, &lp, &o->res, err);
    if (st == RC_ERR_INPUT && lp.resume) {
        /* a stored state this run cannot use (e.g. from a build with another layout): the
         * task starts afresh rather than failing */
        fprintf(stderr, "rnnchaos: warning: %s: %s: starting the task afresh\n",
                cancel->checkpoint_path, err ? err->msg : "");
        remove(cancel->checkpoint_path);
        lp.resume = NULL;
        st = rc_lyap_run(&net, &lp, &o->res, err);
    }
    rc_checkpoint_state_free(&stored);
    rc_network_free(&net);
    free(cc);
    if (st == RC_OK && o->res.resumed_after > 0)
        fprintf(stderr, "rnnchaos: %s: resumed from its checkpoint after interval %lld of %lld\n",
                cancel->checkpoint_path, (long long)o->res.resumed_after,
                (long long)o->res.n_intervals);
    if (st != RC_OK) {
        rc_lyap_result_free(&o->res);
        free(o);
        return st;
    }
    spectrum_pack(o, 1, 1, out);
    return RC_OK;
}

rc_status rc_spectrum_output_take(rc_lyap_result *res, int Pr, int Pc, rc_task_output *out,
                                  rc_error *err)
{
    memset(out, 0, sizeof *out);
    spectrum_output *o = rc_calloc(1, sizeof *o, "spectrum result", err);
    if (!o) {
        rc_lyap_result_free(res);
        return RC_ERR_NOMEM;
    }
    o->res = *res;
    memset(res, 0, sizeof *res);
    spectrum_pack(o, Pr, Pc, out);
    return RC_OK;
}

/* The output cells of a spectrum task point into o (which out then owns). */
static void spectrum_pack(spectrum_output *o, int Pr, int Pc, rc_task_output *out)
{
    const rc_lyap_result *r = &o->res;
    const rc_ci cis[5] = {r->ci_lambda_max, r->ci_lambda_min, r->ci_entropy_H, r->ci_dim_ky,
                          r->ci_lambda_max_fp};
    for (int k = 0; k < 5; ++k) {
        o->ci[k][0] = cis[k].lo;
        o->ci[k][1] = cis[k].hi;
    }
    rc_cell *c = out->cells;
    c[SR_N_LE].i = r->m;
    c[SR_T_ACC].f = r->t_accumulated;
    c[SR_N_INT].i = r->n_intervals;
    c[SR_LMAX].f = r->lambda_max;
    c[SR_LMIN].f = r->lambda_min;
    c[SR_LMEAN].f = r->lambda_mean;
    c[SR_H].f = r->entropy_H;
    c[SR_D].f = r->dim_ky;
    c[SR_D_LB].i = r->dim_ky_lower_bound;
    c[SR_NPOS].i = r->n_positive;
    c[SR_LMAX_FP].f = r->lambda_max_fp;
    for (int k = 0; k < 5; ++k) {
        c[SR_CI_LMAX + k].a = o->ci[k];
        c[SR_CI_LMAX + k].dims[0] = 1;
        c[SR_CI_LMAX + k].dims[1] = 2;
    }
    c[SR_BLOCK_LEN].i = r->block_len;
    c[SR_N_BLOCKS].i = r->n_blocks;
    c[SR_LV_PR].f = r->lyapvec_pr;
    c[SR_PCA_H].f = r->pca_dim_h;
    c[SR_PCA_PHI].f = r->pca_dim_phi;
    c[SR_LAMBDA] = (rc_cell){0, 0, r->lambda, {1, r->m}, NULL};
    c[SR_N_TRACE].i = r->n_trace;
    c[SR_TRACE_T] = (rc_cell){0, 0, r->trace_t, {1, r->n_trace}, NULL};
    c[SR_TRACE_H] = (rc_cell){0, 0, r->trace_entropy_H, {1, r->n_trace}, NULL};
    c[SR_TRACE_LAMBDA] = (rc_cell){0, 0, r->trace_lambda, {r->n_trace, r->m}, NULL};
    c[SR_PILOT_M].i = r->n_le_auto ? r->pilot_m : 0;
    c[SR_PILOT_D].f = r->n_le_auto ? r->pilot_dim_ky : NAN;
    c[SR_REORTH].i = r->reorth_used;
    c[SR_REORTH_FB].i = r->reorth_fallbacks;
    c[SR_GRID_ROWS].i = Pr;
    c[SR_GRID_COLS].i = Pc;
    out->headline = r->lambda_max;
    out->owner = o;
}

static void spectrum_describe(const void *params, char *buf, size_t len)
{
    const rc_spectrum_task *t = params;
    char m[32];
    if (t->lyap.n_le > 0)
        snprintf(m, sizeof m, "%lld", (long long)t->lyap.n_le);
    else
        snprintf(m, sizeof m, "auto");
    snprintf(buf, len, "N=%lld g=%g b=%g %s dt=%g n_le=%s seed_net=%llu", (long long)t->model.N,
             t->model.g, t->model.b, rc_phi_name(t->model.phi), t->model.dt, m,
             (unsigned long long)t->model.seed_net);
}

/* ============================================================================================
 * Shared by the kinds below: a thorough cancellation check for kinds whose module offers no
 * per-step hook (g_crit checks between probes, coherence before it starts).
 * ============================================================================================ */

int rc_task_cancel_now(const rc_task_cancel *cancel)
{
    if (!cancel) return 0;
    if (cancel->requested_now) return cancel->requested_now(cancel->ctx);
    return cancel->requested ? cancel->requested(cancel->ctx) : 0;
}


/* ============================================================================================
 * The gcrit task kind (science.md section 3): rc_gcrit_run on one realisation, exactly as
 * `rnnchaos gcrit` runs it (same defaults, same checks, the fixed-X family of rc_network_create).
 * ============================================================================================ */

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
    rc_gcrit_params gp;
} gcrit_config;

static void gcrit_config_default(void *config, uint64_t seed)
{
    gcrit_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_lyap_params_default(&c->lp);
    rc_gcrit_params_default(&c->gp);
}

/* Engine options every probe sets itself: accepted as keys only to refuse them by name. */
static const char *const gcrit_fixed_keys[] = {"t-sim", "n-le", "finite-perturbation", "pca",
                                               "lyapvec-pr", "n-trace", NULL};

static int gcrit_has_key(const char *key)
{
    return rc_gcrit_params_has_key(key) || rc_model_config_has_key(key) ||
           rc_lyap_params_has_key(key);
}

static rc_status gcrit_config_set(void *config, const char *key, const char *value, rc_error *err)
{
    gcrit_config *c = config;
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    RC_CHECK(strcmp(norm, "g") != 0, err, RC_ERR_INPUT,
             "[gcrit] varies g: give the search interval with g_lo and g_hi");
    for (int k = 0; gcrit_fixed_keys[k]; ++k)
        RC_CHECK(strcmp(norm, gcrit_fixed_keys[k]) != 0, err, RC_ERR_INPUT,
                 "set by the g_crit search itself (lambda_1 only, run length from t_min/t_max)");
    if (rc_gcrit_params_has_key(key)) return rc_gcrit_params_set(&c->gp, key, value, err);
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "gcrit", key, value, err);
    return rc_lyap_params_set(&c->lp, key, value, err);
}

static rc_status gcrit_make_task(const void *config, int64_t realization, void *params,
                                 rc_error *err)
{
    gcrit_config c = *(const gcrit_config *)config;
    rc_gcrit_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->lyap = c.lp;
    t->lyap.h0 = NULL;
    t->lyap.observer = NULL;
    t->lyap.observer_ctx = NULL;
    t->lyap.on_interval = NULL;
    t->lyap.on_interval_ctx = NULL;
    t->lyap.use_reference_kernels = 0;
    t->gcrit = c.gp;
    /* the checks of `rnnchaos gcrit`, in its order */
    RC_TRY(rc_gcrit_params_validate(&t->gcrit, err));
    rc_model_params p = t->model;
    p.g = t->gcrit.g_lo;
    RC_TRY(rc_lyap_params_validate(&t->lyap, &p, err));
    RC_CHECK(t->lyap.n_boot >= 100, err, RC_ERR_INPUT,
             "--n-boot: g_crit probes decide on bootstrap CIs and need >= 100, got %d",
             t->lyap.n_boot);
    RC_CHECK(t->gcrit.t_min >= 20.0 * t->lyap.t_ons, err, RC_ERR_INPUT,
             "--t-min: must be at least 20 t_ons (= %g), got %g", 20.0 * t->lyap.t_ons,
             t->gcrit.t_min);
    return RC_OK;
}

/* Cost model (gcrit.h has none): every probe is one lambda_1-only run with its transients that
 * stops at the first checkpoint (t_min, growth t_min, ...) whose CI decides.  Assumed: it stops
 * at the third checkpoint, growth^2 t_min (far from g_crit the first decides, near it t_max is
 * reached), and 2 + log2((g_hi - g_lo)/g_tol) probes (the ends and the bisection) plus the grid
 * when scan_always; capped at max_probes.  Priced by rc_lyap_cost_model at the midpoint g. */
static void gcrit_estimate(const void *params, double *flops, double *bytes)
{
    const rc_gcrit_task *t = params;
    const rc_gcrit_params *gp = &t->gcrit;
    rc_model_params p = t->model;
    p.g = 0.5 * (gp->g_lo + gp->g_hi);
    rc_lyap_params lp = t->lyap;
    lp.n_le = 1;
    lp.finite_perturbation = 0;
    lp.pca = 0;
    lp.lyapvec_pr = 0;
    lp.t_sim = fmin(gp->t_min * gp->growth * gp->growth, gp->t_max);
    rc_lyap_cost c = rc_lyap_cost_model(&p, &lp);
    const double per_probe = c.tangent_flops + c.qr_flops + c.state_flops;
    double probes = 2.0 + (gp->scan_always ? gp->n_scan : 0) +
                    ceil(log2(fmax(2.0, (gp->g_hi - gp->g_lo) / gp->g_tol)));
    if (probes > gp->max_probes) probes = gp->max_probes;
    *flops = probes * per_probe;
    lp.t_sim = gp->t_max;
    *bytes = rc_lyap_memory_bytes(&p, &lp) + (double)gp->max_probes * 128.0;
}

enum {
    GR_G_CRIT, GR_STATUS, GR_DECISION, GR_BRACKET, GR_N_PROBES, GR_N_CROSSINGS, GR_MAX_REACHED,
    GR_CROSSINGS, GR_CROSSING_UP, GR_P_G, GR_P_LMAX, GR_P_CI, GR_P_T_SIM, GR_P_CHAOTIC,
    GR_P_STAGE, GR_P_T_TOTAL, GR_P_N_CHUNKS, GR_COUNT
};

static const rc_result_column gcrit_results[GR_COUNT] = {
    [GR_G_CRIT] = {"g_crit", RC_COL_F64, 0, "critical coupling: bracket midpoint when decided, NaN otherwise"},
    [GR_STATUS] = {"decision_code", RC_COL_I64, 0, "0 decided, 1 undecided, 2 no crossing, 3 multiple crossings"},
    [GR_DECISION] = {"decision", RC_COL_STR, 0, "decided, undecided, no-crossing or multiple-crossings"},
    [GR_BRACKET] = {"bracket", RC_COL_F64, 1, "[largest regular g, smallest chaotic g] (NaN: none)"},
    [GR_N_PROBES] = {"n_probes", RC_COL_I64, 0, "probes run (rows of the probe_* datasets)"},
    [GR_N_CROSSINGS] = {"n_crossings", RC_COL_I64, 0, "class changes between neighbouring decided probes"},
    [GR_MAX_REACHED] = {"max_probes_reached", RC_COL_I64, 0, "1: the search stopped at max_probes"},
    [GR_CROSSINGS] = {"crossings", RC_COL_F64, 2, "class changes: [g_a, g_b] per change (n_crossings x 2)"},
    [GR_CROSSING_UP] = {"crossing_up", RC_COL_F64, 1, "per change: 1 regular -> chaotic, 0 chaotic -> regular"},
    [GR_P_G] = {"probe_g", RC_COL_F64, 1, "coupling of each probe, in the order they ran"},
    [GR_P_LMAX] = {"probe_lambda_max", RC_COL_F64, 1, "lambda_1 at the deciding checkpoint (1/tau)"},
    [GR_P_CI] = {"probe_ci", RC_COL_F64, 2, "95% batch-means CI [lo, hi] of probe_lambda_max"},
    [GR_P_T_SIM] = {"probe_t_sim", RC_COL_F64, 1, "accumulation time of the deciding checkpoint (tau)"},
    [GR_P_CHAOTIC] = {"probe_chaotic", RC_COL_F64, 1, "1 chaotic, 0 regular, -1 undecided (NaN: no probe)"},
    [GR_P_STAGE] = {"probe_stage", RC_COL_F64, 1, "0 end of the interval, 1 coarse scan, 2 bisection"},
    [GR_P_T_TOTAL] = {"probe_t_total", RC_COL_F64, 1, "time simulated by the probe, transients included (tau)"},
    [GR_P_N_CHUNKS] = {"probe_n_checkpoints", RC_COL_F64, 1, "checkpoints the probe evaluated"},
};

#define GT(f) offsetof(rc_gcrit_task, f)
static const rc_param_column gcrit_params[] = {
    RC_MODEL_PARAM_COLUMNS(rc_gcrit_task, model),
    {"t_ons", RC_COL_F64, GT(lyap.t_ons), "reorthonormalisation interval"},
    {"t_transient", RC_COL_F64, GT(lyap.t_transient), "trajectory transient of every run"},
    {"t_ons_transient", RC_COL_F64, GT(lyap.t_ons_transient), "orthonormal-system transient"},
    {"n_boot", RC_COL_INT, GT(lyap.n_boot), "bootstrap replicates"},
    {"reorth", RC_COL_INT, GT(lyap.reorth), "reorthonormalisation requested: 0 auto, 1 Householder, 2 CholeskyQR2"},
    {"single_precision", RC_COL_INT, GT(lyap.single_precision), "1: tangent vectors in single precision"},
    {"g_lo", RC_COL_F64, GT(gcrit.g_lo), "lower end of the search interval"},
    {"g_hi", RC_COL_F64, GT(gcrit.g_hi), "upper end of the search interval"},
    {"g_tol", RC_COL_F64, GT(gcrit.g_tol), "bracket width at which the bisection stops"},
    {"eps", RC_COL_F64, GT(gcrit.eps), "a probe is chaotic when lambda_1 > eps"},
    {"t_min", RC_COL_F64, GT(gcrit.t_min), "accumulation time of a probe's first run"},
    {"t_max", RC_COL_F64, GT(gcrit.t_max), "accumulation time after which a probe is undecided"},
    {"growth", RC_COL_F64, GT(gcrit.growth), "factor between a probe's successive runs"},
    {"n_scan", RC_COL_INT, GT(gcrit.n_scan), "interior points of the coarse grid"},
    {"scan_always", RC_COL_INT, GT(gcrit.scan_always), "1: the grid is probed before bisecting"},
    {"max_probes", RC_COL_INT, GT(gcrit.max_probes), "limit on probes per realisation"},
};
#undef GT

static void gcrit_result_dims(const void *params, int col, int64_t dims[2])
{
    const rc_gcrit_task *t = params;
    const int64_t mp = t->gcrit.max_probes > 0 ? t->gcrit.max_probes : 1;
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case GR_BRACKET: dims[1] = 2; break;
    case GR_CROSSINGS:
        dims[0] = mp;
        dims[1] = 2;
        break;
    case GR_P_CI:
        dims[0] = mp;
        dims[1] = 2;
        break;
    case GR_CROSSING_UP: case GR_P_G: case GR_P_LMAX: case GR_P_T_SIM: case GR_P_CHAOTIC:
    case GR_P_STAGE: case GR_P_T_TOTAL: case GR_P_N_CHUNKS:
        dims[1] = mp;
        break;
    default: break;
    }
}

typedef struct {
    rc_gcrit_result res;
    double bracket[2];
    double *buf; /* the per-probe and per-crossing columns as doubles */
} gcrit_output;

static void gcrit_output_free(rc_task_output *out)
{
    gcrit_output *o = out->owner;
    if (o) {
        rc_gcrit_result_free(&o->res);
        free(o->buf);
        free(o);
    }
    out->owner = NULL;
}

/* The search builds one network per probe through this: the place to notice a stop request
 * (a probe has no cancellation point of its own). */
static rc_status gcrit_build(void *ctx, const rc_model_params *p, rc_network *net, rc_error *err)
{
    RC_CHECK(!rc_task_cancel_now(ctx), err, RC_ERR_SIGNAL, "cancelled by a stop request");
    return rc_network_create(net, p, err);
}

static rc_status gcrit_run(const void *params, const rc_task_cancel *cancel, rc_task_output *out,
                           rc_error *err)
{
    const rc_gcrit_task *t = params;
    memset(out, 0, sizeof *out);
    gcrit_output *o = rc_calloc(1, sizeof *o, "g_crit result", err);
    spectrum_cancel *cc = rc_calloc(1, sizeof *cc, "cancellation context", err);
    if (!o || !cc) {
        free(o);
        free(cc);
        return RC_ERR_NOMEM;
    }
    /* Every probe's engine polls before each step, like a spectrum task (the probes' buffers
     * are abandoned by a cancellation, which ends the process). */
    rc_lyap_params lp = t->lyap;
    if (cancel && cancel->requested) {
        cc->cancel = cancel;
        lp.observer = spectrum_observer;
        lp.observer_ctx = cc;
        if (setjmp(cc->jb)) {
            free(o);
            free(cc);
            return rc_fail(err, RC_ERR_SIGNAL, "cancelled by a stop request");
        }
    }
    rc_status st = rc_gcrit_run(&t->model, &lp, &t->gcrit, gcrit_build, (void *)cancel, &o->res,
                                err);
    free(cc);
    if (st != RC_OK) {
        free(o);
        return st;
    }
    const rc_gcrit_result *r = &o->res;
    const int64_t np = r->n_probes, nc = r->n_crossings;
    o->buf = rc_calloc((size_t)(9 * np + nc + 1), sizeof(double), "g_crit columns", err);
    if (!o->buf) {
        rc_gcrit_result_free(&o->res);
        free(o);
        return RC_ERR_NOMEM;
    }
    double *pg = o->buf, *pl = pg + np, *pci = pl + np, *pts = pci + 2 * np, *pch = pts + np,
           *pst = pch + np, *ptt = pst + np, *pnc = ptt + np, *cup = pnc + np;
    for (int64_t k = 0; k < np; ++k) {
        const rc_gcrit_probe *pr = &r->probes[k];
        pg[k] = pr->g;
        pl[k] = pr->lambda_max;
        pci[2 * k] = pr->ci.lo;
        pci[2 * k + 1] = pr->ci.hi;
        pts[k] = pr->t_sim;
        pch[k] = (double)pr->chaotic;
        pst[k] = (double)pr->stage;
        ptt[k] = pr->t_total;
        pnc[k] = (double)pr->n_chunks;
    }
    for (int64_t k = 0; k < nc; ++k) cup[k] = r->crossing_up[k] ? 1.0 : 0.0;
    o->bracket[0] = r->bracket_lo;
    o->bracket[1] = r->bracket_hi;
    rc_cell *c = out->cells;
    c[GR_G_CRIT].f = r->g_crit;
    c[GR_STATUS].i = (int64_t)r->status;
    c[GR_DECISION].s = rc_gcrit_status_name(r->status);
    c[GR_BRACKET] = (rc_cell){0, 0, o->bracket, {1, 2}, NULL};
    c[GR_N_PROBES].i = np;
    c[GR_N_CROSSINGS].i = nc;
    c[GR_MAX_REACHED].i = r->max_probes_reached;
    c[GR_CROSSINGS] = (rc_cell){0, 0, r->crossings, {nc, 2}, NULL};
    c[GR_CROSSING_UP] = (rc_cell){0, 0, cup, {1, nc}, NULL};
    c[GR_P_G] = (rc_cell){0, 0, pg, {1, np}, NULL};
    c[GR_P_LMAX] = (rc_cell){0, 0, pl, {1, np}, NULL};
    c[GR_P_CI] = (rc_cell){0, 0, pci, {np, 2}, NULL};
    c[GR_P_T_SIM] = (rc_cell){0, 0, pts, {1, np}, NULL};
    c[GR_P_CHAOTIC] = (rc_cell){0, 0, pch, {1, np}, NULL};
    c[GR_P_STAGE] = (rc_cell){0, 0, pst, {1, np}, NULL};
    c[GR_P_T_TOTAL] = (rc_cell){0, 0, ptt, {1, np}, NULL};
    c[GR_P_N_CHUNKS] = (rc_cell){0, 0, pnc, {1, np}, NULL};
    out->headline = r->g_crit;
    out->owner = o;
    return RC_OK;
}

static void gcrit_describe(const void *params, char *buf, size_t len)
{
    const rc_gcrit_task *t = params;
    snprintf(buf, len, "N=%lld %s b=%g dt=%g g=[%g,%g] g_tol=%g seed_net=%llu",
             (long long)t->model.N, rc_phi_name(t->model.phi), t->model.b, t->model.dt,
             t->gcrit.g_lo, t->gcrit.g_hi, t->gcrit.g_tol, (unsigned long long)t->model.seed_net);
}

/* ============================================================================================
 * The coherence task kind (science.md section 4): rc_coherence_run on one drawn network, as
 * `rnnchaos coherence` runs it.
 * ============================================================================================ */

typedef struct {
    rc_model_config mc;
    rc_coherence_params cp;
} coherence_config;

static void coherence_config_default(void *config, uint64_t seed)
{
    coherence_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_coherence_params_default(&c->cp);
}

static int coherence_has_key(const char *key)
{
    return rc_model_config_has_key(key) || rc_coherence_params_has_key(key);
}

static rc_status coherence_config_set(void *config, const char *key, const char *value,
                                      rc_error *err)
{
    coherence_config *c = config;
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "coherence", key, value, err);
    return rc_coherence_params_set(&c->cp, key, value, err);
}

static rc_status coherence_make_task(const void *config, int64_t realization, void *params,
                                     rc_error *err)
{
    coherence_config c = *(const coherence_config *)config;
    rc_coherence_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->coherence = c.cp;
    t->coherence.h0 = NULL;
    t->coherence.poll = NULL;
    t->coherence.poll_ctx = NULL;
    return rc_coherence_params_validate(&t->coherence, &t->model, 0, err);
}

static int64_t coherence_n_freq(const rc_coherence_task *t)
{
    return llround(t->coherence.t_seg / t->model.dt) / 2 + 1;
}

static int64_t coherence_n_response(const rc_coherence_task *t)
{
    return t->coherence.step_trials > 0 ? llround(t->coherence.t_step / t->model.dt) + 1 : 0;
}

/* Cost model (coherence.h has none): one rc_model_step is the GEMM J phi(H) over the ntraj
 * columns, 2 N^2 ntraj flops, plus ~20 N per column for phi, the update and the noise.
 * One column for the transient and the recording, three (trajectory and the +-dI twins) for
 * every step of every trial; the Welch FFTs are negligible beside that. */
static void coherence_estimate(const void *params, double *flops, double *bytes)
{
    const rc_coherence_task *t = params;
    const double N = (double)t->model.N, dt = t->model.dt;
    const double cols = (t->coherence.t_transient + t->coherence.t_sim) / dt +
                        3.0 * (double)t->coherence.step_trials * t->coherence.t_step / dt;
    *flops = cols * (2.0 * N * N + 20.0 * N);
    const double n_rec = t->coherence.t_sim / dt;
    *bytes = 8.0 * N * N + 8.0 * 8.0 * N + 16.0 * n_rec + 8.0 * 8.0 * (double)coherence_n_freq(t) +
             8.0 * 22.0 * (double)coherence_n_response(t);
}

enum {
    CR_N_FREQ, CR_N_SEG, CR_N_EFF, CR_DF, CR_F, CR_COH, CR_S_SS, CR_S_NUNU, CR_S_SNU_RE,
    CR_S_SNU_IM, CR_F_MAX, CR_R_LB, CR_R_LB_BIAS, CR_R_LB_DEB, CR_RATE_MEAN, CR_RATE_STD,
    CR_INPUT_MEAN, CR_P, CR_P_STD, CR_TAU_EFF, CR_TAU_EFF_ERR, CR_TAU_EFF_TH, CR_TAU_EFF_TH_DT,
    CR_GAIN, CR_GAIN_ERR, CR_GAIN_TH, CR_TAU2, CR_TAU2_ERR, CR_GAIN2, CR_GAIN2_ERR, CR_FIT_RMS,
    CR_NOTE, CR_N_TRIALS, CR_N_RESP, CR_RESPONSE, CR_COUNT
};

static const rc_result_column coherence_results[CR_COUNT] = {
    [CR_N_FREQ] = {"n_freq", RC_COL_I64, 0, "frequency bins L/2 + 1 (length of the spectra)"},
    [CR_N_SEG] = {"n_segments", RC_COL_I64, 0, "Welch segments (Hann, 50% overlap)"},
    [CR_N_EFF] = {"n_eff", RC_COL_F64, 0, "equivalent number of independent segments"},
    [CR_DF] = {"df", RC_COL_F64, 0, "frequency resolution 1/t_seg (1/tau)"},
    [CR_F] = {"f", RC_COL_F64, 1, "frequencies k df (1/tau); NaN-padded to the largest n_freq"},
    [CR_COH] = {"coherence", RC_COL_F64, 1, "C(f) = |S_snu|^2 / (S_ss S_nunu)"},
    [CR_S_SS] = {"S_ss", RC_COL_F64, 1, "one-sided spectrum of the input s = I0 + Ic"},
    [CR_S_NUNU] = {"S_nunu", RC_COL_F64, 1, "one-sided spectrum of the population rate nu"},
    [CR_S_SNU_RE] = {"S_snu_re", RC_COL_F64, 1, "cross spectrum <conj(S) NU>, real part"},
    [CR_S_SNU_IM] = {"S_snu_im", RC_COL_F64, 1, "cross spectrum, imaginary part"},
    [CR_F_MAX] = {"f_max", RC_COL_F64, 0, "upper limit of the R_lb integral (1/tau)"},
    [CR_R_LB] = {"info_rate_lb", RC_COL_F64, 0, "R_lb = -int_0^f_max log2(1 - C) df (bits/tau), raw"},
    [CR_R_LB_BIAS] = {"info_rate_lb_bias", RC_COL_F64, 0, "expected R_lb of independent signals (estimator bias)"},
    [CR_R_LB_DEB] = {"info_rate_lb_debiased", RC_COL_F64, 0, "info_rate_lb - info_rate_lb_bias"},
    [CR_RATE_MEAN] = {"rate_mean", RC_COL_F64, 0, "mean population rate nu"},
    [CR_RATE_STD] = {"rate_std", RC_COL_F64, 0, "standard deviation of nu over the recording"},
    [CR_INPUT_MEAN] = {"input_mean", RC_COL_F64, 0, "mean of s over the recording"},
    [CR_P] = {"active_fraction", RC_COL_F64, 0, "p = mean phi'(h): fraction of active units"},
    [CR_P_STD] = {"active_fraction_std", RC_COL_F64, 0, "standard deviation of p over time"},
    [CR_TAU_EFF] = {"tau_eff", RC_COL_F64, 0, "balance relaxation time of the step response (tau)"},
    [CR_TAU_EFF_ERR] = {"tau_eff_err", RC_COL_F64, 0, "jackknife error of tau_eff (this network)"},
    [CR_TAU_EFF_TH] = {"tau_eff_theory", RC_COL_F64, 0, "tau / (1 + b J0 p)"},
    [CR_TAU_EFF_TH_DT] = {"tau_eff_theory_dt", RC_COL_F64, 0, "the same linearisation through the Euler map"},
    [CR_GAIN] = {"step_gain", RC_COL_F64, 0, "amplitude dm/dI of the balance component"},
    [CR_GAIN_ERR] = {"step_gain_err", RC_COL_F64, 0, "jackknife error of step_gain"},
    [CR_GAIN_TH] = {"step_gain_theory", RC_COL_F64, 0, "b / (1 + b J0 p)"},
    [CR_TAU2] = {"tau_2", RC_COL_F64, 0, "time constant of the second component (tau)"},
    [CR_TAU2_ERR] = {"tau_2_err", RC_COL_F64, 0, "jackknife error of tau_2"},
    [CR_GAIN2] = {"gain_2", RC_COL_F64, 0, "amplitude of the second component"},
    [CR_GAIN2_ERR] = {"gain_2_err", RC_COL_F64, 0, "jackknife error of gain_2"},
    [CR_FIT_RMS] = {"fit_rms", RC_COL_F64, 0, "rms residual of the two-component fit"},
    [CR_NOTE] = {"tau_eff_note", RC_COL_STR, 0, "why tau_eff or its error is NaN (\"\" when determined)"},
    [CR_N_TRIALS] = {"n_trials", RC_COL_I64, 0, "step trials averaged"},
    [CR_N_RESP] = {"n_response", RC_COL_I64, 0, "samples of the step response, t_k = k dt"},
    [CR_RESPONSE] = {"step_response", RC_COL_F64, 1, "trial-averaged (m+ - m-)/(2 dI)"},
};

#define CT(f) offsetof(rc_coherence_task, f)
static const rc_param_column coherence_params[] = {
    RC_MODEL_PARAM_COLUMNS(rc_coherence_task, model),
    {"g", RC_COL_F64, CT(model.g), "coupling strength"},
    {"t_seg", RC_COL_F64, CT(coherence.t_seg), "Welch segment length"},
    {"t_sim", RC_COL_F64, CT(coherence.t_sim), "recorded time"},
    {"t_transient", RC_COL_F64, CT(coherence.t_transient), "relaxation before the recording"},
    {"f_max", RC_COL_F64, CT(coherence.f_max), "R_lb limit requested (0: Nyquist)"},
    {"step_size", RC_COL_F64, CT(coherence.step_size), "dI of the step protocol"},
    {"step_trials", RC_COL_I64, CT(coherence.step_trials), "step trials requested (0: no tau_eff)"},
    {"t_step", RC_COL_F64, CT(coherence.t_step), "duration of one step trial"},
};
#undef CT

static void coherence_result_dims(const void *params, int col, int64_t dims[2])
{
    const rc_coherence_task *t = params;
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case CR_F: case CR_COH: case CR_S_SS: case CR_S_NUNU: case CR_S_SNU_RE: case CR_S_SNU_IM:
        dims[1] = coherence_n_freq(t);
        break;
    case CR_RESPONSE: dims[1] = coherence_n_response(t); break;
    default: break;
    }
}

typedef struct {
    rc_coherence_result res;
    char note[RC_RESULT_STR_LEN];
} coherence_output;

static void coherence_output_free(rc_task_output *out)
{
    coherence_output *o = out->owner;
    if (o) {
        rc_coherence_result_free(&o->res);
        free(o);
    }
    out->owner = NULL;
}

static rc_status coherence_run(const void *params, const rc_task_cancel *cancel,
                               rc_task_output *out, rc_error *err)
{
    const rc_coherence_task *t = params;
    memset(out, 0, sizeof *out);
    RC_CHECK(!rc_task_cancel_now(cancel), err, RC_ERR_SIGNAL, "cancelled by a stop request");
    rc_network net;
    RC_TRY(rc_network_create(&net, &t->model, err));
    coherence_output *o = rc_calloc(1, sizeof *o, "coherence result", err);
    if (!o) {
        rc_network_free(&net);
        return RC_ERR_NOMEM;
    }
    /* polled before every step: cancellation, and rank 0 serving the workers meanwhile */
    rc_coherence_params cp = t->coherence;
    if (cancel && cancel->requested) {
        cp.poll = cancel->requested;
        cp.poll_ctx = cancel->ctx;
    }
    rc_status st = rc_coherence_run(&net, &cp, &o->res, err);
    rc_network_free(&net);
    if (st != RC_OK) {
        free(o);
        return st;
    }
    const rc_coherence_result *r = &o->res;
    const rc_welch *w = &r->spec;
    snprintf(o->note, sizeof o->note, "%s", r->tau_eff_note);
    rc_cell *c = out->cells;
    c[CR_N_FREQ].i = w->n_freq;
    c[CR_N_SEG].i = w->n_segments;
    c[CR_N_EFF].f = w->n_eff;
    c[CR_DF].f = w->df;
    c[CR_F] = (rc_cell){0, 0, w->f, {1, w->n_freq}, NULL};
    c[CR_COH] = (rc_cell){0, 0, w->coherence, {1, w->n_freq}, NULL};
    c[CR_S_SS] = (rc_cell){0, 0, w->S_xx, {1, w->n_freq}, NULL};
    c[CR_S_NUNU] = (rc_cell){0, 0, w->S_yy, {1, w->n_freq}, NULL};
    c[CR_S_SNU_RE] = (rc_cell){0, 0, w->S_xy_re, {1, w->n_freq}, NULL};
    c[CR_S_SNU_IM] = (rc_cell){0, 0, w->S_xy_im, {1, w->n_freq}, NULL};
    c[CR_F_MAX].f = r->f_max;
    c[CR_R_LB].f = r->info_rate_lb;
    c[CR_R_LB_BIAS].f = r->info_rate_lb_bias;
    c[CR_R_LB_DEB].f = r->info_rate_lb - r->info_rate_lb_bias; /* as rnnchaos coherence --json */
    c[CR_RATE_MEAN].f = r->rate_mean;
    c[CR_RATE_STD].f = r->rate_std;
    c[CR_INPUT_MEAN].f = r->input_mean;
    c[CR_P].f = r->active_fraction;
    c[CR_P_STD].f = r->active_fraction_std;
    c[CR_TAU_EFF].f = r->tau_eff;
    c[CR_TAU_EFF_ERR].f = r->tau_eff_err;
    c[CR_TAU_EFF_TH].f = r->tau_eff_theory;
    c[CR_TAU_EFF_TH_DT].f = r->tau_eff_theory_dt;
    c[CR_GAIN].f = r->step_gain;
    c[CR_GAIN_ERR].f = r->step_gain_err;
    c[CR_GAIN_TH].f = r->step_gain_theory;
    c[CR_TAU2].f = r->tau_2;
    c[CR_TAU2_ERR].f = r->tau_2_err;
    c[CR_GAIN2].f = r->gain_2;
    c[CR_GAIN2_ERR].f = r->gain_2_err;
    c[CR_FIT_RMS].f = r->fit_rms;
    c[CR_NOTE].s = o->note;
    c[CR_N_TRIALS].i = r->n_trials;
    c[CR_N_RESP].i = r->n_response;
    c[CR_RESPONSE] = (rc_cell){0, 0, r->response, {1, r->n_response}, NULL};
    out->headline = r->info_rate_lb;
    out->owner = o;
    return RC_OK;
}

static void coherence_describe(const void *params, char *buf, size_t len)
{
    const rc_coherence_task *t = params;
    snprintf(buf, len, "N=%lld g=%g b=%g %s I0=%g sigma_c=%g tau_s=%g dt=%g seed_net=%llu",
             (long long)t->model.N, t->model.g, t->model.b, rc_phi_name(t->model.phi),
             t->model.I0, t->model.sigma_c, t->model.tau_s, t->model.dt,
             (unsigned long long)t->model.seed_net);
}

const rc_task_kind rc_kind_spectrum = {
    RC_TASK_KIND_FUNCTIONS(spectrum),
    .name = "spectrum",
    .headline = "lambda_max",
    .polls_every_step = 1,
    .distributable = 1,
};

const rc_task_kind rc_kind_gcrit = {
    RC_TASK_KIND_FUNCTIONS(gcrit),
    .name = "gcrit",
    .headline = "g_crit",
    .polls_every_step = 1,
};

const rc_task_kind rc_kind_coherence = {
    RC_TASK_KIND_FUNCTIONS(coherence),
    .name = "coherence",
    .headline = "info_rate_lb",
    .polls_every_step = 1,
};

/* The kind codes stored in archives are these positions: append, never reorder. */
static const rc_task_kind *const task_kinds[] = {&rc_kind_spectrum, &rc_kind_gcrit,
                                                 &rc_kind_coherence, &rc_kind_eigs,
                                                 &rc_kind_fixedpoints};

_Static_assert(sizeof(rc_spectrum_task) <= RC_TASK_PARAMS_MAX, "task params too large");
_Static_assert(sizeof(rc_gcrit_task) <= RC_TASK_PARAMS_MAX, "task params too large");
_Static_assert(sizeof(rc_coherence_task) <= RC_TASK_PARAMS_MAX, "task params too large");
_Static_assert(SR_COUNT <= RC_MAX_RESULT_COLS, "too many result columns");
_Static_assert(GR_COUNT <= RC_MAX_RESULT_COLS, "too many result columns");
_Static_assert(CR_COUNT <= RC_MAX_RESULT_COLS, "too many result columns");

int rc_task_kind_count(void) { return (int)(sizeof task_kinds / sizeof task_kinds[0]); }

const rc_task_kind *rc_task_kind_get(int kind)
{
    return kind >= 0 && kind < rc_task_kind_count() ? task_kinds[kind] : NULL;
}

int rc_task_kind_find(const char *name)
{
    for (int k = 0; k < rc_task_kind_count(); ++k)
        if (strcmp(task_kinds[k]->name, name) == 0) return k;
    return -1;
}

/* ============================================================================================
 * Parsing: libinih reads the INI syntax from memory through a line reader that counts lines
 * (the installed libinih does not pass line numbers to handlers).
 * ============================================================================================ */

typedef struct {
    char section[RC_JOB_KEY_LEN];
    char key[RC_JOB_KEY_LEN];
    char *value;
    int line;
} ini_entry;

typedef struct {
    char name[RC_JOB_KEY_LEN];
    int line;
} ini_header;

typedef struct {
    const char *p, *end;
    int line;          /* physical line last handed to libinih */
    int indented;      /* that line starts with white space (a continuation line) */
    ini_entry *entries;
    int n_entries, cap_entries;
    ini_header *headers;
    int n_headers, cap_headers;
    const char *name;  /* file name for messages */
    rc_error *err;
    int failed;        /* first error recorded in err */
    int failed_line;
} ini_state;

static int state_fail(ini_state *s, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int state_fail(ini_state *s, int line, const char *key, const char *fmt, ...)
{
    if (s->failed) return 0;
    char msg[RC_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (key)
        rc_fail(s->err, RC_ERR_INPUT, "%s:%d: %s: %s", s->name, line, key, msg);
    else
        rc_fail(s->err, RC_ERR_INPUT, "%s:%d: %s", s->name, line, msg);
    s->failed = 1;
    s->failed_line = line;
    return 0;
}

static char *ini_line_reader(char *str, int num, void *stream)
{
    ini_state *s = stream;
    if (s->p >= s->end) return NULL;
    const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
    const char *stop = nl ? nl + 1 : s->end;
    size_t len = (size_t)(stop - s->p);
    s->line++;
    s->indented = len > 0 && (s->p[0] == ' ' || s->p[0] == '\t');
    if (len + 1 > (size_t)num) {
        state_fail(s, s->line, NULL, "line longer than %d characters (split a long list with "
                   "indented continuation lines)", num - 3);
        len = (size_t)num - 1;
    }
    memcpy(str, s->p, len);
    str[len] = '\0';
    /* libinih does not tell handlers where a section starts: note headers here. */
    const char *q = str;
    while (*q == ' ' || *q == '\t') ++q;
    if (*q == '[') {
        const char *close = strchr(q, ']');
        if (close && s->n_headers < 1000) {
            if (s->n_headers == s->cap_headers) {
                int cap = s->cap_headers ? 2 * s->cap_headers : 8;
                ini_header *h = realloc(s->headers, (size_t)cap * sizeof *h);
                if (!h) {
                    state_fail(s, s->line, NULL, "out of memory");
                    return NULL;
                }
                s->headers = h;
                s->cap_headers = cap;
            }
            ini_header *h = &s->headers[s->n_headers++];
            trim_copy(q + 1, close, h->name, sizeof h->name);
            h->line = s->line;
        }
    }
    s->p = stop;
    return str;
}

static int job_ini_handler(void *user, const char *section, const char *name, const char *value)
{
    ini_state *s = user;
    if (s->failed) return 0;
    if (section[0] == '\0')
        return state_fail(s, s->line, name, "key outside any section (put it under [run] or a "
                          "task section such as [spectrum])");
    if (strlen(section) >= RC_JOB_KEY_LEN || strlen(name) >= RC_JOB_KEY_LEN)
        return state_fail(s, s->line, NULL, "section or key name too long");
    /* libinih repeats the key for an indented continuation line: join it to the value. */
    if (s->indented && s->n_entries > 0) {
        ini_entry *last = &s->entries[s->n_entries - 1];
        if (strcmp(last->section, section) == 0 && strcmp(last->key, name) == 0) {
            size_t a = strlen(last->value), b = strlen(value);
            char *v = realloc(last->value, a + b + 2);
            if (!v) return state_fail(s, s->line, name, "out of memory");
            v[a] = ' ';
            memcpy(v + a + 1, value, b + 1);
            last->value = v;
            return 1;
        }
    }
    for (int i = 0; i < s->n_entries; ++i)
        if (strcmp(s->entries[i].section, section) == 0 && strcmp(s->entries[i].key, name) == 0)
            return state_fail(s, s->line, name, "given twice in [%s] (first at line %d)", section,
                              s->entries[i].line);
    if (s->n_entries == s->cap_entries) {
        int cap = s->cap_entries ? 2 * s->cap_entries : 16;
        ini_entry *e = realloc(s->entries, (size_t)cap * sizeof *e);
        if (!e) return state_fail(s, s->line, name, "out of memory");
        s->entries = e;
        s->cap_entries = cap;
    }
    ini_entry *e = &s->entries[s->n_entries];
    snprintf(e->section, sizeof e->section, "%s", section);
    snprintf(e->key, sizeof e->key, "%s", name);
    e->value = strdup(value);
    if (!e->value) return state_fail(s, s->line, name, "out of memory");
    e->line = s->line;
    s->n_entries++;
    return 1;
}

static void ini_state_free(ini_state *s)
{
    for (int i = 0; i < s->n_entries; ++i) free(s->entries[i].value);
    free(s->entries);
    free(s->headers);
}

/* ---- [run] ------------------------------------------------------------------------------- */

static rc_status run_key_int(ini_state *s, const ini_entry *e, int64_t lo, int64_t hi,
                             int64_t *out)
{
    int64_t v;
    rc_error e2;
    if (rc_parse_int64(e->value, e->key, &v, &e2) != RC_OK || v < lo || v > hi) {
        state_fail(s, e->line, e->key, "expected one integer between %lld and %lld, got '%s'",
                   (long long)lo, (long long)hi, e->value);
        return RC_ERR_INPUT;
    }
    *out = v;
    return RC_OK;
}

static rc_status parse_run_section(ini_state *s, rc_job *job)
{
    for (int i = 0; i < s->n_entries; ++i) {
        const ini_entry *e = &s->entries[i];
        if (strcmp(e->section, "run") != 0) continue;
        char norm[RC_JOB_KEY_LEN];
        rc_option_normalize(e->key, norm, sizeof norm);
        if (strcmp(norm, "output") == 0) {
            if (e->value[0] == '\0' || strlen(e->value) >= sizeof job->output) {
                state_fail(s, e->line, e->key, "expected a file name");
                return RC_ERR_INPUT;
            }
            snprintf(job->output, sizeof job->output, "%s", e->value);
        } else if (strcmp(norm, "seed") == 0) {
            rc_error e2;
            if (rc_parse_uint64(e->value, "seed", &job->seed, &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "expected one non-negative integer, got '%s'",
                           e->value);
                return RC_ERR_INPUT;
            }
        } else if (strcmp(norm, "realizations") == 0) {
            RC_TRY(run_key_int(s, e, 1, 1000000, &job->realizations));
        } else if (strcmp(norm, "max-failures") == 0) {
            RC_TRY(run_key_int(s, e, 0, INT64_MAX, &job->max_failures));
        } else if (strcmp(norm, "dist-min-N") == 0) {
            RC_TRY(run_key_int(s, e, 0, INT64_MAX, &job->dist_min_N));
        } else if (strcmp(norm, "ranks-per-dist-task") == 0) {
            RC_TRY(run_key_int(s, e, 1, 1000000, &job->ranks_per_dist_task));
        } else if (strcmp(norm, "checkpoints") == 0) {
            rc_error e2;
            if (rc_parse_bool(e->value, "checkpoints", &job->checkpoints, &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "expected yes or no, got '%s'", e->value);
                return RC_ERR_INPUT;
            }
        } else if (strcmp(norm, "checkpoint-every") == 0) {
            rc_error e2;
            double v;
            if (rc_parse_double(e->value, "checkpoint_every", &v, &e2) != RC_OK || !(v >= 0)) {
                state_fail(s, e->line, e->key, "expected seconds >= 0, got '%s'", e->value);
                return RC_ERR_INPUT;
            }
            job->checkpoint_every = v;
        } else if (strcmp(norm, "master-computes") == 0) {
            rc_error e2;
            if (rc_parse_bool(e->value, "master_computes", &job->master_computes, &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "expected yes or no, got '%s'", e->value);
                return RC_ERR_INPUT;
            }
        } else {
            state_fail(s, e->line, e->key, "unknown key in [run] (known: output, seed, "
                       "realizations, max_failures, dist_min_N, ranks_per_dist_task, "
                       "master_computes, checkpoints, checkpoint_every)");
            return RC_ERR_INPUT;
        }
    }
    return RC_OK;
}

/* ---- task sections ----------------------------------------------------------------------- */

/* "--t-ons: must be ..." -> line of the key t_ons in the section (or the section header). */
static const rc_job_key *key_of_message(const rc_job_section *sec, const char *msg)
{
    if (strncmp(msg, "--", 2) != 0) return NULL;
    char name[RC_JOB_KEY_LEN], norm[RC_JOB_KEY_LEN];
    size_t n = strcspn(msg + 2, ":/ ");
    if (n >= sizeof name) return NULL;
    memcpy(name, msg + 2, n);
    name[n] = '\0';
    for (int k = 0; k < sec->n_keys; ++k) {
        rc_option_normalize(sec->keys[k].key, norm, sizeof norm);
        if (strcmp(norm, name) == 0) return &sec->keys[k];
    }
    return NULL;
}

/* Drop a leading "--name: " of an option parser's message: the job message names the key. */
static const char *strip_option_prefix(const char *msg)
{
    if (strncmp(msg, "--", 2) != 0) return msg;
    const char *c = strstr(msg, ": ");
    return c ? c + 2 : msg;
}

static rc_status parse_task_section(ini_state *s, rc_job *job, rc_job_section *sec,
                                    const char *section_name)
{
    const rc_task_kind *kind = rc_task_kind_get(sec->kind);
    sec->realizations = job->realizations;
    void *scratch = rc_calloc(1, kind->config_size, "job section", s->err);
    if (!scratch) return RC_ERR_NOMEM;
    rc_status st = RC_OK;
    for (int i = 0; i < s->n_entries; ++i) {
        const ini_entry *e = &s->entries[i];
        if (strcmp(e->section, section_name) != 0) continue;
        char norm[RC_JOB_KEY_LEN];
        rc_option_normalize(e->key, norm, sizeof norm);
        if (strcmp(norm, "realizations") == 0) {
            RC_GOTO(run_key_int(s, e, 1, 1000000, &sec->realizations));
            continue;
        }
        if (!kind->has_key(e->key)) {
            state_fail(s, e->line, e->key, "unknown key in [%s] (keys are the options of "
                       "rnnchaos %s --help, with '-' written as '_')", kind->name, kind->name);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
        rc_job_key *k = &sec->keys[sec->n_keys++];
        snprintf(k->key, sizeof k->key, "%s", e->key);
        k->line = e->line;
        rc_error e2;
        rc_error_clear(&e2);
        if (rc_job_expand_value(e->value, &k->values, &k->n_values, &e2) != RC_OK) {
            state_fail(s, e->line, e->key, "%s", e2.msg);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
        /* Check every value alone, so a bad one is reported at its own line. */
        for (int v = 0; v < k->n_values; ++v) {
            kind->config_default(scratch, job->seed);
            if (kind->config_set(scratch, e->key, k->values[v], &e2) != RC_OK) {
                state_fail(s, e->line, e->key, "%s", strip_option_prefix(e2.msg));
                st = RC_ERR_INPUT;
                goto cleanup;
            }
        }
    }
    sec->n_combos = 1;
    for (int k = 0; k < sec->n_keys; ++k) {
        sec->n_combos *= sec->keys[k].n_values;
        if (sec->n_combos * sec->realizations > RC_JOB_MAX_TASKS) {
            state_fail(s, sec->keys[k].line, sec->keys[k].key,
                       "more than %d tasks in [%s]", RC_JOB_MAX_TASKS, kind->name);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
    }
    sec->n_tasks = sec->n_combos * sec->realizations;
cleanup:
    free(scratch);
    return st;
}

/* Decode combination c into value indices (the last key varies fastest). */
static void combo_indices(const rc_job_section *sec, int64_t c, int *idx)
{
    for (int k = sec->n_keys - 1; k >= 0; --k) {
        idx[k] = (int)(c % sec->keys[k].n_values);
        c /= sec->keys[k].n_values;
    }
}

/* "N = 20, g = 2" for the list-valued keys of a combination: where a validation error came from. */
static void combo_context(const rc_job_section *sec, const int *idx, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < sec->n_keys && used + 1 < len; ++k) {
        if (sec->keys[k].n_values < 2) continue;
        int n = snprintf(buf + used, len - used, "%s%s = %s", used ? ", " : "", sec->keys[k].key,
                         sec->keys[k].values[idx[k]]);
        if (n < 0) break;
        used += (size_t)n;
    }
}

static int64_t task_param_N(const rc_task_kind *kind, const rc_task *t)
{
    for (int c = 0; c < kind->n_params; ++c)
        if (strcmp(kind->params[c].name, "N") == 0 && kind->params[c].type == RC_COL_I64) {
            int64_t N;
            memcpy(&N, t->p.raw + kind->params[c].offset, sizeof N);
            return N;
        }
    return 0;
}

static rc_status build_tasks(ini_state *s, rc_job *job)
{
    job->n_tasks = 0;
    for (int i = 0; i < job->n_sections; ++i) {
        job->sections[i].first_task = job->n_tasks;
        job->n_tasks += job->sections[i].n_tasks;
        if (job->n_tasks > RC_JOB_MAX_TASKS) {
            state_fail(s, job->sections[i].line, NULL, "more than %d tasks in the job",
                       RC_JOB_MAX_TASKS);
            return RC_ERR_INPUT;
        }
    }
    job->tasks = rc_calloc((size_t)job->n_tasks, sizeof(rc_task), "task list", s->err);
    if (!job->tasks) return RC_ERR_NOMEM;
    int64_t id = 0;
    for (int i = 0; i < job->n_sections; ++i) {
        rc_job_section *sec = &job->sections[i];
        const rc_task_kind *kind = rc_task_kind_get(sec->kind);
        void *config = rc_calloc(1, kind->config_size, "job section", s->err);
        int *idx = rc_calloc((size_t)sec->n_keys + 1, sizeof(int), "job section", s->err);
        if (!config || !idx) {
            free(config);
            free(idx);
            return RC_ERR_NOMEM;
        }
        rc_status st = RC_OK;
        for (int64_t c = 0; c < sec->n_combos && st == RC_OK; ++c) {
            combo_indices(sec, c, idx);
            kind->config_default(config, job->seed);
            rc_error e2;
            rc_error_clear(&e2);
            for (int k = 0; k < sec->n_keys && st == RC_OK; ++k)
                st = kind->config_set(config, sec->keys[k].key, sec->keys[k].values[idx[k]], &e2);
            if (st != RC_OK) { /* already checked value by value: cannot happen */
                state_fail(s, sec->line, NULL, "[%s]: %s", kind->name, e2.msg);
                break;
            }
            for (int64_t r = 0; r < sec->realizations; ++r) {
                rc_task *t = &job->tasks[id];
                t->id = id;
                t->kind = sec->kind;
                t->kind_index = id - sec->first_task;
                t->combo = c;
                t->realization = r;
                t->ranks = 1;
                st = kind->make_task(config, r, t->p.raw, &e2);
                if (st != RC_OK) {
                    char ctx[256];
                    combo_context(sec, idx, ctx, sizeof ctx);
                    const rc_job_key *k = key_of_message(sec, e2.msg);
                    if (k)
                        state_fail(s, k->line, k->key, "%s%s%s%s", strip_option_prefix(e2.msg),
                                   ctx[0] ? " (for " : "", ctx, ctx[0] ? ")" : "");
                    else
                        state_fail(s, sec->line, NULL, "[%s]: %s%s%s%s", kind->name, e2.msg,
                                   ctx[0] ? " (for " : "", ctx, ctx[0] ? ")" : "");
                    break;
                }
                kind->estimate(t->p.raw, &t->cost_flops, &t->mem_bytes);
                if (kind->distributable && job->dist_min_N > 0 &&
                    task_param_N(kind, t) >= job->dist_min_N)
                    t->ranks = (int)job->ranks_per_dist_task;
                ++id;
            }
        }
        free(config);
        free(idx);
        if (st != RC_OK) return RC_ERR_INPUT;
    }
    return RC_OK;
}

static void default_output(rc_job *job)
{
    const char *base = strrchr(job->name, '/');
    base = base ? base + 1 : job->name;
    char stem[RC_PATH_MAX];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = '\0';
    snprintf(job->output, sizeof job->output, "%.1000s.h5", stem);
}

rc_status rc_job_parse(const char *text, size_t len, const char *name, rc_job *job,
                       rc_error *err)
{
    memset(job, 0, sizeof *job);
    snprintf(job->name, sizeof job->name, "%s", name);
    job->seed = 1;
    job->realizations = 1;
    job->master_computes = 1;
    job->ranks_per_dist_task = 4;
    job->checkpoints = 1;
    job->checkpoint_every = 1800.0;
    RC_CHECK(len <= RC_JOB_MAX_TEXT, err, RC_ERR_INPUT,
             "%s: job file of %zu bytes is larger than the %d bytes supported", name, len,
             RC_JOB_MAX_TEXT);
    RC_CHECK(memchr(text, '\0', len) == NULL, err, RC_ERR_INPUT,
             "%s: not a text file (contains NUL bytes)", name);
    job->text = malloc(len + 1);
    RC_CHECK(job->text, err, RC_ERR_NOMEM, "out of memory reading %s", name);
    memcpy(job->text, text, len);
    job->text[len] = '\0';
    job->text_len = len;
    rc_sha256_hex(text, len, job->sha256);

    ini_state s;
    memset(&s, 0, sizeof s);
    s.p = job->text;
    s.end = job->text + len;
    s.name = job->name;
    s.err = err;
    rc_status st = RC_OK;
    int rc = ini_parse_stream(ini_line_reader, &s, job_ini_handler, &s);
    if (rc > 0 && (!s.failed || rc < s.failed_line)) {
        s.failed = 0; /* libinih's syntax error comes first in the file */
        state_fail(&s, rc, NULL, "syntax error (expected [section], key = value or a comment)");
    }
    if (!s.failed && rc < 0) state_fail(&s, 1, NULL, "could not be parsed (libinih error %d)", rc);
    if (s.failed) {
        st = RC_ERR_INPUT;
        goto cleanup;
    }

    /* sections: [run] and known kinds, each at most once */
    job->sections = rc_calloc((size_t)s.n_headers + 1, sizeof(rc_job_section), "job sections", err);
    RC_CHECK_GOTO(job->sections, err, RC_ERR_NOMEM, "out of memory");
    for (int h = 0; h < s.n_headers; ++h) {
        const ini_header *hd = &s.headers[h];
        for (int g = 0; g < h; ++g)
            if (strcmp(s.headers[g].name, hd->name) == 0) {
                state_fail(&s, hd->line, NULL, "section [%s] appears twice (first at line %d)",
                           hd->name, s.headers[g].line);
                st = RC_ERR_INPUT;
                goto cleanup;
            }
        if (strcmp(hd->name, "run") == 0) continue;
        int kind = rc_task_kind_find(hd->name);
        if (kind < 0) {
            char names[256] = "";
            for (int k = 0; k < rc_task_kind_count(); ++k)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s[%s]",
                         k ? ", " : "", rc_task_kind_get(k)->name);
            state_fail(&s, hd->line, NULL, "unknown section [%s] (expected [run] or a task "
                       "kind: %s)", hd->name, names);
            st = RC_ERR_INPUT;
            goto cleanup;
        }
        rc_job_section *sec = &job->sections[job->n_sections++];
        sec->kind = kind;
        sec->line = hd->line;
        int n_keys = 0;
        for (int i = 0; i < s.n_entries; ++i) n_keys += strcmp(s.entries[i].section, hd->name) == 0;
        sec->keys = rc_calloc((size_t)n_keys + 1, sizeof(rc_job_key), "job keys", err);
        RC_CHECK_GOTO(sec->keys, err, RC_ERR_NOMEM, "out of memory");
    }
    RC_GOTO(parse_run_section(&s, job));
    if (job->output[0] == '\0') default_output(job);
    if (job->n_sections == 0) {
        state_fail(&s, 1, NULL, "no task section: add one, e.g. [spectrum] with N = 100");
        st = RC_ERR_INPUT;
        goto cleanup;
    }
    for (int i = 0; i < job->n_sections; ++i)
        RC_GOTO(parse_task_section(&s, job, &job->sections[i],
                                   rc_task_kind_get(job->sections[i].kind)->name));
    RC_GOTO(build_tasks(&s, job));
cleanup:
    if (s.failed && st == RC_OK) st = RC_ERR_INPUT;
    ini_state_free(&s);
    if (st != RC_OK) rc_job_free(job);
    return st;
}

rc_status rc_job_load(const char *path, rc_job *job, rc_error *err)
{
    memset(job, 0, sizeof *job);
    FILE *f = fopen(path, "rb");
    RC_CHECK(f, err, RC_ERR_INPUT, "%s: cannot open the job file: %s", path, strerror(errno));
    char *buf = malloc(RC_JOB_MAX_TEXT + 2);
    if (!buf) {
        fclose(f);
        return rc_fail(err, RC_ERR_NOMEM, "out of memory reading %s", path);
    }
    size_t n = fread(buf, 1, RC_JOB_MAX_TEXT + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return rc_fail(err, RC_ERR_INPUT, "%s: read error", path);
    }
    rc_status st = rc_job_parse(buf, n, path, job, err);
    free(buf);
    return st;
}

void rc_job_free(rc_job *job)
{
    if (!job) return;
    for (int i = 0; i < job->n_sections; ++i) {
        rc_job_section *sec = &job->sections[i];
        for (int k = 0; k < sec->n_keys; ++k) rc_job_free_items(sec->keys[k].values, sec->keys[k].n_values);
        free(sec->keys);
    }
    free(job->sections);
    free(job->tasks);
    free(job->text);
    memset(job, 0, sizeof *job);
}

int64_t rc_job_kind_tasks(const rc_job *job, int kind)
{
    int64_t n = 0;
    for (int i = 0; i < job->n_sections; ++i)
        if (job->sections[i].kind == kind) n += job->sections[i].n_tasks;
    return n;
}
