/* The per-container monitor (see monitor.c). */
#ifndef SV_ENGINE_MONITOR_H
#define SV_ENGINE_MONITOR_H

#include "engine/engine.h"

/* Fork the monitor of C (whose rootfs is mounted and spec written) and
 * wait for its report: 0 once the container runs, else < 0 with *err and
 * *STATUS (125, 126, 127).  ATTACH_FD, when >= 0, is handed to the
 * monitor as its first client and closed here. */
int sv_monitor_start (struct sv_engine *e, struct sv_ctr *c, int attach_fd, int attach_flags,
                      int *status, struct sv_err **err);

/* Connect to the monitor's attach socket in RUN_DIRFD. */
int sv_monitor_connect (int run_dirfd, struct sv_err **err);

#endif
