/* Columns: one row describes one parameter of a task (its name, type, field and meaning) once,
 * for the archive's tables, `info`, JSON and summaries alike.  Shared by every layer that
 * describes parameters (models, task kinds). */
#ifndef RNNCHAOS_COLUMNS_H
#define RNNCHAOS_COLUMNS_H

#include <stddef.h>

typedef enum {
    RC_COL_F64,  /* double */
    RC_COL_I64,  /* int64 */
    RC_COL_U64,  /* uint64 (seeds) */
    RC_COL_INT,  /* C int (flags, counts), stored as int32 */
    RC_COL_PHI,  /* rc_phi_kind, stored as its name (fixed-length string) */
    RC_COL_STR,  /* results only (ndim 0): a short text, stored as a fixed-length string of
                    RC_RESULT_STR_LEN bytes (e.g. a status name or why a value is NaN) */
} rc_col_type;

#define RC_RESULT_STR_LEN 256

/* One parameter of a task: a field of the kind's parameter struct. */
typedef struct {
    const char *name;
    rc_col_type type;
    size_t offset;
    const char *doc;
} rc_param_column;

#endif
