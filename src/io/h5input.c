#include "rnnchaos/h5input.h"

#include <hdf5.h>
#include <stdlib.h>
#include <unistd.h>

#include "rnnchaos/parse.h"

/* HDF5 prints its own error stack by default; our messages say what went wrong instead. */
static void quiet_hdf5(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static rc_status read_dataset(const char *spec, const char *what, int want_rank, double **data,
                              hsize_t dims[2], int *rank_out, rc_error *err)
{
    char file[RC_PATH_MAX], dset[RC_PATH_MAX];
    RC_TRY(rc_split_h5_spec(spec, what, file, sizeof file, dset, sizeof dset, err));
    quiet_hdf5();
    RC_CHECK(access(file, R_OK) == 0, err, RC_ERR_INPUT, "%s: cannot read file '%s'", what, file);
    rc_status st = RC_OK;
    hid_t f = -1, d = -1, s = -1;
    *data = NULL;
    f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    RC_CHECK_GOTO(f >= 0, err, RC_ERR_INPUT, "%s: '%s' is not a readable HDF5 file", what, file);
    RC_CHECK_GOTO(H5Lexists(f, dset, H5P_DEFAULT) > 0, err, RC_ERR_INPUT,
                  "%s: file '%s' has no dataset '%s'", what, file, dset);
    d = H5Dopen2(f, dset, H5P_DEFAULT);
    RC_CHECK_GOTO(d >= 0, err, RC_ERR_INPUT, "%s: cannot open dataset '%s' in '%s'", what, dset, file);
    s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(s);
    RC_CHECK_GOTO(rank >= 1 && rank <= want_rank, err, RC_ERR_INPUT,
                  "%s: dataset '%s' has rank %d, expected %s", what, dset, rank,
                  want_rank == 2 ? "a 2-D matrix" : "a 1-D vector");
    dims[0] = dims[1] = 1;
    H5Sget_simple_extent_dims(s, dims, NULL);
    *rank_out = rank;
    size_t count = (size_t)dims[0] * (rank == 2 ? (size_t)dims[1] : 1);
    RC_CHECK_GOTO(count > 0, err, RC_ERR_INPUT, "%s: dataset '%s' is empty", what, dset);
    *data = rc_calloc(count, sizeof(double), what, err);
    RC_ALLOC_GOTO(*data);
    RC_CHECK_GOTO(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data) >= 0, err,
                  RC_ERR_INPUT, "%s: cannot read dataset '%s' as doubles", what, dset);
cleanup:
    if (s >= 0) H5Sclose(s);
    if (d >= 0) H5Dclose(d);
    if (f >= 0) H5Fclose(f);
    if (st != RC_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

rc_status rc_h5_read_matrix(const char *spec, const char *what, int require_square,
                            double **data, int64_t *rows, int64_t *cols, rc_error *err)
{
    hsize_t dims[2];
    int rank;
    RC_TRY(read_dataset(spec, what, 2, data, dims, &rank, err));
    if (rank != 2 || (require_square && dims[0] != dims[1])) {
        free(*data);
        *data = NULL;
        return rc_fail(err, RC_ERR_INPUT, "%s: dataset is %llu x %llu, expected a square N x N "
                       "matrix", what, (unsigned long long)dims[0],
                       (unsigned long long)(rank == 2 ? dims[1] : 1));
    }
    *rows = (int64_t)dims[0];
    *cols = (int64_t)dims[1];
    return RC_OK;
}

rc_status rc_h5_read_vector(const char *spec, const char *what, double **data, int64_t *n,
                            rc_error *err)
{
    hsize_t dims[2];
    int rank;
    RC_TRY(read_dataset(spec, what, 2, data, dims, &rank, err));
    if (rank == 2 && dims[0] != 1 && dims[1] != 1) {
        free(*data);
        *data = NULL;
        return rc_fail(err, RC_ERR_INPUT, "%s: dataset is %llu x %llu, expected a vector", what,
                       (unsigned long long)dims[0], (unsigned long long)dims[1]);
    }
    *n = (int64_t)(dims[0] * (rank == 2 ? dims[1] : 1));
    return RC_OK;
}

rc_status rc_h5_write_matrix(const char *file, const char *dataset, const double *data,
                             int64_t rows, int64_t cols, rc_error *err)
{
    quiet_hdf5();
    rc_status st = RC_OK;
    hid_t f = -1, s = -1, d = -1;
    f = H5Fcreate(file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    RC_CHECK_GOTO(f >= 0, err, RC_ERR_IO, "cannot create HDF5 file '%s'", file);
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    s = H5Screate_simple(2, dims, NULL);
    d = H5Dcreate2(f, dataset, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    RC_CHECK_GOTO(s >= 0 && d >= 0, err, RC_ERR_IO, "cannot create dataset '%s' in '%s'", dataset, file);
    RC_CHECK_GOTO(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, err,
                  RC_ERR_IO, "cannot write dataset '%s' in '%s'", dataset, file);
cleanup:
    if (d >= 0) H5Dclose(d);
    if (s >= 0) H5Sclose(s);
    if (f >= 0 && H5Fclose(f) < 0 && st == RC_OK)
        st = rc_fail(err, RC_ERR_IO, "cannot close '%s'", file);
    return st;
}
