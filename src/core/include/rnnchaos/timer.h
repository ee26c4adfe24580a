/* Wall-clock time for wall_s fields and progress reports. */
#ifndef RNNCHAOS_TIMER_H
#define RNNCHAOS_TIMER_H

/* Seconds on a monotonic clock (differences only: the origin is arbitrary). */
double rc_wall_seconds(void);

#endif
