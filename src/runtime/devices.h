/* /dev inside the container: the default devices, linux.devices and the
 * standard symlinks.  Runs before pivot_root, relative to the root fd. */
#ifndef SV_DEVICES_H
#define SV_DEVICES_H

#include <stdbool.h>

#include "runtime/spec.h"

/* Create the default devices (null, zero, full, random, urandom, tty) unless
 * /dev is bind-mounted from the host, then every linux.devices entry, then
 * the /dev/fd, std{in,out,err}, ptmx and core symlinks.  With BIND (a user
 * namespace, where mknod is not allowed) device nodes are bind-mounted from
 * the host instead of created. */
int sv_devices_setup (const struct sv_spec *spec, int rootfd, bool bind, struct sv_err **err);

#endif
