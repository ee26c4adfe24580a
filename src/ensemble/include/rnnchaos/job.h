/* Job files (INI, docs/user-guide.md, Job files) expanded into a deterministic task list.
 *
 * A job file has one [run] section and one section per task kind.  Each key of a kind section is
 * an option of that kind (the long option names of the command, '-' written as '_'), parsed by
 * the same option tables the command line uses (options.h).  A value is one item or a comma list
 * of items; an item is a scalar, `start:step:stop` (inclusive), `lin(a,b,n)` or `log(a,b,n)`.
 * The tasks of a section are the Cartesian product of its keys' values (the first key in the
 * file varies slowest) times the realisations (the realisation index is the fastest; it is added
 * to every stream seed).  Task ids are the position in this enumeration, sections taken in the
 * order they appear in the file: the same job text always gives the same ids, seeds and order.
 *
 * Task kinds are described by a small descriptor (rc_task_kind): how a section's keys are
 * parsed, the parameter columns and result columns the archive stores, a cost model and the
 * function that runs one task.  Kinds: spectrum, gcrit, coherence, eigs, fixedpoints (kind codes
 * 0, 1, 2, 3, 4), one file each in src/ensemble/kinds/, listed in kinds/registry.c.
 *
 * Local: no HDF5, no printing; MPI only in the distributed runners of kinds (run_group), on the
 * group communicator they are given. */
#ifndef RNNCHAOS_JOB_H
#define RNNCHAOS_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <mpi.h>

#include "rnnchaos/coherence.h"
#include "rnnchaos/columns.h"
#include "rnnchaos/error.h"
#include "rnnchaos/gcrit.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/model.h"
#include "rnnchaos/lyap_options.h"
#include "rnnchaos/options.h"

/* One result of a task.  ndim 0: one number per task; 1: a vector per task; 2: a matrix per task.
 * Vectors and matrices differ in length between tasks (N, n_le, number of trace points): the
 * archive stores them padded with NaN to the largest shape in the job (see docs/archive.md). */
typedef struct {
    const char *name;
    rc_col_type type; /* RC_COL_F64, or RC_COL_I64 / RC_COL_STR (ndim 0 only) */
    int ndim;
    const char *doc;
} rc_result_column;

/* The value of one result column of one task: f or i for scalars, s for texts (NULL: ""), a
 * (row-major, dims[0] x dims[1]; dims[0] = 1 for vectors) for arrays.  a and s point into
 * storage owned by the output. */
typedef struct {
    double f;
    int64_t i;
    const double *a;
    int64_t dims[2];
    const char *s;
} rc_cell;

#define RC_MAX_RESULT_COLS 48

typedef struct {
    rc_cell cells[RC_MAX_RESULT_COLS];
    double headline; /* the key result shown in progress lines (e.g. lambda_max) */
    void *owner;     /* the kind's own result storage, released by kind->output_free */
} rc_task_output;

/* Cooperative cancellation of a running task (a stop signal or a stop request of the master).
 * requested() is polled often (every time step); it must be cheap, and may look for a stop
 * request only every so many calls.  requested_now() (may be NULL) looks every time: for kinds
 * that can only check rarely (between g_crit probes, before a coherence run). */
typedef struct {
    int (*requested)(void *ctx);
    void *ctx;
    int (*requested_now)(void *ctx);
    /* Mid-task checkpoints (checkpoint.h), for kinds that support them (one-rank spectrum
     * tasks in double precision): NULL path: none.  The task stores its state
     * there when it is stopped during the accumulation, and every checkpoint_every_s seconds
     * (0: only when stopped); a task that finds a state with its fingerprint continues from it. */
    const char *checkpoint_path;
    const char *checkpoint_fingerprint;
    double checkpoint_every_s;
    int64_t task_id; /* the task's id, for messages that name it */
    /* Notes for the user (library code never prints): a warning or a note of the running task,
     * one line without the program name and newline ("warning: ..." for warnings); NULL: the
     * notes are dropped. */
    void (*note)(void *ctx, const char *msg);
    void *note_ctx;
} rc_task_cancel;

/* ---- task kinds ----------------------------------------------------------------------------- */

typedef struct {
    rc_model_params model;
    rc_lyap_params lyap; /* n_le and pca resolved; h0, observer NULL */
} rc_spectrum_task;

/* One g_crit search (docs/model.md section 3): model.g is unused (the search varies g). */
typedef struct {
    rc_model_params model;
    rc_lyap_params lyap;   /* t_ons, transients, n_boot, reorth; the rest is set per probe */
    rc_gcrit_params gcrit;
} rc_gcrit_task;

/* One coherence measurement (docs/model.md section 4) on a drawn network; coherence.h0 NULL. */
typedef struct {
    rc_model_params model;
    rc_coherence_params coherence;
} rc_coherence_task;

#define RC_TASK_PARAMS_MAX 1024

/* ---- what `rnnchaos summarize` reports of a kind (docs/archive.md, /summary) ---------------- */

/* One quantity summarised per group (statistics over the done tasks, fit.h: rc_summarize). */
typedef struct {
    const char *name;    /* quantity name in the output and in /summary */
    const char *dataset; /* the kind's result column it is read from */
    int per_N;           /* 1: divided by the task's N */
    const char *doc;
    int bound;           /* -1 / +1: the lower / upper end of the task's (n, 2) dataset, with
                            -inf / +inf where that end is missing; statistics keep infinities */
} rc_summary_quantity;

typedef enum {
    /* y = a + b N by OLS over the realisations; for a per_N quantity the verdict is whether
     * the slope CI contains 0 (constant across N), else whether y is proportional to N */
    RC_SUMMARY_FIT_LINEAR,
    /* log(y - 1) against log N (a critical coupling approaching 1): over the decided
     * realisations, over the group medians, and over the centres of the median bounds of the
     * quantities lower/upper (every single-crossing realisation) where both are finite */
    RC_SUMMARY_FIT_CRITICAL_POWER_LAW
} rc_summary_fit_model;

/* One finite-size fit per family (groups that differ only in N, at least three sizes). */
typedef struct {
    const char *quantity; /* a summary quantity of the kind */
    rc_summary_fit_model model;
    const char *lower, *upper; /* RC_SUMMARY_FIT_CRITICAL_POWER_LAW: the bound quantities */
} rc_summary_fit;


typedef struct rc_task_kind {
    const char *name;          /* section name and archive group */
    size_t config_size;        /* working struct while a section is expanded */
    const rc_param_column *params;
    int n_params;
    const rc_result_column *results;
    int n_results;
    const char *headline;      /* name of the result shown in progress lines */
    /* section keys: the kind's option table */
    void (*config_default)(void *config, uint64_t seed);
    int (*has_key)(const char *key);
    rc_status (*config_set)(void *config, const char *key, const char *value, rc_error *err);
    /* one task from a finished config and its realisation index: seeds, resolution, validation */
    rc_status (*make_task)(const void *config, int64_t realization, void *params, rc_error *err);
    /* flop and bytes-per-rank estimates (the cost model used for scheduling and --dry-run) */
    void (*estimate)(const void *params, double *flops, double *bytes);
    /* largest shape result column col can take for these params (arrays only) */
    void (*result_dims)(const void *params, int col, int64_t dims[2]);
    /* runs the task; on success fills out (release with output_free).  RC_ERR_SIGNAL when
     * cancelled. */
    rc_status (*run)(const void *params, const rc_task_cancel *cancel, rc_task_output *out,
                     rc_error *err);
    void (*output_free)(rc_task_output *out);
    /* short human description, e.g. "N=100 g=2 dt=0.1" */
    void (*describe)(const void *params, char *buf, size_t len);
    /* 1: run() polls cancel->requested before every time step, so rank 0 can run such a task
     * and still answer workers within milliseconds */
    int polls_every_step;
    /* The distributed runner.  NULL: the kind's tasks run on one rank, whatever N.  Else tasks
     * with N >= dist_min_N run on a group of ranks: every member calls run_group with the
     * group's communicator (collective over comm; cancel->requested_now is polled on every
     * member and the answer agreed).  The output goes to rank 0 of comm (release with
     * output_free); the other members get an empty one (owner NULL).  where receives what the
     * task ran on (" on a 2x1 grid"), also on failure, for the failure reason.
     * cancel->checkpoint_path, when set, is a printf pattern whose "%d" the runner replaces
     * with the member's rank in comm.  RC_ERR_SIGNAL when cancelled. */
    rc_status (*run_group)(const void *params, MPI_Comm comm, const rc_task_cancel *cancel,
                           rc_task_output *out, char *where, size_t where_len, rc_error *err);
    /* Memory per rank when the task runs on a group of `ranks` ranks (NULL with run_group). */
    double (*group_bytes)(const void *params, int ranks);
    /* What summarize reports: the quantities per group, the finite-size fits per family (in
     * this order), and 1 in summary_theory when the groups are rate networks whose classic
     * ones get the N -> infinity references (mean-field theory, random matrices). */
    const rc_summary_quantity *summary;
    int n_summary;
    const rc_summary_fit *summary_fits;
    int n_summary_fits;
    int summary_theory;
} rc_task_kind;

/* Registered kinds, in a fixed order (their index is the archive's kind code). */
int rc_task_kind_count(void);
const rc_task_kind *rc_task_kind_get(int kind);
/* Index of the kind named name, or -1. */
int rc_task_kind_find(const char *name);
/* Adds a kind defined outside the library (a test's fake kind, a plug-in) after the registered
 * ones; returns its index, or -1 when its name is taken or the table is full.  Not thread-safe:
 * call before any job is parsed, on every rank alike. */
int rc_task_kind_register(const rc_task_kind *kind);

/* ---- tasks and jobs ------------------------------------------------------------------------- */

typedef struct {
    int64_t id;          /* global, stable: position in the job's enumeration */
    int kind;            /* index into the kind table */
    int64_t kind_index;  /* row of the kind's tables in the archive */
    int64_t combo;       /* index of the parameter combination within its section */
    int64_t realization; /* 0 .. realizations-1, added to the seeds */
    int ranks;           /* ranks the task asks for: 1, or ranks_per_dist_task for a task of a
                            kind with a run_group and N >= dist_min_N (the scheduler may give it
                            fewer) */
    double cost_flops;   /* estimated work */
    double mem_bytes;    /* estimated memory per rank */
    union {
        rc_spectrum_task spectrum;
        rc_gcrit_task gcrit;
        rc_coherence_task coherence;
        double align_;
        unsigned char raw[RC_TASK_PARAMS_MAX];
    } p;
} rc_task;

#define RC_JOB_KEY_LEN 64

typedef struct {
    char key[RC_JOB_KEY_LEN]; /* as written */
    int line;
    int n_values;
    char **values;            /* expanded items */
} rc_job_key;

typedef struct {
    int kind;                 /* index into the kind table */
    char name[RC_JOB_KEY_LEN];/* the section as written ([spectrum] with model = lstm: kind
                                 spectrum_lstm, name spectrum) */
    char model[RC_JOB_KEY_LEN];/* the model = NAME of the section, "" if none */
    int line;                 /* line of the [section] header */
    int n_keys;
    rc_job_key *keys;
    int64_t realizations;
    int64_t n_combos;
    int64_t first_task, n_tasks;
} rc_job_section;

#define RC_JOB_MAX_TEXT 60000 /* the archive keeps the job text in a root attribute (< 64 KiB) */
#define RC_JOB_MAX_TASKS 1000000 /* every rank holds the list (~0.6 KiB per task) */

typedef struct {
    char name[RC_PATH_MAX];   /* the job file as named on the command line: used in messages */
    char *text;               /* the job text, NUL-terminated */
    size_t text_len;
    char sha256[65];          /* hex digest of the text */
    /* [run] */
    char output[RC_PATH_MAX];
    uint64_t seed;
    int64_t realizations;
    int64_t max_failures;     /* 0: no limit */
    int64_t dist_min_N;       /* 0: no distributed tasks */
    int64_t ranks_per_dist_task;
    int master_computes;      /* 1 (default): rank 0 runs tasks too, serving workers meanwhile */
    int checkpoints;          /* 1 (default): tasks that can store their state mid-run do */
    double checkpoint_every;  /* seconds between stored states (default 1800; 0: only at a stop) */
    int n_sections;
    rc_job_section *sections; /* in file order */
    int64_t n_tasks;
    rc_task *tasks;           /* tasks[i].id == i */
} rc_job;

/* Parse a job text (name is used in messages "name:line: key: ...").  Every error is
 * RC_ERR_INPUT with a message naming file, line and key, and what was expected. */
rc_status rc_job_parse(const char *text, size_t len, const char *name, rc_job *job,
                       rc_error *err);
/* Read the file at path and parse it. */
rc_status rc_job_load(const char *path, rc_job *job, rc_error *err);
void rc_job_free(rc_job *job);

/* Expand one value of the grammar into its items (strings, caller frees each and the array with
 * rc_job_free_items).  Numbers produced by ranges, lin() and log() are written with 15
 * significant digits, so 0.1:0.1:0.3 gives "0.1", "0.2", "0.3". */
rc_status rc_job_expand_value(const char *value, char ***items, int *n_items, rc_error *err);
void rc_job_free_items(char **items, int n_items);

/* Number of tasks of one kind in a job. */
int64_t rc_job_kind_tasks(const rc_job *job, int kind);

#endif
