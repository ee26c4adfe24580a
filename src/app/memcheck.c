/* The serial commands' memory check: include/rnnchaos/memcheck.h. */
#include "rnnchaos/memcheck.h"

#include <mpi.h>

#include "rnnchaos/job.h"
#include "rnnchaos/par.h"

rc_status rc_cli_check_memory(int64_t N, double need_bytes, double limit, const char *hint,
                              rc_error *err)
{
    double avail = 0.0;
    rc_error ignored;
    rc_error_clear(&ignored);
    /* unknown (no MPI answer): let the allocations decide, as run does */
    if (rc_memory_per_rank(MPI_COMM_SELF, limit, &avail, &ignored) != RC_OK || !(avail > 0))
        return RC_OK;
    const double gib = 1073741824.0;
    RC_CHECK(need_bytes <= avail, err, RC_ERR_NOMEM,
             "N = %lld needs about %.3g GiB of memory, more than the %.3g GiB available to this "
             "process (%s): %s",
             (long long)N, need_bytes / gib, avail / gib,
             limit > 0 ? "--mem-per-rank" : "physical memory, cgroup memory.max or ulimit -v",
             hint);
    return RC_OK;
}

double rc_cli_kind_bytes(const char *kind, const void *task)
{
    const int k = rc_task_kind_find(kind);
    if (k < 0) return 0.0;
    double flops = 0.0, bytes = 0.0;
    rc_task_kind_get(k)->estimate(task, &flops, &bytes);
    return bytes;
}
