/* Post-processing writes (archive.h): the one way objects are added to an archive after its
 * creation (rnnchaos summarize), under an exclusive lock that keeps a running job out. */
/* flock(2) is BSD, not POSIX: the run and summarize use it to keep each other out. */
#define _DEFAULT_SOURCE 1

#include "archive_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct rc_archive_edit {
    hid_t file;
    int lock_fd; /* exclusive flock held while editing (see hold_run_lock) */
    char path[RC_PATH_MAX];
};

rc_status rc_archive_edit_open(const char *path, rc_archive_edit **out, rc_error *err)
{
    rc_ar_silence_hdf5();
    *out = NULL;
    rc_archive_info info;
    RC_TRY(rc_archive_info_read(path, &info, err)); /* a complete rnnchaos archive */
    rc_archive_info_free(&info);
    rc_archive_edit *ed = rc_calloc(1, sizeof *ed, "archive editor", err);
    if (!ed) return RC_ERR_NOMEM;
    snprintf(ed->path, sizeof ed->path, "%s", path);
    /* Our own exclusive lock, whatever HDF5_USE_FILE_LOCKING says: a running job (which holds
     * a shared one) or another editor makes this fail instead of corrupting the file. */
    ed->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ed->lock_fd < 0) {
        free(ed);
        return rc_fail(err, RC_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    if (flock(ed->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        close(ed->lock_fd);
        free(ed);
        if (e == EWOULDBLOCK)
            return rc_fail(err, RC_ERR_INPUT, "%s: a run (or another summarize) has the archive "
                           "open: summarize after it has finished, or use --no-write", path);
        return rc_fail(err, RC_ERR_INPUT, "%s: cannot lock the archive: %s", path, strerror(e));
    }
    /* HDF5's own flock would conflict with ours (flock locks belong to open files, not
     * processes): ours is the lock. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
    ed->file = fapl >= 0 ? H5Fopen(path, H5F_ACC_RDWR, fapl) : -1;
    if (fapl >= 0) H5Pclose(fapl);
    if (ed->file < 0) {
        close(ed->lock_fd);
        free(ed);
        return rc_fail(err, RC_ERR_INPUT, "%s: cannot open for writing (read-only?)", path);
    }
    *out = ed;
    return RC_OK;
}

rc_status rc_archive_edit_remove(rc_archive_edit *ed, const char *object, rc_error *err)
{
    if (H5Lexists(ed->file, object, H5P_DEFAULT) <= 0) return RC_OK;
    RC_CHECK(H5Ldelete(ed->file, object, H5P_DEFAULT) >= 0, err, RC_ERR_IO,
             "%s: HDF5: removing /%s failed", ed->path, object);
    return RC_OK;
}

/* A new dataset with intermediate groups, written in one go. */
static rc_status edit_put(rc_archive_edit *ed, const char *name, hid_t ftype, hid_t mtype,
                          int rank, const hsize_t *dims, const void *data, const char *doc,
                          rc_error *err)
{
    rc_status st = RC_OK;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp = -1, d = -1;
    H5_TRY(lcpl, "H5Pcreate");
    H5_TRY(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group");
    sp = H5Screate_simple(rank, dims, NULL);
    H5_TRY(sp, "H5Screate_simple");
    d = H5Dcreate2(ed->file, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    RC_CHECK_GOTO(d >= 0, err, RC_ERR_IO, "%s: HDF5: creating /%s failed", ed->path, name);
    hsize_t total = 1;
    for (int j = 0; j < rank; ++j) total *= dims[j];
    if (total > 0)
        RC_CHECK_GOTO(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, err,
                      RC_ERR_IO, "%s: HDF5: writing /%s failed", ed->path, name);
    if (doc) RC_GOTO(rc_ar_attr_write_string(d, "description", doc, err));
cleanup:
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    if (lcpl >= 0) H5Pclose(lcpl);
    return st;
}

rc_status rc_archive_edit_put_doubles(rc_archive_edit *ed, const char *name, int ndim,
                                      const int64_t *dims, const double *data, const char *doc,
                                      rc_error *err)
{
    RC_CHECK(ndim == 1 || ndim == 2, err, RC_ERR_INTERNAL, "/%s: rank %d", name, ndim);
    hsize_t hd[2] = {(hsize_t)dims[0], ndim == 2 ? (hsize_t)dims[1] : 1};
    return edit_put(ed, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ndim, hd, data, doc, err);
}

rc_status rc_archive_edit_put_int64(rc_archive_edit *ed, const char *name, int64_t n,
                                    const int64_t *data, const char *doc, rc_error *err)
{
    hsize_t hd[1] = {(hsize_t)n};
    return edit_put(ed, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, hd, data, doc, err);
}

rc_status rc_archive_edit_put_strings(rc_archive_edit *ed, const char *name, int64_t n,
                                      const char *const *data, const char *doc, rc_error *err)
{
    size_t w = 2;
    for (int64_t i = 0; i < n; ++i)
        if (data[i] && strlen(data[i]) + 1 > w) w = strlen(data[i]) + 1;
    char *buf = rc_calloc((size_t)(n > 0 ? n : 1), w, name, err);
    if (!buf) return RC_ERR_NOMEM;
    for (int64_t i = 0; i < n; ++i)
        if (data[i]) memcpy(buf + (size_t)i * w, data[i], strlen(data[i]));
    rc_status st = RC_OK;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5_TRY(t, "H5Tcopy");
    H5_TRY(H5Tset_size(t, w), "H5Tset_size");
    H5_TRY(H5Tset_strpad(t, H5T_STR_NULLTERM), "H5Tset_strpad");
    hsize_t hd[1] = {(hsize_t)n};
    st = edit_put(ed, name, t, t, 1, hd, buf, doc, err);
cleanup:
    if (t >= 0) H5Tclose(t);
    free(buf);
    return st;
}

rc_status rc_archive_edit_put_attr(rc_archive_edit *ed, const char *object, const char *name,
                                   const char *value, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t o = H5Oopen(ed->file, object, H5P_DEFAULT);
    RC_CHECK(o >= 0, err, RC_ERR_IO, "%s: HDF5: no object /%s", ed->path, object);
    st = rc_ar_attr_write_string(o, name, value, err);
    H5Oclose(o);
    return st;
}

rc_status rc_archive_edit_close(rc_archive_edit *ed, rc_error *err)
{
    if (!ed) return RC_OK;
    herr_t a = H5Fflush(ed->file, H5F_SCOPE_GLOBAL), b = H5Fclose(ed->file);
    char path[RC_PATH_MAX];
    snprintf(path, sizeof path, "%s", ed->path);
    close(ed->lock_fd);
    free(ed);
    RC_CHECK(a >= 0 && b >= 0, err, RC_ERR_IO, "%s: HDF5: closing after the summary failed", path);
    return RC_OK;
}
