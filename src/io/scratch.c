/* Row stores (scratch.h): memory or a chunked HDF5 scratch file. */
#include "rnnchaos/scratch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

double rc_rowstore_bytes(int64_t n_rows, int64_t row_len)
{
    return 8.0 * (double)n_rows * (double)row_len;
}

rc_status rc_rowstore_open(rc_rowstore *s, int64_t n_rows, int64_t row_len, double memory_budget,
                           const char *dir, rc_error *err)
{
    static int serial;
    memset(s, 0, sizeof *s);
    s->n_rows = n_rows;
    s->row_len = row_len;
    s->file = s->dset = -1;
    if (rc_rowstore_bytes(n_rows, row_len) <= memory_budget) {
        s->mem = rc_calloc((size_t)(n_rows * row_len), sizeof(double), "row store", err);
        return s->mem ? RC_OK : RC_ERR_NOMEM;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* failures are statuses, nothing printed */
    snprintf(s->path, sizeof s->path, "%s%srnnchaos-scratch-%ld-%d.h5", dir ? dir : "",
             dir && dir[0] ? "/" : "", (long)getpid(), serial++);
    s->file = H5Fcreate(s->path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (s->file < 0) {
        s->path[0] = '\0';
        return rc_fail(err, RC_ERR_IO, "cannot create the scratch file %s%srnnchaos-scratch-*.h5 "
                       "(%.3g GB that do not fit in memory)", dir ? dir : "", dir && dir[0] ? "/" : "",
                       rc_rowstore_bytes(n_rows, row_len) / 1e9);
    }
    /* chunks of whole rows, about 1 MiB: a reverse read touches each chunk once */
    hsize_t dims[2] = {(hsize_t)n_rows, (hsize_t)row_len};
    hsize_t rows_per_chunk = (hsize_t)(131072 / (row_len > 0 ? row_len : 1));
    if (rows_per_chunk < 1) rows_per_chunk = 1;
    if (rows_per_chunk > dims[0]) rows_per_chunk = dims[0];
    hsize_t chunk[2] = {rows_per_chunk, dims[1]};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    s->dset = H5Dcreate2(s->file, "rows", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (s->dset < 0) {
        rc_rowstore_close(s);
        return rc_fail(err, RC_ERR_IO, "cannot create the scratch dataset (%.3g GB): disk full?",
                       rc_rowstore_bytes(n_rows, row_len) / 1e9);
    }
    return RC_OK;
}

static rc_status row_io(rc_rowstore *s, int64_t row, double *x, int write, rc_error *err)
{
    RC_CHECK(row >= 0 && row < s->n_rows, err, RC_ERR_INTERNAL, "row store: row %lld of %lld",
             (long long)row, (long long)s->n_rows);
    if (s->mem) {
        double *r = s->mem + row * s->row_len;
        if (write)
            memcpy(r, x, sizeof(double) * (size_t)s->row_len);
        else
            memcpy(x, r, sizeof(double) * (size_t)s->row_len);
        return RC_OK;
    }
    hsize_t start[2] = {(hsize_t)row, 0}, count[2] = {1, (hsize_t)s->row_len};
    hid_t fspace = H5Dget_space(s->dset);
    hid_t mspace = H5Screate_simple(2, count, NULL);
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    const herr_t h = write ? H5Dwrite(s->dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, x)
                           : H5Dread(s->dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, x);
    H5Sclose(mspace);
    H5Sclose(fspace);
    RC_CHECK(h >= 0, err, RC_ERR_IO, "scratch file %s: %s of row %lld failed (disk full?)",
             s->path, write ? "write" : "read", (long long)row);
    return RC_OK;
}

rc_status rc_rowstore_put(rc_rowstore *s, int64_t row, const double *x, rc_error *err)
{
    return row_io(s, row, (double *)x, 1, err);
}

rc_status rc_rowstore_get(rc_rowstore *s, int64_t row, double *x, rc_error *err)
{
    return row_io(s, row, x, 0, err);
}

void rc_rowstore_close(rc_rowstore *s)
{
    free(s->mem);
    s->mem = NULL;
    if (s->dset >= 0) H5Dclose((hid_t)s->dset);
    if (s->file >= 0) H5Fclose((hid_t)s->file);
    s->dset = s->file = -1;
    if (s->path[0]) remove(s->path);
    s->path[0] = '\0';
}
