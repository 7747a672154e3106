/* A container's /etc/hosts and /etc/resolv.conf (bind-mounted from its
 * directory), consistent with its network: the host's files for
 * --network host; else localhost, --add-host entries and the container's
 * own address, and either the host's resolvers (loopback ones dropped:
 * they are not reachable from the container) or, on a network with name
 * resolution, the network's DNS responder at the gateway. */
#ifndef SV_ENGINE_CTR_ETC_H
#define SV_ENGINE_CTR_ETC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct sv_etc_net
{
  uint32_t ip;      /* the container's address (host order); 0: none yet */
  uint32_t gateway; /* of its first network; host-gateway in --add-host */
  bool dns;         /* the first network answers names at the gateway */
};

/* Write "hosts" and "resolv.conf" under DIRFD for CONFIG (docker's
 * {"Config","HostConfig"}); NET may be NULL (no network yet). */
int sv_ctr_write_etc (int dirfd, json_t *config, const struct sv_etc_net *net, struct sv_err **err);

#endif
