/* Facts about processes read from /proc. */
#ifndef SV_PROC_H
#define SV_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* The start time of PID (field 22 of /proc/PID/stat, in clock ticks since
 * boot) and its state letter ('R', 'S', 'Z', ...).  Together with the pid,
 * the start time identifies a process across pid reuse. */
int sv_proc_stat (pid_t pid, uint64_t *start_time, char *state, struct sv_err **err);
/* True when PID is alive (not a zombie) and still has START_TIME. */
bool sv_proc_is_alive (pid_t pid, uint64_t start_time);

#endif
