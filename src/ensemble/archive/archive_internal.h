/* Private to src/ensemble/archive/: the archive handle and the helpers its files share.
 *
 * SWIFT's rule: every object exists before the first task runs.  Creation and the root
 * attributes are collective (every rank, same order, same values); the rows of a task are then
 * written by the rank that ran it with independent raw-data writes into contiguous, early
 * allocated datasets, which touch no HDF5 metadata.  That is what makes a file killed at any
 * moment readable: its metadata was complete and flushed before the run started.
 *
 * Files: h5.c (HDF5 helpers), handle.c (the handle, opening, run lock, run log), create.c
 * (layout), resume.c, write.c (rows), read.c (info, datasets, strings), edit.c (summarize). */
#ifndef RNNCHAOS_ARCHIVE_INTERNAL_H
#define RNNCHAOS_ARCHIVE_INTERNAL_H

#include <stdint.h>

#include <hdf5.h>

#include "rnnchaos/archive.h"

_Static_assert(RC_RESULT_STR_LEN == RC_ARCHIVE_REASON_LEN, "result texts share the reason type");

typedef struct {
    const rc_task_kind *kind;
    int64_t n, first_task;
    hid_t group, status, reason, rank, wall;
    hid_t results[RC_MAX_RESULT_COLS];
    int64_t max_dims[RC_MAX_RESULT_COLS][2];
} kind_sets;

struct rc_archive {
    hid_t file, reason_type;
    int lock_fd;       /* rank 0: a shared flock on the archive while the run has it open */
    int owner_fd;      /* rank 0: the exclusive lock on ARCHIVE.lock (owner.c), -1: none */
    char *owner_lock;  /* its name */
    char *path;        /* the archive's name, once it is open (checked at close) */
    const rc_job *job; /* borrowed: the caller keeps it alive while the archive is open */
    int n_kinds;
    kind_sets *ks;     /* by kind code; kind == NULL where the job has no such section */
};

#define FAILED_GOTO(cond, code)                                                                \
    do {                                                                                       \
        if (cond) {                                                                            \
            st = (code);                                                                       \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

#define H5_TRY(call, what)                                                                     \
    do {                                                                                       \
        if ((call) < 0) {                                                                      \
            st = rc_fail(err, RC_ERR_IO, "HDF5: %s failed", (what));                           \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

#define RUN_LOG_ROWS 256
#define RUN_LOG_LEN 512

/* ---- h5.c ---- */
hid_t rc_ar_col_h5_type(rc_col_type t);
/* Contiguous, allocated now, filled with *fill: the layout that allows raw-data-only writes. */
hid_t rc_ar_make_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                         const void *fill, const char *doc, rc_error *err);
rc_status rc_ar_attr_write_string(hid_t loc, const char *name, const char *value, rc_error *err);
rc_status rc_ar_attr_write_int64(hid_t loc, const char *name, int64_t value, rc_error *err);
/* A string attribute (variable or fixed length) as a malloc'ed C string; NULL if absent. */
char *rc_ar_attr_read_string(hid_t loc, const char *name);
int rc_ar_attr_read_int64(hid_t loc, const char *name, int64_t *v);
/* Write count elements of a 1-D dataset starting at offset (independent). */
rc_status rc_ar_write_1d(hid_t d, hid_t memtype, int64_t offset, int64_t count, const void *buf,
                         const char *what, rc_error *err);
/* Write the block [row, 0:d0, 0:d1] (rank 3) or [row, 0:d1] (rank 2) of an array result. */
rc_status rc_ar_write_row_block(hid_t d, int ndim, int64_t row, int64_t d0, int64_t d1,
                                const double *buf, const char *what, rc_error *err);
void rc_ar_silence_hdf5(void);
hid_t rc_ar_run_log_type(void);
/* Rows of the run log as one malloc'ed block (RUN_LOG_ROWS x RUN_LOG_LEN); NULL on failure. */
char *rc_ar_run_log_read(hid_t file);

/* ---- handle.c ---- */
void rc_ar_kind_max_dims(const rc_job *job, kind_sets *k);
rc_status rc_ar_setup_kinds(rc_archive *ar, const rc_job *job, rc_error *err);
/* Rank 0 writes the line into the first free row (the last row is reused once all are full). */
rc_status rc_ar_run_log_append(hid_t file, int writer, const rc_archive_run_info *info,
                               rc_error *err);
rc_status rc_ar_open_file(const char *path, MPI_Comm comm, int create, hid_t *file,
                          rc_error *err);
void rc_ar_archive_free(rc_archive *ar);
/* Local: RC_ERR_INPUT for a name the MPI-IO layer cannot take (RC_ARCHIVE_PATH_MAX). */
rc_status rc_ar_check_name(const char *path, rc_error *err);
void rc_ar_hold_run_lock(rc_archive *ar, const char *path);
rc_archive *rc_ar_archive_alloc(const rc_job *job, rc_error *err);

/* ---- owner.c ---- */
/* Rank 0 only.  Takes the exclusive ownership of the archive at path for this run (date is the
 * run's start, recorded for a run that is refused); RC_ERR_INPUT naming the owner if another
 * run has it.  *fd = -1 where the file system has no flock. */
rc_status rc_ar_owner_acquire(const char *path, const char *date, int *fd, char **lock,
                              rc_error *err);
/* Removes the lock file and releases it; frees lock.  No-op for fd = -1. */
void rc_ar_owner_release(int fd, char *lock);

/* ---- create.c ---- */
rc_status rc_ar_result_fill(const rc_result_column *col, double *ffill, int64_t *ifill);

#endif
