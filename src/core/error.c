#include "rnnchaos/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rc_status rc_fail(rc_error *err, rc_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = st;
    }
    return st;
}

void rc_error_prefix(rc_error *err, const char *fmt, ...)
{
    if (!err) return;
    char prefix[RC_ERROR_MSG_LEN], old[RC_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    int n = snprintf(err->msg, sizeof err->msg, "%s: ", prefix);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, "%s", old);
}

void rc_error_clear(rc_error *err)
{
    if (!err) return;
    err->status = RC_OK;
    err->msg[0] = '\0';
}

const char *rc_status_name(rc_status st)
{
    switch (st) {
    case RC_OK: return "ok";
    case RC_ERR_INPUT: return "input";
    case RC_ERR_NOMEM: return "nomem";
    case RC_ERR_IO: return "io";
    case RC_ERR_LAPACK: return "lapack";
    case RC_ERR_NUMERIC: return "numeric";
    case RC_ERR_MPI: return "mpi";
    case RC_ERR_SIGNAL: return "signal";
    case RC_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}

int rc_status_exit_code(rc_status st)
{
    switch (st) {
    case RC_OK: return 0;
    case RC_ERR_INPUT: return 2;
    case RC_ERR_SIGNAL: return 3;
    default: return 1;
    }
}

void *rc_calloc(size_t count, size_t size, const char *what, rc_error *err)
{
    if (count == 0) count = 1;
    if (size != 0 && count > (size_t)-1 / size) {
        rc_fail(err, RC_ERR_NOMEM, "allocation of %s overflows (%zu x %zu bytes)", what, count, size);
        return NULL;
    }
    void *p = calloc(count, size);
    if (!p)
        rc_fail(err, RC_ERR_NOMEM, "out of memory allocating %s (%.3g MiB)", what,
                (double)count * (double)size / 1048576.0);
    return p;
}

void *rc_aligned_alloc(size_t count, size_t size, const char *what, rc_error *err)
{
    if (count == 0) count = 1;
    if (size != 0 && count > ((size_t)-1 - 64) / size) {
        rc_fail(err, RC_ERR_NOMEM, "allocation of %s overflows (%zu x %zu bytes)", what, count, size);
        return NULL;
    }
    size_t bytes = (count * size + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes);
    if (!p)
        rc_fail(err, RC_ERR_NOMEM, "out of memory allocating %s (%.3g MiB)", what,
                (double)bytes / 1048576.0);
    return p;
}
