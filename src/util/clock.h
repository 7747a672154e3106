/* The two clocks Servin reads: wall time as docker prints it, and a
 * monotonic millisecond count for intervals. */
#ifndef SV_CLOCK_H
#define SV_CLOCK_H

#include <stdint.h>

/* The current time as RFC 3339 with nanoseconds (UTC); owned by the caller. */
char *sv_now_rfc3339 (void);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t sv_now_ms (void);

#endif
