/* Parallel reading of a user-supplied N x N connectivity (--connectivity FILE.h5:/DATASET) onto
 * a block-cyclic process grid: every rank reads its own blocks by hyperslab through MPI-IO
 * (parallel HDF5, collective transfers); no rank ever holds the whole matrix.  The serial
 * reader is h5input.h. */
#ifndef RNNCHAOS_H5DIST_H
#define RNNCHAOS_H5DIST_H

#include <mpi.h>
#include <stdint.h>

#include "rnnchaos/error.h"

/* Collective over comm: the dimensions of the 2-D dataset of spec ("FILE.h5:/DATASET"; what
 * names the option in messages).  RC_ERR_INPUT, on every rank, if the file or dataset is
 * missing or not 2-D. */
rc_status rc_h5dist_matrix_dims(MPI_Comm comm, const char *spec, const char *what,
                                int64_t *rows, int64_t *cols, rc_error *err);

/* Collective over comm: process (myrow, mycol) of a Pr x Pc grid reads its block-cyclic part
 * (square nb x nb blocks, first block on process (0, 0)) of the N x N row-major dataset of
 * spec into local, column-major with leading dimension lld >= its local row count:
 * local[li + lj * lld] = A[i][j] for the li-th local row i and lj-th local column j.
 * RC_ERR_INPUT if the dataset is not N x N or an entry is not finite (message names the entry);
 * the status is agreed, so every rank returns the same. */
rc_status rc_h5dist_read_block_cyclic(MPI_Comm comm, const char *spec, const char *what,
                                      int64_t N, int nb, int Pr, int Pc, int myrow, int mycol,
                                      double *local, int64_t lld, rc_error *err);

#endif
