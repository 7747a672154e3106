/* nftables for container networks: NAT for outbound traffic and published
 * ports, through libnftables (loaded on first use, network/nft-lazy.c).
 *
 * Servin owns exactly one table per data root, `ip TABLE` ("servin",
 * "servin-3fa2c1d0e9b7"), and never touches any other.  Every change is one
 * nftables transaction that applies completely or not at all (the only
 * second transactions: sv_nft_ports_add retries with the skeleton when the
 * table is missing, and sv_nft_ports_remove goes port by port when one of
 * the ports is someone else's).  Every call is idempotent: adding what is
 * there, or removing what is gone, is not an error.  sv_nft_network_add
 * (re)creates the table's skeleton — its sets, maps and base chains with
 * their fixed rules — so a table that was deleted or damaged is repaired;
 * sv_nft_ports_add creates it when the table or a map is missing.
 * Removals never create the table.
 *
 * The table holds:
 *   - per network (named after the bridge BR): chain nat-BR, jumped to from
 *     the postrouting base chain through the verdict map nat-br whenever BR
 *     is the input or the output interface; for internal networks chain
 *     filter-BR, jumped to from the forward base chain through filter-br;
 *     and BR in the set `bridges`.
 *   - published ports: elements of the maps tcp-dnat / udp-dnat (keyed by
 *     port, for every local address) and tcp-dnat-ip / udp-dnat-ip (keyed by
 *     address . port), used by the regular chain `ports`, jumped to from
 *     nat prerouting and output for destinations of type local.
 *   - chain guard (prerouting, priority raw): drops packets arriving on one
 *     of the bridges for 127.0.0.0/8.  route_localnet=1 on a bridge (below)
 *     would otherwise let a container reach the host's services bound to
 *     127.0.0.1.
 *
 * What the caller must set up, or the rules do not route:
 *   - net.ipv4.ip_forward=1, for anything forwarded: outbound traffic,
 *     published ports reached from outside or from a container.
 *   - net.ipv4.conf.BRIDGE.route_localnet=1 (or .all.), for published ports
 *     reached on 127.0.0.1: after DNAT the packet leaves through the bridge
 *     with source 127.0.0.1 (before it is masqueraded), and the replies come
 *     back through the bridge to 127.0.0.1; without it the kernel drops both
 *     as martians.  rp_filter (0, 1 or 2) does not matter.
 *   - when br_netfilter is loaded (bridge-nf-call-iptables=1), hairpin mode
 *     on each container's bridge port (`bridge_slave hairpin on`), or a
 *     container cannot reach its own published port: br_netfilter treats
 *     the DNATed packet as bridged and will not send it back out the port
 *     it came in on.
 *   - UDP: a conntrack entry created before a port was published keeps the
 *     flow un-NATed until it expires; flushing such entries is the caller's.
 *
 * Names: TABLE is [A-Za-z][A-Za-z0-9_-]* (at most 64 characters), BRIDGE
 * an interface name of [A-Za-z0-9_.-] (at most 15); anything else is EINVAL,
 * as nothing else can be written into an nft command safely.  Failures of
 * nftables itself come back as one line, "nftables: COMMAND: Error: ...",
 * with the kernel's errno when there is one (EPERM without CAP_NET_ADMIN),
 * EINVAL otherwise. */
#ifndef SV_NFT_H
#define SV_NFT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct sv_nft_net
{
  const char *bridge; /* "servin0" */
  const char *subnet; /* "10.88.0.0/16"; host bits are ignored */
  bool internal;      /* no traffic between the bridge and anything else but the host itself */
};

/* Create the table when missing, refill its skeleton, and set the
 * network's rules, replacing what it had before (so a changed subnet or
 * internal flag converges), in chain nat-BR:
 *   ip saddr SUBNET oifname != BR masquerade            (not for internal networks)
 *   ip saddr 127.0.0.0/8 oifname BR masquerade          (ports reached on 127.0.0.1)
 *   ct status dnat ip saddr SUBNET oifname BR masquerade  (hairpin)
 * and, for internal networks only, in chain filter-BR:
 *   iifname BR oifname != BR drop
 *   oifname BR iifname != BR drop
 * Outbound masquerade applies to forwarded traffic, as docker's does. */
int sv_nft_network_add (const char *table, const struct sv_nft_net *n, struct sv_err **err);

/* Remove BRIDGE's chains and elements.  A missing table or network: 0. */
int sv_nft_network_remove (const char *table, const char *bridge, struct sv_err **err);

struct sv_nft_port
{
  int proto;              /* IPPROTO_TCP or IPPROTO_UDP */
  struct in_addr host_ip; /* INADDR_ANY: every local address of the host, including 127.0.0.1 */
  uint16_t host_port;     /* host byte order */
  struct in_addr ctr_ip;
  uint16_t ctr_port; /* host byte order */
};

/* DNAT the N ports P, from outside (prerouting) and from the host itself
 * (output), for destination addresses that are local (fib daddr type
 * local), so a published port answers on 127.0.0.1 as well as on the
 * host's addresses; a HOST_IP restricts it to that one address.  Packets
 * for 127.0.0.0/8 arriving from outside are never DNATed.  A port already
 * published to a different container address or port fails with EEXIST
 * and nothing is added. */
int sv_nft_ports_add (const char *table, const struct sv_nft_port *p, size_t n,
                      struct sv_err **err);

/* Withdraw the N ports P.  A port that is not published, or that is now
 * published to a different container address or port (someone else's),
 * is left alone; a missing table: 0. */
int sv_nft_ports_remove (const char *table, const struct sv_nft_port *p, size_t n,
                         struct sv_err **err);

/* Delete TABLE entirely (when a data root has no networks left, and for
 * tests).  Missing: not an error. */
int sv_nft_table_remove (const char *table, struct sv_err **err);

#endif
