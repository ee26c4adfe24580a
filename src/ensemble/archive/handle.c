/* The archive handle (archive_internal.h): allocation and freeing, the per-kind dataset sets,
 * opening the file through the MPI-IO driver, the run lock and the run log's appends. */
/* flock(2) is BSD, not POSIX: the run and summarize use it to keep each other out (below). */
#define _DEFAULT_SOURCE 1

#include "archive_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

void rc_ar_kind_max_dims(const rc_job *job, kind_sets *k)
{
    for (int c = 0; c < k->kind->n_results; ++c) {
        k->max_dims[c][0] = 1;
        k->max_dims[c][1] = 1;
    }
    for (int64_t i = 0; i < k->n; ++i) {
        const rc_task *t = &job->tasks[k->first_task + i];
        for (int c = 0; c < k->kind->n_results; ++c) {
            if (k->kind->results[c].ndim == 0) continue;
            int64_t dims[2];
            k->kind->result_dims(t->p.raw, c, dims);
            for (int j = 0; j < 2; ++j)
                if (dims[j] > k->max_dims[c][j]) k->max_dims[c][j] = dims[j];
        }
    }
}

rc_status rc_ar_setup_kinds(rc_archive *ar, const rc_job *job, rc_error *err)
{
    ar->n_kinds = rc_task_kind_count();
    ar->ks = rc_calloc((size_t)ar->n_kinds, sizeof(kind_sets), "archive kinds", err);
    if (!ar->ks) return RC_ERR_NOMEM;
    for (int k = 0; k < ar->n_kinds; ++k) {
        kind_sets *ks = &ar->ks[k];
        ks->group = ks->status = ks->reason = ks->rank = ks->wall = -1;
        for (int c = 0; c < RC_MAX_RESULT_COLS; ++c) ks->results[c] = -1;
    }
    for (int s = 0; s < job->n_sections; ++s) {
        kind_sets *ks = &ar->ks[job->sections[s].kind];
        ks->kind = rc_task_kind_get(job->sections[s].kind);
        ks->n = job->sections[s].n_tasks;
        ks->first_task = job->sections[s].first_task;
        rc_ar_kind_max_dims(job, ks);
    }
    return RC_OK;
}


/* One line per run (create or resume) in a preallocated fixed-length string dataset: a resume
 * records itself with a raw-data write, so it changes no HDF5 metadata either. */
static void run_log_line(const rc_archive_run_info *info, char line[RUN_LOG_LEN])
{
    memset(line, 0, RUN_LOG_LEN);
    snprintf(line, RUN_LOG_LEN, "%s mpi_size=%d hosts=%.150s cmd=%.280s", info->date,
             info->mpi_size, info->hosts, info->command_line);
}

/* Rank 0 writes the line into the first free row (the last row is reused once all are full). */
rc_status rc_ar_run_log_append(hid_t file, int writer, const rc_archive_run_info *info,
                               rc_error *err)
{
    rc_status st = RC_OK;
    hid_t t = rc_ar_run_log_type(), d = -1;
    char *rows = NULL;
    H5_TRY(t, "run log type");
    d = H5Dopen2(file, "run_log", H5P_DEFAULT);
    H5_TRY(d, "opening /run_log");
    if (writer) {
        rows = rc_ar_run_log_read(file);
        RC_CHECK_GOTO(rows, err, RC_ERR_IO, "HDF5: reading /run_log failed");
        int r = 0;
        while (r < RUN_LOG_ROWS - 1 && rows[(size_t)r * RUN_LOG_LEN]) ++r;
        char line[RUN_LOG_LEN];
        run_log_line(info, line);
        RC_GOTO(rc_ar_write_1d(d, t, r, 1, line, "run_log", err));
    }
cleanup:
    free(rows);
    if (d >= 0) H5Dclose(d);
    if (t >= 0) H5Tclose(t);
    return st;
}

rc_status rc_ar_open_file(const char *path, MPI_Comm comm, int create, hid_t *file, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5_TRY(fapl, "H5Pcreate");
    H5_TRY(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
    *file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                   : H5Fopen(path, H5F_ACC_RDWR, fapl);
    if (*file < 0 && !create && access(path, W_OK) != 0 && (errno == EACCES || errno == EROFS))
        st = rc_fail(err, RC_ERR_INPUT, "%s: the archive is read-only (%s): --resume writes into "
                     "it; make it writable, or resume a writable copy", path, strerror(errno));
    else if (*file < 0)
        st = rc_fail(err, create ? RC_ERR_IO : RC_ERR_INPUT, "%s: cannot %s the archive", path,
                     create ? "create" : "open (is it an HDF5 file?)");
cleanup:
    if (fapl >= 0) H5Pclose(fapl);
    return st;
}

rc_status rc_ar_check_name(const char *path, rc_error *err)
{
    const size_t len = strlen(path);
    RC_CHECK(len > 0, err, RC_ERR_INPUT, "the archive name is empty");
    RC_CHECK(len <= RC_ARCHIVE_PATH_MAX, err, RC_ERR_INPUT, "%.60s...: the archive name has %zu "
             "characters, the MPI-IO layer takes at most %d: choose a shorter -o (or run from a "
             "directory closer to the archive)", path, len, RC_ARCHIVE_PATH_MAX);
    return RC_OK;
}

void rc_ar_archive_free(rc_archive *ar)
{
    if (!ar) return;
    if (ar->ks) {
        for (int k = 0; k < ar->n_kinds; ++k) {
            kind_sets *ks = &ar->ks[k];
            for (int c = 0; c < RC_MAX_RESULT_COLS; ++c)
                if (ks->results[c] >= 0) H5Dclose(ks->results[c]);
            hid_t ds[4] = {ks->status, ks->reason, ks->rank, ks->wall};
            for (int j = 0; j < 4; ++j)
                if (ds[j] >= 0) H5Dclose(ds[j]);
            if (ks->group >= 0) H5Gclose(ks->group);
        }
        free(ar->ks);
    }
    if (ar->reason_type >= 0) H5Tclose(ar->reason_type);
    if (ar->lock_fd >= 0) close(ar->lock_fd); /* releases the flock */
    free(ar->path);
    free(ar);
}

/* Rank 0 holds a shared flock on the archive for as long as the run has it open.  The MPI-IO
 * driver takes no lock of its own, and a process that changed the file's metadata meanwhile
 * (h5py in r+ mode, rnnchaos summarize) would corrupt it: both take an exclusive lock first
 * (HDF5's own file locking for h5py; rc_archive_edit_open for summarize) and are refused.
 * Readers take shared locks or none, and are unaffected.  The kernel drops the lock when the
 * process dies, so a killed run leaves no stale lock.  Best effort: on file systems without
 * flock (some NFS set-ups) the lock is silently absent. */
void rc_ar_hold_run_lock(rc_archive *ar, const char *path)
{
    ar->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ar->lock_fd >= 0 && flock(ar->lock_fd, LOCK_SH | LOCK_NB) != 0) {
        close(ar->lock_fd);
        ar->lock_fd = -1;
    }
}

rc_archive *rc_ar_archive_alloc(const rc_job *job, rc_error *err)
{
    rc_archive *ar = rc_calloc(1, sizeof *ar, "archive", err);
    if (!ar) return NULL;
    ar->file = -1;
    ar->lock_fd = -1;
    ar->owner_fd = -1;
    ar->job = job;
    ar->reason_type = H5Tcopy(H5T_C_S1);
    if (ar->reason_type < 0 || H5Tset_size(ar->reason_type, RC_ARCHIVE_REASON_LEN) < 0 ||
        H5Tset_strpad(ar->reason_type, H5T_STR_NULLTERM) < 0) {
        rc_fail(err, RC_ERR_IO, "HDF5: string type");
        rc_ar_archive_free(ar);
        return NULL;
    }
    if (rc_ar_setup_kinds(ar, job, err) != RC_OK) {
        rc_ar_archive_free(ar);
        return NULL;
    }
    return ar;
}
