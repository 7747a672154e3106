/* For `run` in the foreground with process.terminal and no
 * --console-socket: the runtime itself holds the pty master and relays it
 * to its own stdio, as runc does. */
#ifndef SV_TTY_PROXY_H
#define SV_TTY_PROXY_H

#include <sys/types.h>

#include "util/err.h"

/* Receive the pty master sent (as over a console socket) on SOCKFD. */
int sv_tty_recv_master (int sockfd, int *master, struct sv_err **err);
/* Relay stdin -> MASTER and MASTER -> stdout until process PID exits,
 * with the calling terminal in raw mode and its size (and SIGWINCH
 * changes) passed on.  Returns the process's wait status. */
int sv_tty_proxy (int master, pid_t pid, int *wstatus, struct sv_err **err);

#endif
