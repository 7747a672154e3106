/* IP address management: addresses of a network's endpoints, handed out
 * in the database so that no address is given twice, also to CLI
 * processes racing each other. */
#ifndef SV_IPAM_H
#define SV_IPAM_H

#include <sqlite3.h>

#include "network/net-db.h"
#include "util/err.h"

/* The lowest usable address of N's subnet that is neither its gateway nor
 * in USED (ascending); ENOSPC when the subnet is full. */
int sv_ipam_next (const struct sv_net *n, const uint32_t *used, size_t n_used, uint32_t *out,
                  struct sv_err **err);

/* Record EP (its network_id, container_id, ifname, host_ifname, aliases
 * set by the caller) with an address: EP->ip when non-zero (EINVAL when
 * outside the subnet, EADDRINUSE when taken), else the next free one.
 * When the container already has an endpoint on the network, *EP takes
 * its address instead and nothing is added.  One transaction. */
int sv_ipam_attach (sqlite3 *db, const struct sv_net *n, struct sv_endpoint *ep,
                    struct sv_err **err);

#endif
