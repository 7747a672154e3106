/* The DNS responder process of a user network: one per network, started
 * by the first container that joins it and gone when no container is left
 * on the network (or with `network rm`).  It listens on the network's
 * gateway address, answers the names of the network's endpoints and
 * forwards the rest to the host's resolvers (see dns-server.h).  Its pid
 * file RUN/networks/ID/dns.pid is written and removed under a lock, so a
 * responder that is about to exit and a container that is about to rely on
 * it cannot miss each other. */
#ifndef SV_DNS_PROC_H
#define SV_DNS_PROC_H

#include "network/network.h"

/* Start N's responder unless it runs; returns once it answers. */
int sv_dns_proc_ensure (struct sv_netctx *c, const struct sv_net *n, struct sv_err **err);

/* Stop N's responder, if any. */
void sv_dns_proc_stop (struct sv_netctx *c, const struct sv_net *n);

/* The responder's main (`servin __dns-responder DATA_ROOT DIR NETWORK_ID
 * READY_FD`, started by sv_dns_proc_ensure): serves until the network has
 * no endpoints left; writes "ok" or why it failed to READY_FD. */
int sv_dns_proc_main (const char *data_root, const char *dir, const char *network_id, int ready_fd)
    __attribute__ ((noreturn));

/* The domain the responder also answers in (NAME.dns.servin): the
 * containers' resolv.conf searches it first, so short names never go to
 * the host's resolvers. */
#define SV_DNS_DOMAIN "dns.servin"

#endif
