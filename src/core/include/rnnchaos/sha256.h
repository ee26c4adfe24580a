/* SHA-256 (FIPS 180-4) of a byte string.  None of the project's dependencies exports a hash, and
 * the archive needs one to refuse a --resume with a different job file.
 *
 * Local: no MPI, no I/O. */
#ifndef RNNCHAOS_SHA256_H
#define RNNCHAOS_SHA256_H

#include <stddef.h>

/* SHA-256 of data as 64 lower-case hex digits and a NUL. */
void rc_sha256_hex(const void *data, size_t len, char out[65]);

#endif
