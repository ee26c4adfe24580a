/* The memory check of the serial commands (spectrum, gcrit, coherence without a grid): the
 * estimate the task kind uses for `run` and --dry-run, against what one process may use,
 * before anything large is allocated (issue 18: N = 12000 under a 2.5 GB limit ran 11 s,
 * then failed with "nomem"). */
#ifndef RNNCHAOS_MEMCHECK_H
#define RNNCHAOS_MEMCHECK_H

#include <stdint.h>

#include "rnnchaos/error.h"

/* RC_ERR_NOMEM (exit 1) naming N, the need, the limit and hint (what to do) when need_bytes
 * exceeds limit (> 0: the command's --mem-per-rank, named in the message) or, with
 * limit <= 0, what rc_memory_per_rank says one process may use; RC_OK when it fits or the
 * limit is unknown. */
rc_status rc_cli_check_memory(int64_t N, double need_bytes, double limit, const char *hint,
                              rc_error *err);

/* need_bytes of a task of the named kind ("gcrit", "coherence") from the kind's own estimate;
 * task points at the kind's task struct (rc_gcrit_task, rc_coherence_task).  0 if unknown. */
double rc_cli_kind_bytes(const char *kind, const void *task);

#endif
