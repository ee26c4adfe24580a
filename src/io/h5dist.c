#include "rnnchaos/h5dist.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rnnchaos/par.h"
#include "rnnchaos/parse.h"

/* An open dataset; every HDF5 call here is made by every rank in the same order (collective
 * metadata), and every failure is one all ranks see alike (same file, same arguments). */
typedef struct {
    hid_t fapl, file, dset, space;
} h5d;

static void h5d_close(h5d *h)
{
    if (h->space >= 0) H5Sclose(h->space);
    if (h->dset >= 0) H5Dclose(h->dset);
    if (h->file >= 0) H5Fclose(h->file);
    if (h->fapl >= 0) H5Pclose(h->fapl);
    h->fapl = h->file = h->dset = h->space = -1;
}

static rc_status h5d_open(MPI_Comm comm, const char *spec, const char *what, h5d *h,
                          hsize_t dims[2], rc_error *err)
{
    char file[RC_PATH_MAX], dset[RC_PATH_MAX];
    h->fapl = h->file = h->dset = h->space = -1;
    RC_TRY(rc_split_h5_spec(spec, what, file, sizeof file, dset, sizeof dset, err));
    /* HDF5 prints its own error stack by default; our messages say what went wrong instead */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* access() first: a missing file must not reach the collective open with some ranks only */
    rc_status st = access(file, R_OK) == 0
                       ? RC_OK
                       : rc_fail(err, RC_ERR_INPUT, "%s: cannot read file '%s'", what, file);
    RC_TRY(rc_dist_agree(comm, st, err));
    h->fapl = H5Pcreate(H5P_FILE_ACCESS);
    RC_CHECK_GOTO(h->fapl >= 0 && H5Pset_fapl_mpio(h->fapl, comm, MPI_INFO_NULL) >= 0, err,
                  RC_ERR_IO, "%s: cannot set up MPI-IO access to '%s'", what, file);
    h->file = H5Fopen(file, H5F_ACC_RDONLY, h->fapl);
    RC_CHECK_GOTO(h->file >= 0, err, RC_ERR_INPUT, "%s: '%s' is not a readable HDF5 file", what,
                  file);
    RC_CHECK_GOTO(H5Lexists(h->file, dset, H5P_DEFAULT) > 0, err, RC_ERR_INPUT,
                  "%s: file '%s' has no dataset '%s'", what, file, dset);
    h->dset = H5Dopen2(h->file, dset, H5P_DEFAULT);
    RC_CHECK_GOTO(h->dset >= 0, err, RC_ERR_INPUT, "%s: cannot open dataset '%s' in '%s'", what,
                  dset, file);
    h->space = H5Dget_space(h->dset);
    RC_CHECK_GOTO(h->space >= 0, err, RC_ERR_INPUT, "%s: dataset '%s' has no dataspace", what, dset);
    const int rank = H5Sget_simple_extent_ndims(h->space);
    RC_CHECK_GOTO(rank == 2, err, RC_ERR_INPUT, "%s: dataset '%s' has rank %d, expected a 2-D matrix",
                  what, dset, rank);
    H5Sget_simple_extent_dims(h->space, dims, NULL);
    return RC_OK;
cleanup:
    h5d_close(h);
    return st;
}

rc_status rc_h5dist_matrix_dims(MPI_Comm comm, const char *spec, const char *what,
                                int64_t *rows, int64_t *cols, rc_error *err)
{
    h5d h;
    hsize_t dims[2];
    rc_status st = h5d_open(comm, spec, what, &h, dims, err);
    RC_TRY(rc_dist_agree(comm, st, err));
    *rows = (int64_t)dims[0];
    *cols = (int64_t)dims[1];
    h5d_close(&h);
    return RC_OK;
}

/* Number of blocks of size nb that process p of P owns out of nblocks (cyclic from 0). */
static int64_t owned_blocks(int64_t nblocks, int p, int P)
{
    return p < nblocks ? (nblocks - p + P - 1) / P : 0;
}

/* Select, in the file dataspace, the rows [r0, r0 + nr) crossed with this process column's
 * column blocks: the full blocks as one regular hyperslab, the short last block (if it is
 * ours) as a second.  Elements then come out in file (row-major) order, which is also the
 * order of the local columns, since local order is increasing global order. */
static herr_t select_row_slab(hid_t space, hsize_t r0, hsize_t nr, int64_t N, int nb, int Pc,
                              int mycol)
{
    const int64_t nblocks = (N + nb - 1) / nb;
    int64_t mine = owned_blocks(nblocks, mycol, Pc);
    const int last_short = N % nb != 0 && (nblocks - 1) % Pc == mycol;
    const int64_t full = mine - (last_short ? 1 : 0);
    if (nr == 0 || mine == 0) return H5Sselect_none(space);
    H5S_seloper_t op = H5S_SELECT_SET;
    if (full > 0) {
        hsize_t start[2] = {r0, (hsize_t)mycol * (hsize_t)nb};
        hsize_t stride[2] = {nr, (hsize_t)Pc * (hsize_t)nb};
        hsize_t count[2] = {1, (hsize_t)full};
        hsize_t block[2] = {nr, (hsize_t)nb};
        if (H5Sselect_hyperslab(space, op, start, stride, count, block) < 0) return -1;
        op = H5S_SELECT_OR;
    }
    if (last_short) {
        hsize_t start[2] = {r0, (hsize_t)((nblocks - 1) * nb)};
        hsize_t count[2] = {1, 1};
        hsize_t block[2] = {nr, (hsize_t)(N - (nblocks - 1) * nb)};
        if (H5Sselect_hyperslab(space, op, start, NULL, count, block) < 0) return -1;
    }
    return 0;
}

rc_status rc_h5dist_read_block_cyclic(MPI_Comm comm, const char *spec, const char *what,
                                      int64_t N, int nb, int Pr, int Pc, int myrow, int mycol,
                                      double *local, int64_t lld, rc_error *err)
{
    h5d h;
    hsize_t dims[2];
    rc_status st = h5d_open(comm, spec, what, &h, dims, err);
    RC_TRY(rc_dist_agree(comm, st, err));
    double *slab = NULL;
    hid_t mspace = -1, dxpl = -1;
    RC_CHECK_GOTO((int64_t)dims[0] == N && (int64_t)dims[1] == N, err, RC_ERR_INPUT,
                  "%s: dataset is %llu x %llu, expected a square N x N matrix with N = %lld",
                  what, (unsigned long long)dims[0], (unsigned long long)dims[1], (long long)N);

    const int64_t nblocks = (N + nb - 1) / nb;
    const int64_t lc = owned_blocks(nblocks, mycol, Pc) * nb -
                       ((N % nb != 0 && (nblocks - 1) % Pc == mycol) ? nb - N % nb : 0);
    /* One row block per collective read, the same number of reads on every rank (ranks that
     * run out of blocks read an empty selection): memory stays at nb x lc beyond J itself. */
    const int64_t my_row_blocks = owned_blocks(nblocks, myrow, Pr);
    const int64_t n_reads = owned_blocks(nblocks, 0, Pr);
    slab = rc_aligned_alloc((size_t)(nb * (lc > 0 ? lc : 1)), sizeof(double), "connectivity slab", err);
    st = slab ? RC_OK : RC_ERR_NOMEM;
    RC_GOTO(rc_dist_agree(comm, st, err));
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    RC_CHECK_GOTO(dxpl >= 0 && H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) >= 0, err, RC_ERR_IO,
                  "%s: cannot set up collective reads", what);
    int64_t bad_i = -1, bad_j = -1;
    for (int64_t b = 0; b < n_reads; ++b) {
        const int64_t gb = b * Pr + myrow;
        const int64_t r0 = gb * nb;
        const int64_t nr = (b < my_row_blocks) ? (r0 + nb <= N ? nb : N - r0) : 0;
        const hsize_t count = (hsize_t)(nr * lc);
        hsize_t mdim = count > 0 ? count : 1;
        mspace = H5Screate_simple(1, &mdim, NULL);
        st = (mspace >= 0 && (count > 0 || H5Sselect_none(mspace) >= 0) &&
              select_row_slab(h.space, (hsize_t)(nr > 0 ? r0 : 0), (hsize_t)nr, N, nb, Pc, mycol) >= 0)
                 ? RC_OK
                 : rc_fail(err, RC_ERR_IO, "%s: cannot select row block %lld", what, (long long)gb);
        /* every rank must reach the collective read, or none */
        RC_GOTO(rc_dist_agree(comm, st, err));
        st = H5Dread(h.dset, H5T_NATIVE_DOUBLE, mspace, h.space, dxpl, slab) >= 0
                 ? RC_OK
                 : rc_fail(err, RC_ERR_INPUT, "%s: cannot read row block %lld as doubles", what,
                           (long long)gb);
        RC_GOTO(rc_dist_agree(comm, st, err));
        H5Sclose(mspace);
        mspace = -1;
        /* row-major slab (nr x lc) -> column-major local rows b*nb .. b*nb + nr - 1 */
        for (int64_t r = 0; r < nr; ++r) {
            const double *src = slab + r * lc;
            double *dst = local + b * nb + r;
            for (int64_t c = 0; c < lc; ++c) {
                dst[c * lld] = src[c];
                if (!isfinite(src[c]) && bad_i < 0) {
                    bad_i = r0 + r;
                    const int64_t cb = c / nb;
                    bad_j = (cb * Pc + mycol) * nb + c % nb;
                }
            }
        }
    }
    if (bad_i >= 0)
        st = rc_fail(err, RC_ERR_INPUT, "%s: entry (%lld, %lld) is not finite", what,
                     (long long)bad_i, (long long)bad_j);
    st = rc_dist_agree(comm, st, err);
cleanup:
    if (mspace >= 0) H5Sclose(mspace);
    if (dxpl >= 0) H5Pclose(dxpl);
    h5d_close(&h);
    free(slab);
    return st;
}
