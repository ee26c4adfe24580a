/* A run's raw-data writes (archive.h): statuses, and the rows of done and failed tasks, each
 * task's results before its status; closing. */
#include "archive_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

rc_status rc_archive_read_status(rc_archive *ar, int8_t *status, rc_error *err)
{
    rc_status st = RC_OK;
    for (int k = 0; k < ar->n_kinds; ++k) {
        kind_sets *ks = &ar->ks[k];
        if (!ks->kind || ks->n == 0) continue;
        hsize_t start = 0, cnt = (hsize_t)ks->n;
        hid_t fs = H5Dget_space(ks->status), ms = H5Screate_simple(1, &cnt, NULL);
        herr_t r = fs >= 0 && ms >= 0 ? H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL) : -1;
        if (r >= 0)
            r = H5Dread(ks->status, H5T_NATIVE_INT8, ms, fs, H5P_DEFAULT, status + ks->first_task);
        if (ms >= 0) H5Sclose(ms);
        if (fs >= 0) H5Sclose(fs);
        RC_CHECK(r >= 0, err, RC_ERR_IO, "HDF5: reading /%s/status failed", ks->kind->name);
    }
    return st;
}

static rc_status write_run_columns(kind_sets *ks, int64_t row, int rank, double wall_s,
                                   rc_error *err)
{
    RC_TRY(rc_ar_write_1d(ks->rank, H5T_NATIVE_INT, row, 1, &rank, "rank", err));
    return rc_ar_write_1d(ks->wall, H5T_NATIVE_DOUBLE, row, 1, &wall_s, "wall_s", err);
}

static rc_status write_status(kind_sets *ks, int64_t row, int8_t status, rc_error *err)
{
    return rc_ar_write_1d(ks->status, H5T_NATIVE_INT8, row, 1, &status, "status", err);
}

rc_status rc_archive_write_done(rc_archive *ar, const rc_task *task, const rc_task_output *out,
                                int rank, double wall_s, rc_error *err)
{
    kind_sets *ks = &ar->ks[task->kind];
    RC_CHECK(ks->kind, err, RC_ERR_INTERNAL, "archive has no kind %d", task->kind);
    const int64_t row = task->kind_index;
    for (int c = 0; c < ks->kind->n_results; ++c) {
        const rc_result_column *col = &ks->kind->results[c];
        const rc_cell *cell = &out->cells[c];
        if (col->ndim == 0) {
            if (col->type == RC_COL_STR) {
                char text[RC_RESULT_STR_LEN];
                memset(text, 0, sizeof text);
                snprintf(text, sizeof text, "%s", cell->s ? cell->s : "");
                RC_TRY(rc_ar_write_1d(ks->results[c], ar->reason_type, row, 1, text,
                                      col->name, err));
            } else if (col->type == RC_COL_I64)
                RC_TRY(rc_ar_write_1d(ks->results[c], H5T_NATIVE_INT64, row, 1, &cell->i,
                                      col->name, err));
            else
                RC_TRY(rc_ar_write_1d(ks->results[c], H5T_NATIVE_DOUBLE, row, 1, &cell->f,
                                      col->name, err));
            continue;
        }
        int64_t d0 = cell->dims[0], d1 = cell->dims[1];
        if (col->ndim == 1) d0 = 1;
        RC_CHECK(d0 >= 0 && d1 >= 0 && (col->ndim == 1 || d0 <= ks->max_dims[c][0]) &&
                     d1 <= ks->max_dims[c][1] && (cell->a || d0 * d1 == 0),
                 err, RC_ERR_INTERNAL, "task %lld: result %s of shape %lld x %lld exceeds the "
                 "archive's %lld x %lld", (long long)task->id, col->name, (long long)d0,
                 (long long)d1, (long long)ks->max_dims[c][0], (long long)ks->max_dims[c][1]);
        RC_TRY(rc_ar_write_row_block(ks->results[c], col->ndim, row, d0, d1, cell->a,
                                     col->name, err));
    }
    RC_TRY(write_run_columns(ks, row, rank, wall_s, err));
    return write_status(ks, row, RC_TASK_DONE, err);
}

rc_status rc_archive_write_failed(rc_archive *ar, const rc_task *task, const char *reason,
                                  int rank, double wall_s, rc_error *err)
{
    kind_sets *ks = &ar->ks[task->kind];
    RC_CHECK(ks->kind, err, RC_ERR_INTERNAL, "archive has no kind %d", task->kind);
    const int64_t row = task->kind_index;
    /* A task cut off earlier may have left partial rows: reset them to the fill values. */
    for (int c = 0; c < ks->kind->n_results; ++c) {
        const rc_result_column *col = &ks->kind->results[c];
        double ffill;
        int64_t ifill;
        rc_ar_result_fill(col, &ffill, &ifill);
        if (col->ndim == 0) {
            if (col->type == RC_COL_STR) {
                const char empty[RC_RESULT_STR_LEN] = {0};
                RC_TRY(rc_ar_write_1d(ks->results[c], ar->reason_type, row, 1, empty,
                                      col->name, err));
            } else if (col->type == RC_COL_I64)
                RC_TRY(rc_ar_write_1d(ks->results[c], H5T_NATIVE_INT64, row, 1, &ifill,
                                      col->name, err));
            else
                RC_TRY(rc_ar_write_1d(ks->results[c], H5T_NATIVE_DOUBLE, row, 1, &ffill,
                                      col->name, err));
            continue;
        }
        const int64_t d0 = col->ndim == 2 ? ks->max_dims[c][0] : 1, d1 = ks->max_dims[c][1];
        double *nan = rc_calloc((size_t)(d0 * d1), sizeof(double), "fill row", err);
        if (!nan) return RC_ERR_NOMEM;
        for (int64_t i = 0; i < d0 * d1; ++i) nan[i] = ffill;
        rc_status st = rc_ar_write_row_block(ks->results[c], col->ndim, row, d0, d1, nan,
                                                   col->name, err);
        free(nan);
        RC_TRY(st);
    }
    char buf[RC_ARCHIVE_REASON_LEN];
    memset(buf, 0, sizeof buf);
    snprintf(buf, sizeof buf, "%s", reason ? reason : "");
    RC_TRY(rc_ar_write_1d(ks->reason, ar->reason_type, row, 1, buf, "reason", err));
    RC_TRY(write_run_columns(ks, row, rank, wall_s, err));
    return write_status(ks, row, RC_TASK_FAILED, err);
}

/* Rank 0, after the file is closed: is the file at path still the one this run wrote (held is
 * the run lock's descriptor, opened on it), and does it read back?  A run must not report
 * success for results that are gone (issue 18: a deleted or truncated archive). */
static rc_status check_kept(const char *path, const struct stat *held, rc_error *err)
{
    struct stat now;
    if (stat(path, &now) != 0)
        return rc_fail(err, RC_ERR_IO, "%s: the archive was lost during the run (%s): the results "
                       "of this run are gone", path, strerror(errno));
    if (now.st_ino != held->st_ino || now.st_dev != held->st_dev)
        return rc_fail(err, RC_ERR_IO, "%s: the archive was lost during the run (deleted or "
                       "replaced by another file): the results of this run are gone", path);
    rc_archive_info info;
    rc_error rerr;
    rc_error_clear(&rerr);
    if (rc_archive_info_read(path, &info, &rerr) != RC_OK)
        return rc_fail(err, RC_ERR_IO, "%s: the archive was damaged during the run (truncated or "
                       "overwritten?): it no longer reads back: %s", path, rerr.msg);
    rc_archive_info_free(&info);
    return RC_OK;
}

rc_status rc_archive_close(rc_archive *ar, rc_error *err)
{
    if (!ar) return RC_OK;
    hid_t f = ar->file;
    const int owner_fd = ar->owner_fd;
    char *owner_lock = ar->owner_lock;
    struct stat held;
    const int check = ar->path && ar->lock_fd >= 0 && fstat(ar->lock_fd, &held) == 0;
    char *path = ar->path;
    ar->path = NULL;
    rc_ar_archive_free(ar);
    const int closed = f < 0 || H5Fclose(f) >= 0;
    rc_status st = RC_OK;
    if (!closed)
        st = rc_fail(err, RC_ERR_IO, "HDF5: closing the archive failed");
    else if (check)
        st = check_kept(path, &held, err);
    free(path);
    rc_ar_owner_release(owner_fd, owner_lock); /* once the file is closed and checked */
    return st;
}
