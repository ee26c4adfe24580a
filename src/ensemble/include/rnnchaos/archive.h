/* The run archive: one parallel HDF5 file per job (schema in docs/archive.md).
 *
 * Every object (groups, datasets, attributes) is created collectively when the archive is
 * created or opened, and the file is flushed before any task runs.  Datasets are contiguous and
 * allocated at creation (filled with NaN, -1 or 0 = pending), so during the run only raw-data
 * writes happen: a rank writes the rows of the tasks it ran with independent I/O, each task's
 * results before its status.  A process killed at any moment therefore leaves a valid file whose
 * tasks with status "done" are complete, and --resume recomputes exactly the pending ones.
 *
 * This module owns every HDF5 call on archives; no other module includes hdf5.h for them. */
#ifndef RNNCHAOS_ARCHIVE_H
#define RNNCHAOS_ARCHIVE_H

#include <stdint.h>

#include <mpi.h>

#include "rnnchaos/error.h"
#include "rnnchaos/job.h"

#define RC_ARCHIVE_FORMAT "rnnchaos-archive"
#define RC_ARCHIVE_FORMAT_VERSION 1
#define RC_ARCHIVE_REASON_LEN 256 /* fixed-length failure reasons */
/* Longest archive name (as given, directories included) that rc_archive_create and
 * rc_archive_open_resume accept.  Open MPI's MPI-IO layer copies the name of the file it opens
 * (ARCHIVE.creating) into fixed buffers and names files after it: measured with Open MPI 4.1,
 * names of 229-232 characters fail, longer ones overflow a buffer (abort) or crash. */
#define RC_ARCHIVE_PATH_MAX 200

/* Task status as stored in /<kind>/status. */
enum { RC_TASK_PENDING = 0, RC_TASK_DONE = 1, RC_TASK_FAILED = 2 };

/* What the root attributes record about this run (identical on every rank). */
typedef struct {
    const char *command_line;
    const char *hosts;   /* "host:ranks,host:ranks" */
    const char *date;    /* ISO 8601, UTC */
    int mpi_size;
} rc_archive_run_info;

typedef struct rc_archive rc_archive;

/* Exactly one run owns an archive: rank 0 holds an exclusive lock on PATH.lock (next to the
 * archive, removed at close; a killed run leaves a stale one that the next run takes over) from
 * before the first collective HDF5 call until rc_archive_close.  Creating or resuming an archive
 * that another run owns fails with RC_ERR_INPUT naming that run (process, host, start), and
 * touches neither the archive nor its temporary name. */

/* Collective over comm.  Creates a new archive for job at path; fails (RC_ERR_INPUT) if the
 * file exists, another run owns it or its name is longer than RC_ARCHIVE_PATH_MAX (checked
 * before any MPI call, so every rank fails alike), and (RC_ERR_IO, "no space left on device")
 * where the file system has less room than rc_archive_estimate_bytes plus the metadata: every
 * rank agrees on that before the collective creation starts.  All objects are created and the file flushed before it
 * returns. */
rc_status rc_archive_create(const char *path, const rc_job *job, MPI_Comm comm,
                            const rc_archive_run_info *info, rc_archive **ar, rc_error *err);

/* Collective over comm.  Opens an existing archive to resume job: refuses (RC_ERR_INPUT) a
 * name longer than RC_ARCHIVE_PATH_MAX, a file that another run owns, that is not a complete rnnchaos archive or whose job hash differs
 * from job's.  Appends
 * this run to the run log. */
rc_status rc_archive_open_resume(const char *path, const rc_job *job, MPI_Comm comm,
                                 const rc_archive_run_info *info, rc_archive **ar,
                                 rc_error *err);

/* Local.  Status of every task of the job, by task id (n_tasks values). */
rc_status rc_archive_read_status(rc_archive *ar, int8_t *status, rc_error *err);

/* Local (independent raw-data writes).  Records a finished task: every result column, rank and
 * wall time, then status = done. */
rc_status rc_archive_write_done(rc_archive *ar, const rc_task *task, const rc_task_output *out,
                                int rank, double wall_s, rc_error *err);
/* Local.  Records a failed task: results reset to their fill values, reason, rank and wall
 * time, then status = failed. */
rc_status rc_archive_write_failed(rc_archive *ar, const rc_task *task, const char *reason,
                                  int rank, double wall_s, rc_error *err);

/* Collective.  Closes every object and the file; ar is freed even on failure.  Rank 0 then
 * checks that the file at the archive's name is still the one the run wrote and that it reads
 * back: RC_ERR_IO saying the archive was lost (deleted, replaced) or damaged (truncated)
 * otherwise.  The other ranks do not check (their status is RC_OK where rank 0's is not). */
rc_status rc_archive_close(rc_archive *ar, rc_error *err);

/* Bytes the archive of job will take on disk (the data; metadata adds a few KiB per column). */
double rc_archive_estimate_bytes(const rc_job *job);

/* ---- reading (serial, any process, no MPI needed) ------------------------------------------ */

typedef struct {
    char kind[32];
    int64_t n_tasks, done, failed, pending;
    int64_t first_task;
} rc_archive_kind_info;

typedef struct {
    int64_t task;   /* global task id */
    char kind[32];
    char reason[RC_ARCHIVE_REASON_LEN];
} rc_archive_failure;

typedef struct {
    char *program_version, *git_commit, *created, *command_line, *hosts, *job_file, *job_text,
        *job_sha256, *run_log;
    int64_t mpi_size, runs;
    int64_t n_tasks, done, failed, pending;
    int n_kinds;
    rc_archive_kind_info *kinds;
    int64_t n_failures;
    rc_archive_failure *failures;
} rc_archive_info;

/* Reads the root attributes and the status of every task.  Works while a run is writing the
 * file (it opens without file locking; statuses are read as they are on disk). */
rc_status rc_archive_info_read(const char *path, rc_archive_info *info, rc_error *err);
void rc_archive_info_free(rc_archive_info *info);

/* Read a whole numeric dataset as doubles (e.g. "spectrum/lambda"): *data (free()), its rank
 * and dims.  For later readers (summaries) that need nothing but the archive. */
rc_status rc_archive_read_doubles(const char *path, const char *dataset, double **data,
                                  int *ndim, int64_t dims[3], rc_error *err);

/* Read a whole fixed- or variable-length string dataset of rank 1 (e.g. "spectrum/params/phi"):
 * *data holds n strings of *width bytes each, NUL-terminated (free() it). */
rc_status rc_archive_read_strings(const char *path, const char *dataset, char **data, int64_t *n,
                                  size_t *width, rc_error *err);

/* 1 if the object (group or dataset) exists in the archive, 0 if not. */
int rc_archive_has(const char *path, const char *object);

/* ---- post-processing writes (serial, no MPI) ------------------------------------------------
 * The one way objects are added to an archive after its creation: `rnnchaos summarize` writes
 * /summary with these, after the run.  They change HDF5 metadata, so they must not run while a
 * run has the file open (see docs/archive.md). */

typedef struct rc_archive_edit rc_archive_edit;

/* Opens the archive for writing (HDF5 file locking on).  Fails (RC_ERR_INPUT) for a file that is
 * not a complete rnnchaos archive. */
rc_status rc_archive_edit_open(const char *path, rc_archive_edit **ed, rc_error *err);
/* Removes the object (and everything under it) if present. */
rc_status rc_archive_edit_remove(rc_archive_edit *ed, const char *object, rc_error *err);
/* New datasets (intermediate groups are created): float64 of rank 1 or 2 (dims[0] x dims[1]),
 * int64 of rank 1, fixed-length strings of rank 1 (width bytes each, at least the longest + 1).
 * doc becomes the dataset's description attribute. */
rc_status rc_archive_edit_put_doubles(rc_archive_edit *ed, const char *name, int ndim,
                                      const int64_t *dims, const double *data, const char *doc,
                                      rc_error *err);
rc_status rc_archive_edit_put_int64(rc_archive_edit *ed, const char *name, int64_t n,
                                    const int64_t *data, const char *doc, rc_error *err);
rc_status rc_archive_edit_put_strings(rc_archive_edit *ed, const char *name, int64_t n,
                                      const char *const *data, const char *doc, rc_error *err);
/* A string attribute on an existing group or dataset (created or overwritten). */
rc_status rc_archive_edit_put_attr(rc_archive_edit *ed, const char *object, const char *name,
                                   const char *value, rc_error *err);
/* Flushes and closes; ed is freed even on failure. */
rc_status rc_archive_edit_close(rc_archive_edit *ed, rc_error *err);

#endif
