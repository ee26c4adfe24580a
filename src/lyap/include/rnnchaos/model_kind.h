/* Model kinds: everything the layers above the driver need to know about a dynamical system, in
 * one descriptor, so that a new model is one file plus one registry line (docs/architecture.md,
 * "Add a model").  The command line (`rnnchaos spectrum --model NAME`), job files
 * (`model = NAME` in a [spectrum] section, the model's keys sweepable like any other), the
 * archive's parameter columns, `info`, the cost model and summarize reach a model only through
 * its rc_model_kind; the driver reaches it through the rc_lyap_model it builds (lyap_model.h).
 *
 * A model's configuration is a plain struct of config_size bytes (no pointers: it is copied
 * into every task and sent between ranks), described by an option table (parsing, ranges,
 * `--help`) and a column table (the archive).  The rate network of docs/model.md keeps its
 * richer path (files, distributed grids, the other analyses) and is listed here too, so that
 * `--model rate` is understood everywhere. */
#ifndef RNNCHAOS_MODEL_KIND_H
#define RNNCHAOS_MODEL_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/columns.h"
#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/opts.h"

/* Largest configuration struct of any model (bytes); a task carries one inline. */
#define RC_MODEL_CONFIG_MAX 512

typedef struct rc_model_kind {
    const char *name; /* --model NAME, model = NAME; the archive group is spectrum_NAME */
    const char *doc;  /* one line for --help */
    size_t config_size;
    /* The model's options (CLI --key and job keys, '-' or '_'); offsets into the config. */
    const rc_opt *opts;
    size_t n_opts;
    /* The archive's parameter columns of the model (offsets into the config), N first. */
    const rc_param_column *columns;
    int n_columns;
    /* Defaults, with the base seed (the model's --seed option) set to seed. */
    void (*config_default)(void *config, uint64_t seed);
    /* Sets every stream seed from the configuration's base seed and its per-stream overrides,
     * plus the realisation index (0 on the command line; job files add it to every stream, as
     * for the rate network). */
    void (*config_seed)(void *config, uint64_t realization);
    /* Checks the whole configuration; the message names the option (RC_ERR_INPUT). */
    rc_status (*validate)(const void *config, rc_error *err);
    /* Units N (the size swept and fitted) and the dimension of the state (2N for an LSTM). */
    int64_t (*units)(const void *config);
    int64_t (*state_dim)(const void *config);
    /* Time per step (1 for maps) and the time unit the options' times are in. */
    double (*dt)(const void *config);
    /* Flops of one step with m tangent vectors and the model's own bytes (matrices). */
    double (*step_flops)(const void *config, int64_t m);
    double (*model_bytes)(const void *config);
    /* Builds the model for a run with lp (draws its matrices); release with destroy. */
    rc_status (*create)(const void *config, const rc_lyap_params *lp, rc_lyap_model *model,
                        rc_error *err);
    void (*destroy)(rc_lyap_model *model);
    /* Short description of a configuration for progress lines ("N=100 g_f=3"). */
    void (*describe)(const void *config, char *buf, size_t len);
} rc_model_kind;

/* The registered model kinds: rate first, then the built-in ones (models.c), then those added
 * with rc_model_kind_register. */
int rc_model_kind_count(void);
const rc_model_kind *rc_model_kind_get(int index);
/* The kind named name, or NULL. */
const rc_model_kind *rc_model_kind_find(const char *name);
/* Adds a model defined outside the library (a test's model, a plug-in); returns its index, or -1
 * when the name is taken, the config is larger than RC_MODEL_CONFIG_MAX or the table is full.
 * Not thread-safe: call before any job is parsed, on every rank alike. */
int rc_model_kind_register(const rc_model_kind *kind);

/* Parses one option of the model into config (RC_ERR_INPUT naming --key; RC_ERR_NOT_FOUND-like
 * behaviour is the caller's: use rc_model_kind_has_key first). */
int rc_model_kind_has_key(const rc_model_kind *kind, const char *key);
rc_status rc_model_kind_set(const rc_model_kind *kind, void *config, const char *key,
                            const char *value, rc_error *err);

/* The rate network's descriptor: name "rate"; its options and columns are those of
 * options.h / the spectrum kind, so create/columns are NULL here (the rate network runs on its
 * own path). */
extern const rc_model_kind rc_model_kind_rate;

#endif
