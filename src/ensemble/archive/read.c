/* Reading archives (archive.h): serial, any process, no MPI; without file locking so that a
 * running job's archive can be read. */
#include "archive_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hid_t open_read(const char *path, rc_error *err)
{
    rc_ar_silence_hdf5();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) {
        rc_fail(err, RC_ERR_IO, "HDF5: H5Pcreate failed");
        return -1;
    }
    /* A running job keeps the file open for writing; it changes no metadata while it runs, so
     * reading it without a lock is safe. */
    H5Pset_file_locking(fapl, 0, 1);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0) rc_fail(err, RC_ERR_INPUT, "%s: cannot open (not an HDF5 file, or missing)", path);
    return f;
}

static rc_status read_dataset(hid_t loc, const char *name, hid_t memtype, size_t elem,
                              void **data, int *ndim, int64_t dims[3], rc_error *err)
{
    rc_status st = RC_OK;
    *data = NULL;
    hid_t d = -1, sp = -1;
    RC_CHECK(H5Lexists(loc, name, H5P_DEFAULT) > 0, err, RC_ERR_INPUT, "no dataset '%s'", name);
    d = H5Dopen2(loc, name, H5P_DEFAULT);
    H5_TRY(d, name);
    sp = H5Dget_space(d);
    H5_TRY(sp, name);
    hsize_t hd[3] = {1, 1, 1};
    int nd = H5Sget_simple_extent_ndims(sp);
    RC_CHECK_GOTO(nd >= 1 && nd <= 3, err, RC_ERR_INPUT, "dataset '%s' has rank %d", name, nd);
    H5_TRY(H5Sget_simple_extent_dims(sp, hd, NULL), name);
    size_t total = 1;
    for (int j = 0; j < nd; ++j) total *= (size_t)hd[j];
    *data = rc_calloc(total ? total : 1, elem, name, err);
    FAILED_GOTO(!(*data), RC_ERR_NOMEM);
    H5_TRY(H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data), name);
    if (ndim) *ndim = nd;
    if (dims)
        for (int j = 0; j < 3; ++j) dims[j] = j < nd ? (int64_t)hd[j] : 1;
cleanup:
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    if (st != RC_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

rc_status rc_archive_read_doubles(const char *path, const char *dataset, double **data,
                                  int *ndim, int64_t dims[3], rc_error *err)
{
    hid_t f = open_read(path, err);
    if (f < 0) return RC_ERR_INPUT;
    void *p = NULL;
    rc_status st = read_dataset(f, dataset, H5T_NATIVE_DOUBLE, sizeof(double), &p, ndim, dims, err);
    if (st != RC_OK) rc_error_prefix(err, "%s", path);
    H5Fclose(f);
    *data = p;
    return st;
}

void rc_archive_info_free(rc_archive_info *info)
{
    if (!info) return;
    char *strs[9] = {info->program_version, info->git_commit, info->created, info->command_line,
                     info->hosts, info->job_file, info->job_text, info->job_sha256,
                     info->run_log};
    for (int j = 0; j < 9; ++j) free(strs[j]);
    free(info->kinds);
    free(info->failures);
    memset(info, 0, sizeof *info);
}

rc_status rc_archive_info_read(const char *path, rc_archive_info *info, rc_error *err)
{
    memset(info, 0, sizeof *info);
    hid_t f = open_read(path, err);
    if (f < 0) return RC_ERR_INPUT;
    rc_status st = RC_OK;
    char *format = NULL, *kinds = NULL;
    int8_t *status = NULL;
    int64_t *ids = NULL;
    char *reasons = NULL;
    hid_t g = -1;
    format = rc_ar_attr_read_string(f, "format");
    RC_CHECK_GOTO(format && strcmp(format, RC_ARCHIVE_FORMAT) == 0, err, RC_ERR_INPUT,
                  "%s: not an rnnchaos archive", path);
    info->program_version = rc_ar_attr_read_string(f, "program_version");
    info->git_commit = rc_ar_attr_read_string(f, "git_commit");
    info->created = rc_ar_attr_read_string(f, "created");
    info->command_line = rc_ar_attr_read_string(f, "command_line");
    info->hosts = rc_ar_attr_read_string(f, "hosts");
    info->job_file = rc_ar_attr_read_string(f, "job_file");
    info->job_text = rc_ar_attr_read_string(f, "job_text");
    info->job_sha256 = rc_ar_attr_read_string(f, "job_sha256");
    char *rows = rc_ar_run_log_read(f);
    if (rows) {
        info->run_log = calloc(RUN_LOG_ROWS, RUN_LOG_LEN + 1);
        for (int r = 0; info->run_log && r < RUN_LOG_ROWS; ++r) {
            const char *row = rows + (size_t)r * RUN_LOG_LEN;
            if (!row[0]) continue;
            strcat(info->run_log, row);
            strcat(info->run_log, "\n");
            info->runs++;
        }
        free(rows);
    }
    rc_ar_attr_read_int64(f, "mpi_size", &info->mpi_size);
    rc_ar_attr_read_int64(f, "n_tasks", &info->n_tasks);
    int64_t complete = 0;
    RC_CHECK_GOTO(rc_ar_attr_read_int64(f, "layout_complete", &complete) == 0 && complete == 1, err,
                  RC_ERR_INPUT, "%s: the archive was cut off while it was being created", path);
    kinds = rc_ar_attr_read_string(f, "kinds");
    RC_CHECK_GOTO(kinds, err, RC_ERR_INPUT, "%s: no attribute 'kinds'", path);
    int n_names = 1;
    for (const char *c = kinds; *c; ++c) n_names += *c == ',';
    info->kinds = rc_calloc((size_t)n_names, sizeof(rc_archive_kind_info), "kinds", err);
    FAILED_GOTO(!(info->kinds), RC_ERR_NOMEM);
    for (char *tok = strtok(kinds, ","); tok; tok = strtok(NULL, ",")) {
        if (H5Lexists(f, tok, H5P_DEFAULT) <= 0) continue;
        g = H5Gopen2(f, tok, H5P_DEFAULT);
        H5_TRY(g, tok);
        rc_archive_kind_info *ki = &info->kinds[info->n_kinds++];
        snprintf(ki->kind, sizeof ki->kind, "%s", tok);
        rc_ar_attr_read_int64(g, "n_tasks", &ki->n_tasks);
        rc_ar_attr_read_int64(g, "first_task", &ki->first_task);
        int nd;
        int64_t dims[3];
        RC_GOTO(read_dataset(g, "status", H5T_NATIVE_INT8, 1, (void **)&status, &nd, dims, err));
        RC_GOTO(read_dataset(g, "task_id", H5T_NATIVE_INT64, 8, (void **)&ids, &nd, dims, err));
        hid_t rt = H5Tcopy(H5T_C_S1);
        H5Tset_size(rt, RC_ARCHIVE_REASON_LEN);
        st = read_dataset(g, "reason", rt, RC_ARCHIVE_REASON_LEN, (void **)&reasons, &nd, dims, err);
        H5Tclose(rt);
        RC_GOTO(st);
        int64_t nf = 0;
        for (int64_t i = 0; i < ki->n_tasks; ++i) {
            ki->done += status[i] == RC_TASK_DONE;
            ki->failed += status[i] == RC_TASK_FAILED;
            ki->pending += status[i] == RC_TASK_PENDING;
            nf += status[i] == RC_TASK_FAILED;
        }
        if (nf) {
            rc_archive_failure *fl = realloc(info->failures, (size_t)(info->n_failures + nf) *
                                                                 sizeof *fl);
            RC_CHECK_GOTO(fl, err, RC_ERR_NOMEM, "out of memory");
            info->failures = fl;
            for (int64_t i = 0; i < ki->n_tasks; ++i) {
                if (status[i] != RC_TASK_FAILED) continue;
                rc_archive_failure *x = &info->failures[info->n_failures++];
                x->task = ids[i];
                snprintf(x->kind, sizeof x->kind, "%s", tok);
                memcpy(x->reason, reasons + (size_t)i * RC_ARCHIVE_REASON_LEN, RC_ARCHIVE_REASON_LEN);
                x->reason[RC_ARCHIVE_REASON_LEN - 1] = '\0';
            }
        }
        info->done += ki->done;
        info->failed += ki->failed;
        info->pending += ki->pending;
        free(status);
        free(ids);
        free(reasons);
        status = NULL;
        ids = NULL;
        reasons = NULL;
        H5Gclose(g);
        g = -1;
    }
cleanup:
    if (g >= 0) H5Gclose(g);
    free(status);
    free(ids);
    free(reasons);
    free(format);
    free(kinds);
    H5Fclose(f);
    if (st != RC_OK) rc_archive_info_free(info);
    return st;
}

rc_status rc_archive_read_strings(const char *path, const char *dataset, char **data, int64_t *n,
                                  size_t *width, rc_error *err)
{
    *data = NULL;
    *n = 0;
    *width = 0;
    hid_t f = open_read(path, err);
    if (f < 0) return RC_ERR_INPUT;
    rc_status st = RC_OK;
    hid_t d = -1, ft = -1, mt = -1, sp = -1;
    char **vl = NULL;
    RC_CHECK_GOTO(H5Lexists(f, dataset, H5P_DEFAULT) > 0, err, RC_ERR_INPUT,
                  "%s: no dataset '%s'", path, dataset);
    d = H5Dopen2(f, dataset, H5P_DEFAULT);
    H5_TRY(d, dataset);
    ft = H5Dget_type(d);
    sp = H5Dget_space(d);
    H5_TRY(ft, dataset);
    H5_TRY(sp, dataset);
    RC_CHECK_GOTO(H5Tget_class(ft) == H5T_STRING && H5Sget_simple_extent_ndims(sp) == 1, err,
                  RC_ERR_INPUT, "%s: '%s' is not a list of strings", path, dataset);
    hsize_t cnt = 0;
    H5_TRY(H5Sget_simple_extent_dims(sp, &cnt, NULL), dataset);
    if (H5Tis_variable_str(ft) > 0) {
        vl = rc_calloc((size_t)cnt + 1, sizeof(char *), dataset, err);
        FAILED_GOTO(!vl, RC_ERR_NOMEM);
        mt = H5Tcopy(ft);
        H5_TRY(mt, dataset);
        H5_TRY(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl), dataset);
        size_t w = 1;
        for (hsize_t i = 0; i < cnt; ++i)
            if (vl[i] && strlen(vl[i]) + 1 > w) w = strlen(vl[i]) + 1;
        *data = rc_calloc((size_t)cnt + 1, w, dataset, err);
        if (*data)
            for (hsize_t i = 0; i < cnt; ++i)
                if (vl[i]) memcpy(*data + i * w, vl[i], strlen(vl[i]));
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
        FAILED_GOTO(!*data, RC_ERR_NOMEM);
        *width = w;
    } else {
        const size_t w = H5Tget_size(ft) + 1;
        mt = H5Tcopy(H5T_C_S1);
        H5_TRY(mt, dataset);
        H5_TRY(H5Tset_size(mt, w), dataset);
        H5_TRY(H5Tset_strpad(mt, H5T_STR_NULLTERM), dataset);
        *data = rc_calloc((size_t)cnt + 1, w, dataset, err);
        FAILED_GOTO(!*data, RC_ERR_NOMEM);
        H5_TRY(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data), dataset);
        *width = w;
    }
    *n = (int64_t)cnt;
cleanup:
    free(vl);
    if (st != RC_OK) {
        free(*data);
        *data = NULL;
    }
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    H5Fclose(f);
    return st;
}

int rc_archive_has(const char *path, const char *object)
{
    rc_error err;
    hid_t f = open_read(path, &err);
    if (f < 0) return 0;
    /* every component must exist for H5Lexists on the whole path */
    char buf[RC_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", object);
    int ok = 1;
    for (char *p = buf; ok; ++p) {
        if (*p == '/' || *p == '\0') {
            const char c = *p;
            *p = '\0';
            if (buf[0]) ok = H5Lexists(f, buf, H5P_DEFAULT) > 0;
            *p = c;
            if (c == '\0') break;
        }
    }
    H5Fclose(f);
    return ok;
}
