/* IPv4 subnets: parsing docker's --subnet/--gateway forms and picking a
 * free one for a new network. */
#ifndef SV_SUBNET_H
#define SV_SUBNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct sv_subnet
{
  uint32_t addr; /* host order, the network address */
  int prefix;
};

/* "10.1.0.0/16" into *OUT; EINVAL when malformed, or when host bits are
 * set (docker's "it should be 10.1.0.0/16"), or for prefixes past /30. */
int sv_subnet_parse (const char *s, struct sv_subnet *out, struct sv_err **err);

/* Whether A and B share any address. */
bool sv_subnet_overlaps (struct sv_subnet a, struct sv_subnet b);

/* Whether IP (host order) is a usable host address of S: not its network
 * or broadcast address. */
bool sv_subnet_has_host (struct sv_subnet s, uint32_t ip);

/* The first candidate that overlaps neither a route (ROUTES; the default
 * route is ignored) nor a subnet already TAKEN: 10.88.0.0/16 first when
 * DEFAULT_NET (podman's), then 10.89.0.0/24, 10.89.1.0/24, ... up to
 * 10.255.255.0/24.  ENOSPC when every candidate is taken. */
int sv_subnet_pick (bool default_net, const struct sv_subnet *routes, size_t n_routes,
                    const struct sv_subnet *taken, size_t n_taken, struct sv_subnet *out,
                    struct sv_err **err);

#endif
