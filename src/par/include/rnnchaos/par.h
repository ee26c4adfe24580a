/* MPI helpers shared by every distributed computation: agreement on a status, the memory a
 * rank may use, and the shape of a process grid. */
#ifndef RNNCHAOS_PAR_H
#define RNNCHAOS_PAR_H

#include <mpi.h>

#include "rnnchaos/error.h"

/* RC_ERR_MPI naming the routine and MPI's own message for code. */
rc_status rc_mpi_fail(rc_error *err, int code, const char *routine);

/* Collective (unless limit > 0 or MPI is not initialised): bytes one rank may use: limit if
 * > 0, else physical memory (or the cgroup limit, if lower) shared among the job's ranks on
 * this node (one process before MPI_Init), capped by the address-space limit (ulimit -v). */
rc_status rc_memory_per_rank(MPI_Comm comm, double limit, double *avail, rc_error *err);
/* "PRxPC" (e.g. "2x3") -> Pr, Pc >= 1; RC_ERR_INPUT naming --grid. */
rc_status rc_dlyap_parse_grid(const char *s, int *Pr, int *Pc, rc_error *err);
/* A grid for `size` ranks: Pr * Pc = size, Pc the largest divisor <= sqrt(size) (tall grids
 * keep the columns of a tall-skinny Q together). */
void rc_dlyap_default_grid(int size, int *Pr, int *Pc);

/* Collective: every rank passes its own status; all return the status of the lowest failed
 * rank with its message in err (RC_OK if none failed).  One MPI_Allreduce when all is well. */
rc_status rc_dist_agree(MPI_Comm comm, rc_status st, rc_error *err);

#endif
