/* One error path for the whole library (PETSc's PetscCall/PetscCheck idea).
 *
 * Every fallible function returns rc_status and, on failure, fills an rc_error with a message
 * that says what was wrong and what was expected.  Callers propagate with RC_TRY / RC_GOTO and
 * never print: only main.c (and the scheduler, for per-task failures) turns errors into output. */
#ifndef RNNCHAOS_ERROR_H
#define RNNCHAOS_ERROR_H

#include <stddef.h>

typedef enum {
    RC_OK = 0,
    RC_ERR_INPUT,    /* bad option, job file or input file: exit code 2, nothing written */
    RC_ERR_NOMEM,    /* allocation failed or the task would not fit in memory */
    RC_ERR_IO,       /* file system / HDF5 failure at run time */
    RC_ERR_LAPACK,   /* BLAS/LAPACK/ScaLAPACK returned info != 0 */
    RC_ERR_NUMERIC,  /* divergence, NaN or Inf in the dynamics or the exponents */
    RC_ERR_MPI,      /* an MPI call failed */
    RC_ERR_SIGNAL,   /* stopped by SIGTERM/SIGUSR1/SIGINT: resumable, exit code 3 */
    RC_ERR_INTERNAL  /* a broken invariant: a bug */
} rc_status;

#define RC_ERROR_MSG_LEN 512

typedef struct {
    rc_status status;
    char msg[RC_ERROR_MSG_LEN];
} rc_error;

/* Record a failure in err (which may be NULL) and return st.  printf-style message. */
rc_status rc_fail(rc_error *err, rc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message, e.g. with the task id or the option being parsed. */
void rc_error_prefix(rc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void rc_error_clear(rc_error *err);

/* Short stable name of a status ("input", "nomem", ...), used in archives and logs. */
const char *rc_status_name(rc_status st);

/* Process exit code of docs/user-guide.md for a status: 0, 1, 2 (input) or 3 (signal). */
int rc_status_exit_code(rc_status st);

/* Checked allocation: zero-initialised, fails with RC_ERR_NOMEM naming what was allocated. */
void *rc_calloc(size_t count, size_t size, const char *what, rc_error *err);
/* 64-byte aligned, uninitialised; free with free(). */
void *rc_aligned_alloc(size_t count, size_t size, const char *what, rc_error *err);

/* Propagate a failure to the caller. */
#define RC_TRY(expr)                                                                           \
    do {                                                                                       \
        rc_status rc_try_st_ = (expr);                                                         \
        if (rc_try_st_ != RC_OK) return rc_try_st_;                                            \
    } while (0)

/* Precondition with a message; returns from the enclosing function. */
#define RC_CHECK(cond, err, st, ...)                                                           \
    do {                                                                                       \
        if (!(cond)) return rc_fail((err), (st), __VA_ARGS__);                                 \
    } while (0)

/* For functions that own resources: needs `rc_status st` and a `cleanup:` label. */
#define RC_GOTO(expr)                                                                          \
    do {                                                                                       \
        st = (expr);                                                                           \
        if (st != RC_OK) goto cleanup;                                                         \
    } while (0)

#define RC_CHECK_GOTO(cond, err, code, ...)                                                    \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            st = rc_fail((err), (code), __VA_ARGS__);                                          \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

/* After checked allocations (rc_calloc, rc_aligned_alloc), which have already filled err:
 * any NULL among them leaves with RC_ERR_NOMEM and that message (never re-formatted into
 * itself).  Needs `rc_status st` and a `cleanup:` label. */
#define RC_ALLOC_GOTO(all_allocated)                                                           \
    do {                                                                                       \
        if (!(all_allocated)) {                                                                \
            st = RC_ERR_NOMEM;                                                                 \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

#endif
