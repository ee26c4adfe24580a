/* rnnchaos summarize, the pieces behind src/app/cmd_summarize.c (private to src/app):
 *   table.c   the kind's table read from the archive (the quantities its descriptor names), grouping
 *   fits.c    the finite-size fits of each family (groups that differ only in N)
 *   theory.c  the N -> infinity references of the spectrum groups (mean-field, random matrix)
 *   output.c  the text table and the JSON object on stdout
 *   write.c   the archive's /summary group (docs/archive.md)
 * Groups, families and quantities are described in cmd_summarize.c's header. */
#ifndef RNNCHAOS_APP_SUMMARIZE_H
#define RNNCHAOS_APP_SUMMARIZE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/dmft.h"
#include "rnnchaos/error.h"
#include "rnnchaos/fit.h"
#include "rnnchaos/job.h"

/* ---- what is summarised: the kind descriptor's summary, summary_fits, summary_theory (job.h) - */

typedef rc_summary_quantity quantity;

/* ---- one kind's table ----------------------------------------------------------------------- */

typedef struct {
    const rc_param_column *col; /* the descriptor's column (type, doc) */
    double *num;                /* numeric parameters, one per row */
    char *str;                  /* string parameters: rows x width */
    size_t width;
} param_data;

typedef struct {
    const rc_task_kind *kind;
    int64_t n_rows;
    double *status;
    int n_params;
    param_data *params;    /* non-seed parameters present in the archive */
    int N_col, nle_col;    /* index in params of N and n_le, or -1 */
    int64_t *group;        /* group of each row */
    int64_t n_groups;
    int64_t *first_row;    /* a representative row per group */
    int64_t *n_done, *n_tasks, *n_failed, *n_pending;
    int n_q;
    const quantity *q;
    double **values;       /* per quantity, per row (NaN unless done) */
    rc_summary **stats;    /* per quantity, per group */
} kind_table;

/* Reads the kind's parameters, status and quantities from the archive at path, groups its rows
 * and computes the statistics of every quantity per group.  On failure t is left empty. */
rc_status rc_summ_load_kind(const char *path, const rc_task_kind *kind, kind_table *t,
                            rc_error *err);
void rc_summ_table_free(kind_table *t);
/* Rows a and b have the same value of parameter p (NaN equals NaN). */
int rc_summ_param_equal(const param_data *p, int64_t a, int64_t b);
/* Same group; with family != 0, N is ignored, and n_le too where it equals N ("all"). */
int rc_summ_rows_equal(const kind_table *t, int64_t a, int64_t b, int family);
/* An integer column (written as int64 to /summary, as a JSON integer). */
int rc_summ_param_is_int(const param_data *p);
/* "N=100 g=2" for the parameters that vary among the groups of the kind (N left out when
 * skip_N); "" when nothing varies. */
void rc_summ_varying_params(const kind_table *t, int64_t row, int skip_N, char *buf, size_t len);

/* ---- fits ----------------------------------------------------------------------------------- */

typedef struct {
    const kind_table *t;
    int64_t family_row; /* a row of the family (its parameters, N aside) */
    char x[32], y[48], model[16], on[16];
    rc_linfit fit;
    int64_t n_skipped;
    int constant; /* y/N-type fits: 1 slope CI contains 0, 0 not; -1 not applicable */
    double lack_of_fit_p; /* linear fits: p of the lack-of-fit F test; NaN where it does not apply */
} fit_entry;

typedef struct {
    fit_entry *e;
    int64_t n, cap;
} fit_list;

/* Appends the fits the kind's descriptor names (summary_fits) of every family of t to out;
 * nothing for kinds without fits or without an N column. */
rc_status rc_summ_kind_fits(const kind_table *t, fit_list *out, rc_error *err);

/* ---- N -> infinity references for the spectrum groups ---------------------------------------- */

/* One row of /summary/theory: the mean-field theory at (phi, sigma, dt, g). */
typedef struct {
    char phi[16];
    double sigma, dt;
    int discrete;
    int grid;      /* 1: a grid point between the groups' g, 0: the g of a group */
    rc_dmft_row row;
} theory_row;

/* The RMT reference spectrum of one spectrum group (tanh, sigma = 0). */
typedef struct {
    int64_t group, N;
    double g, dt, mean_exponent;
    int has_spectrum;
    double *lambda; /* N values when has_spectrum */
} rmt_row;

typedef struct {
    theory_row *rows;
    int64_t n;
    rmt_row *rmt;
    int64_t n_rmt, max_N;
} theory_table;

/* The references of the classic rate-network groups of t (tanh, or hardtanh at dt = 1; b = 0,
 * sigma_c = 0, tau = 1): the mean-field theory at every g and on a grid between them, and the
 * random-matrix spectrum of the noiseless tanh groups.  Empty for kinds without
 * summary_theory. */
rc_status rc_summ_build_theory(const kind_table *t, theory_table *th, rc_error *err);
void rc_summ_theory_free(theory_table *th);
/* "ok", or the status name of a failed theory row. */
const char *rc_summ_theory_status(const rc_dmft_row *r);

/* ---- output (stdout) and /summary ------------------------------------------------------------ */

/* The whole summary as one JSON object (NULL when it cannot be built). */
json_t *rc_summ_json(const char *path, const kind_table *tables, int n_tables,
                     const fit_list *fits, const theory_table *th);
void rc_summ_print_tables(const char *path, const kind_table *tables, int n_tables,
                          const fit_list *fits);
void rc_summ_print_theory(const theory_table *th);
/* Replaces the archive's /summary group by the tables, fits and references. */
rc_status rc_summ_write(const char *path, const kind_table *tables, int n_tables,
                        const fit_list *fits, const theory_table *th, rc_error *err);

#endif
