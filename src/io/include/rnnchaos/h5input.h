/* Reading user-supplied arrays (--connectivity, --h0) from HDF5 files.  Serial, one rank. */
#ifndef RNNCHAOS_H5INPUT_H
#define RNNCHAOS_H5INPUT_H

#include <stdint.h>

#include "rnnchaos/error.h"

/* Read the 2-D double dataset of spec "FILE.h5:/DATASET" (what names the option in messages).
 * Fails with RC_ERR_INPUT if the file or dataset is missing, not 2-D, or not square when
 * require_square.  *data is malloc'ed row-major rows x cols; free() it. */
rc_status rc_h5_read_matrix(const char *spec, const char *what, int require_square,
                            double **data, int64_t *rows, int64_t *cols, rc_error *err);

/* Read a 1-D dataset (or a 2-D one with a unit dimension) of doubles. */
rc_status rc_h5_read_vector(const char *spec, const char *what, double **data, int64_t *n,
                            rc_error *err);

/* Write a 2-D row-major double matrix into a new file (tests and tools). */
rc_status rc_h5_write_matrix(const char *file, const char *dataset, const double *data,
                             int64_t rows, int64_t cols, rc_error *err);

#endif
