/* Private to the job module: text helpers shared by the value grammar (values.c) and the INI
 * reader (job.c). */
#ifndef RNNCHAOS_ENSEMBLE_VALUES_H
#define RNNCHAOS_ENSEMBLE_VALUES_H

#include <stddef.h>

/* Copy of [b, e) into buf (len bytes, truncated), without leading and trailing white space. */
void rc_job_trim_copy(const char *b, const char *e, char *buf, size_t len);

#endif
