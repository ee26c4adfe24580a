/* HDF5 helpers of the archive (archive_internal.h): the early allocated contiguous datasets that
 * allow raw-data-only writes, string and integer attributes, row writes, the run log's rows. */
#include "archive_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hid_t rc_ar_col_h5_type(rc_col_type t)
{
    switch (t) {
    case RC_COL_F64: return H5T_NATIVE_DOUBLE;
    case RC_COL_I64: return H5T_NATIVE_INT64;
    case RC_COL_U64: return H5T_NATIVE_UINT64;
    case RC_COL_INT: return H5T_NATIVE_INT;
    case RC_COL_PHI: return H5T_NATIVE_INT; /* converted to a string by the caller */
    case RC_COL_STR: return H5T_NATIVE_INT; /* results only, written with the text type */
    }
    return H5T_NATIVE_DOUBLE;
}

/* Contiguous, allocated now, filled with *fill: the layout that allows raw-data-only writes. */
hid_t rc_ar_make_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                         const void *fill, const char *doc, rc_error *err)
{
    hid_t space = -1, dcpl = -1, d = -1;
    rc_status st = RC_OK;
    space = H5Screate_simple(rank, dims, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5_TRY(space, "H5Screate_simple");
    H5_TRY(dcpl, "H5Pcreate");
    H5_TRY(H5Pset_layout(dcpl, H5D_CONTIGUOUS), "H5Pset_layout");
    H5_TRY(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
    if (fill) {
        H5_TRY(H5Pset_fill_value(dcpl, type, fill), "H5Pset_fill_value");
        H5_TRY(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "H5Pset_fill_time");
    }
    d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) {
        st = rc_fail(err, RC_ERR_IO, "HDF5: creating dataset '%s' failed", name);
        goto cleanup;
    }
    if (doc) {
        hid_t st_t = H5Tcopy(H5T_C_S1), as = H5Screate(H5S_SCALAR), a = -1;
        if (st_t >= 0 && as >= 0 && H5Tset_size(st_t, H5T_VARIABLE) >= 0)
            a = H5Acreate2(d, "description", st_t, as, H5P_DEFAULT, H5P_DEFAULT);
        herr_t w = a >= 0 ? H5Awrite(a, st_t, &doc) : -1;
        if (a >= 0) H5Aclose(a);
        if (as >= 0) H5Sclose(as);
        if (st_t >= 0) H5Tclose(st_t);
        if (w < 0) {
            st = rc_fail(err, RC_ERR_IO, "HDF5: describing dataset '%s' failed", name);
            goto cleanup;
        }
    }
cleanup:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    if (st != RC_OK && d >= 0) {
        H5Dclose(d);
        d = -1;
    }
    return d;
}

rc_status rc_ar_attr_write_string(hid_t loc, const char *name, const char *value, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), a = -1;
    H5_TRY(t, "H5Tcopy");
    H5_TRY(s, "H5Screate");
    H5_TRY(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
    H5_TRY(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
    htri_t exists = H5Aexists(loc, name);
    H5_TRY(exists, "H5Aexists");
    a = exists ? H5Aopen(loc, name, H5P_DEFAULT) : H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5_TRY(a, name);
    const char *v = value ? value : "";
    H5_TRY(H5Awrite(a, t, &v), name);
cleanup:
    if (a >= 0) H5Aclose(a);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    return st;
}

rc_status rc_ar_attr_write_int64(hid_t loc, const char *name, int64_t value, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t s = H5Screate(H5S_SCALAR), a = -1;
    H5_TRY(s, "H5Screate");
    htri_t exists = H5Aexists(loc, name);
    H5_TRY(exists, "H5Aexists");
    a = exists ? H5Aopen(loc, name, H5P_DEFAULT)
               : H5Acreate2(loc, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5_TRY(a, name);
    H5_TRY(H5Awrite(a, H5T_NATIVE_INT64, &value), name);
cleanup:
    if (a >= 0) H5Aclose(a);
    if (s >= 0) H5Sclose(s);
    return st;
}

/* A string attribute (variable or fixed length) as a malloc'ed C string; NULL if absent. */
char *rc_ar_attr_read_string(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0) return NULL;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    hid_t ft = H5Aget_type(a);
    char *out = NULL;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t mt = H5Tcopy(ft); /* same character set: HDF5 does not convert ASCII/UTF-8 */
            char *v = NULL;
            if (mt >= 0 && H5Aread(a, mt, &v) >= 0 && v) {
                out = strdup(v);
                H5free_memory(v);
            }
            if (mt >= 0) H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(ft);
            out = calloc(n + 1, 1);
            if (out && H5Aread(a, ft, out) < 0) {
                free(out);
                out = NULL;
            }
        }
    }
    if (ft >= 0) H5Tclose(ft);
    H5Aclose(a);
    return out;
}

int rc_ar_attr_read_int64(hid_t loc, const char *name, int64_t *v)
{
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Aread(a, H5T_NATIVE_INT64, v);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/* Write count elements of a 1-D dataset starting at offset (independent). */
rc_status rc_ar_write_1d(hid_t d, hid_t memtype, int64_t offset, int64_t count, const void *buf,
                         const char *what, rc_error *err)
{
    rc_status st = RC_OK;
    hsize_t start = (hsize_t)offset, cnt = (hsize_t)count;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
    H5_TRY(fs, what);
    H5_TRY(ms, what);
    H5_TRY(H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL), what);
    H5_TRY(H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, buf), what);
cleanup:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return st;
}

/* Write the block [row, 0:d0, 0:d1] (rank 3) or [row, 0:d1] (rank 2) of an array result. */
rc_status rc_ar_write_row_block(hid_t d, int ndim, int64_t row, int64_t d0, int64_t d1,
                                const double *buf, const char *what, rc_error *err)
{
    rc_status st = RC_OK;
    hsize_t start[3] = {(hsize_t)row, 0, 0}, cnt[3];
    int rank = ndim + 1;
    cnt[0] = 1;
    if (ndim == 1) {
        cnt[1] = (hsize_t)d1;
    } else {
        cnt[1] = (hsize_t)d0;
        cnt[2] = (hsize_t)d1;
    }
    hsize_t total = (hsize_t)(d0 * d1);
    if (total == 0) return RC_OK;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &total, NULL);
    H5_TRY(fs, what);
    H5_TRY(ms, what);
    H5_TRY(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL), what);
    (void)rank;
    H5_TRY(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf), what);
cleanup:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return st;
}

void rc_ar_silence_hdf5(void)
{
    /* Errors reach the user through rc_error with a message naming the file; HDF5's own stack
     * dump on stderr would only repeat it in library terms. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

hid_t rc_ar_run_log_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, RUN_LOG_LEN) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Rows of the run log as one malloc'ed block (RUN_LOG_ROWS x RUN_LOG_LEN); NULL on failure. */
char *rc_ar_run_log_read(hid_t file)
{
    hid_t t = rc_ar_run_log_type(), d = t >= 0 ? H5Dopen2(file, "run_log", H5P_DEFAULT) : -1;
    char *rows = d >= 0 ? calloc(RUN_LOG_ROWS, RUN_LOG_LEN) : NULL;
    if (rows && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) {
        free(rows);
        rows = NULL;
    }
    if (d >= 0) H5Dclose(d);
    if (t >= 0) H5Tclose(t);
    if (rows)
        for (int r = 0; r < RUN_LOG_ROWS; ++r) rows[(size_t)r * RUN_LOG_LEN + RUN_LOG_LEN - 1] = 0;
    return rows;
}
