/* The container's terminal: a pty made inside the container's devpts,
 * whose master goes to the caller over --console-socket (as runc sends it:
 * SCM_RIGHTS with the pty's name as payload). */
#ifndef SV_CONSOLE_H
#define SV_CONSOLE_H

#include "runtime/spec.h"

/* Connect to the unix socket at PATH (done before pivot_root). */
int sv_console_connect (const char *path, struct sv_err **err);
/* In the container: open a pty, set its size, send the master over SOCKFD
 * (or return it in *master when SOCKFD < 0), make the slave the
 * controlling terminal and stdio. */
int sv_console_setup (const struct sv_process *p, int sockfd, int *master, struct sv_err **err);

#endif
