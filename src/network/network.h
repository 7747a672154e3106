/* Bridge networks: the host side (a bridge holding the gateway address,
 * sysctls, the network's nftables rules), containers plugged into them
 * (a veth pair, the address, the default route) and their published ports.
 *
 * Everything is named after the data root (struct sv_netctx), so two data
 * roots on one machine never share a bridge, an interface or a table. */
#ifndef SV_NETWORK_H
#define SV_NETWORK_H

#include <sqlite3.h>
#include <stdbool.h>
#include <sys/types.h>

#include "network/net-db.h"
#include "network/netlink.h"
#include "util/err.h"

#define SV_DEFAULT_NETWORK "servin"

struct sv_netctx
{
  sqlite3 *db;
  const char *data_root; /* the DNS responders open the database there */
  const char *run_root;  /* RUN/networks/ID: the DNS responder's pid file */
  const char *key;       /* "" for the default data root, else its 12 hex digits */
  char table[32];        /* the nftables table: servin or servin-KEY */
};

/* Fill C's derived names. */
void sv_netctx_init (struct sv_netctx *c, sqlite3 *db, const char *data_root, const char *run_root,
                     const char *key);

struct sv_network_create
{
  const char *name;
  const char *subnet;  /* NULL: picked */
  const char *gateway; /* NULL: the subnet's first address */
  bool internal;
  json_t *labels; /* borrowed; may be NULL */
};

int sv_network_db_init (sqlite3 *db, struct sv_err **err);

/* The default network, recorded on first use. */
int sv_network_default (struct sv_netctx *c, struct sv_net **out, struct sv_err **err);

/* Record a user network (the bridge is made when a container first
 * uses it).  EEXIST when the name is taken, EINVAL for a bad subnet or
 * gateway, or a subnet overlapping another network. */
int sv_network_create (struct sv_netctx *c, const struct sv_network_create *req,
                       struct sv_net **out, struct sv_err **err);

/* Make N's host side real; quick when its bridge is there already. */
int sv_network_up (struct sv_netctx *c, struct sv_nl *nl, const struct sv_net *n,
                   struct sv_err **err);

/* Take N's host side down: its DNS responder, nftables rules, bridge.
 * Refused (EBUSY, docker's message) while containers are attached. */
int sv_network_remove (struct sv_netctx *c, const struct sv_net *n, struct sv_err **err);

/* The host-side name of the veth pair of CONTAINER_ID on NETWORK_ID. */
char *sv_network_veth_name (const char *container_id, const char *network_id);

/* Plug the network namespace of PID into N through EP (recorded, with its
 * address): the veth pair, the container's end EP->ifname with the
 * address and the host's MTU, loopback up, and the default route through
 * the gateway when it is the first interface and N is not internal.
 * NL is a socket in the host's namespace. */
int sv_network_plug (struct sv_netctx *c, struct sv_nl *nl, const struct sv_net *n,
                     const struct sv_endpoint *ep, pid_t pid, struct sv_err **err);

/* Remove EP's veth pair (gone already: not an error). */
int sv_network_unplug (struct sv_nl *nl, const struct sv_endpoint *ep, struct sv_err **err);

#endif
