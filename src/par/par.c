#include "rnnchaos/par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

rc_status rc_mpi_fail(rc_error *err, int code, const char *routine)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, msg, &len) != MPI_SUCCESS) snprintf(msg, sizeof msg, "code %d", code);
    return rc_fail(err, RC_ERR_MPI, "%s failed: %s", routine, msg);
}

#define MPI_TRY(call, name)                                                                    \
    do {                                                                                       \
        int rc_mpi_code_ = (call);                                                             \
        if (rc_mpi_code_ != MPI_SUCCESS) return rc_mpi_fail(err, rc_mpi_code_, name);          \
    } while (0)

rc_status rc_dist_agree(MPI_Comm comm, rc_status st, rc_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int mine = st != RC_OK ? rank : size, first = size;
    int code = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (code != MPI_SUCCESS) return rc_mpi_fail(err, code, "MPI_Allreduce (status agreement)");
    if (first == size) return RC_OK;
    rc_error tmp;
    memset(&tmp, 0, sizeof tmp);
    if (rank == first) {
        tmp.status = st;
        if (err) memcpy(tmp.msg, err->msg, sizeof tmp.msg);
    }
    code = MPI_Bcast(&tmp, (int)sizeof tmp, MPI_BYTE, first, comm);
    if (code != MPI_SUCCESS) return rc_mpi_fail(err, code, "MPI_Bcast (status agreement)");
    if (err) {
        /* the failing rank's message, and where it happened */
        tmp.msg[sizeof tmp.msg - 1] = '\0';
        char suffix[32];
        snprintf(suffix, sizeof suffix, " (rank %d)", first);
        const size_t len = strlen(tmp.msg), slen = strlen(suffix);
        /* bad input reads alike on every rank: no rank to name; name it once otherwise */
        const int named = len >= slen && strcmp(tmp.msg + len - slen, suffix) == 0;
        if (size > 1 && tmp.status != RC_ERR_INPUT && !named)
            snprintf(err->msg, sizeof err->msg, "%.*s%s", (int)(sizeof err->msg - slen - 1),
                     tmp.msg, suffix);
        else
            memcpy(err->msg, tmp.msg, sizeof err->msg);
        err->status = tmp.status;
    }
    return tmp.status;
}

rc_status rc_dlyap_parse_grid(const char *s, int *Pr, int *Pc, rc_error *err)
{
    char *end = NULL;
    long a = strtol(s, &end, 10);
    RC_CHECK(end != s && (*end == 'x' || *end == 'X'), err, RC_ERR_INPUT,
             "--grid: expected PRxPC (e.g. 2x2), got '%s'", s);
    const char *p2 = end + 1;
    long b = strtol(p2, &end, 10);
    RC_CHECK(end != p2 && *end == '\0', err, RC_ERR_INPUT,
             "--grid: expected PRxPC (e.g. 2x2), got '%s'", s);
    RC_CHECK(a >= 1 && b >= 1 && a <= 65536 && b <= 65536, err, RC_ERR_INPUT,
             "--grid: both dimensions must be between 1 and 65536, got '%s'", s);
    *Pr = (int)a;
    *Pc = (int)b;
    return RC_OK;
}

void rc_dlyap_default_grid(int size, int *Pr, int *Pc)
{
    int c = 1;
    for (int d = 1; (long)d * d <= size; ++d)
        if (size % d == 0) c = d;
    *Pc = c;
    *Pr = size / c;
}

rc_status rc_memory_per_rank(MPI_Comm comm, double limit, double *avail, rc_error *err)
{
    if (limit > 0) {
        *avail = limit;
        return RC_OK;
    }
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        double lim;
        if (fscanf(f, "%lf", &lim) == 1 && lim > 0 && lim < phys) phys = lim;
        fclose(f);
    }
    /* ranks of the whole job on this node (other tasks share the node too), when the launcher
     * says; else the ranks of this communicator on this node; one before MPI_Init (the serial
     * commands) */
    int local = 0, mpi_up = 0;
    const char *env = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (env) local = atoi(env);
    MPI_Initialized(&mpi_up);
    if (local <= 0 && !mpi_up) local = 1;
    if (local <= 0) {
        MPI_Comm node;
        MPI_TRY(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
                "MPI_Comm_split_type");
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
    }
    *avail = phys / (double)(local > 0 ? local : 1);
    /* an address-space limit (ulimit -v) binds each process whatever the node has */
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY &&
        (double)as.rlim_cur < *avail)
        *avail = (double)as.rlim_cur;
    return RC_OK;
}
