/* Networks, their endpoints (one per container attached) and published
 * ports, in the data root's database.
 *
 * Addresses are kept as integers in host byte order, so IPAM can walk them
 * in SQL.  An endpoint's address is unique in its network: the database
 * refuses a second one, so two CLI processes racing for one address cannot
 * both win (see ipam.c). */
#ifndef SV_NET_DB_H
#define SV_NET_DB_H

#include <jansson.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct sv_net
{
  char *id;   /* 64 hex digits */
  char *name; /* unique */
  char *bridge;
  uint32_t subnet; /* host order */
  int prefix;
  uint32_t gateway;
  bool internal; /* no traffic out but to the host */
  bool dns;      /* containers resolve each other by name (user networks) */
  json_t *labels;
  char *created;
};

struct sv_endpoint
{
  char *network_id;
  char *container_id;
  uint32_t ip;       /* host order */
  char *ifname;      /* inside the container: eth0, eth1, ... */
  char *host_ifname; /* the host end of the veth pair */
  json_t *aliases;   /* the user's --alias names (array) */
  json_t *dns_names; /* what the network's DNS answers for: container
                      * name, short id, aliases (array, lower case) */
};

struct sv_port_binding
{
  int proto;        /* IPPROTO_TCP, IPPROTO_UDP */
  uint32_t host_ip; /* 0: every address */
  uint16_t host_port;
  uint16_t ctr_port;
};

void sv_net_free (struct sv_net *n);
void sv_net_list_free (struct sv_net **v, size_t n);
void sv_endpoint_free (struct sv_endpoint *ep);
void sv_endpoint_list_free (struct sv_endpoint **v, size_t n);

int sv_net_db_init (sqlite3 *db, struct sv_err **err);

/* EEXIST with docker's message when the name is taken. */
int sv_net_insert (sqlite3 *db, const struct sv_net *n, struct sv_err **err);
/* By name, full id or unique id prefix; ENOENT: "network X not found". */
int sv_net_lookup (sqlite3 *db, const char *id_or_name, struct sv_net **out, struct sv_err **err);
/* Every network, by name. */
int sv_net_list (sqlite3 *db, struct sv_net ***out, size_t *n, struct sv_err **err);
int sv_net_delete (sqlite3 *db, const char *id, struct sv_err **err);

/* Endpoints of a network (NETWORK_ID) or of a container (CONTAINER_ID);
 * exactly one of the two is non-NULL.  Ordered by interface name. */
int sv_endpoint_list (sqlite3 *db, const char *network_id, const char *container_id,
                      struct sv_endpoint ***out, size_t *n, struct sv_err **err);
int sv_endpoint_insert (sqlite3 *db, const struct sv_endpoint *ep, struct sv_err **err);
int sv_endpoint_delete (sqlite3 *db, const char *network_id, const char *container_id,
                        struct sv_err **err);
/* The addresses of the endpoints of NETWORK_ID that answer to NAME
 * (lower case); returns how many were written to OUT (at most MAX), or
 * -1 on a database error. */
int sv_endpoint_resolve (sqlite3 *db, const char *network_id, const char *name, uint32_t *out,
                         size_t max);
/* Replace the DNS names of CONTAINER_ID's endpoints whose first name is
 * OLD_NAME by NEW_NAME (rename). */
int sv_endpoint_rename (sqlite3 *db, const char *container_id, const char *old_name,
                        const char *new_name, struct sv_err **err);
/* The addresses in use in NETWORK_ID, ascending; *out owned by the caller. */
int sv_endpoint_ips (sqlite3 *db, const char *network_id, uint32_t **out, size_t *n,
                     struct sv_err **err);

/* The published ports of a running container: replaced as a whole, listed,
 * dropped.  A (proto, host ip, host port) is taken once across containers:
 * EADDRINUSE with docker's "port is already allocated". */
int sv_ports_set (sqlite3 *db, const char *container_id, const struct sv_port_binding *p, size_t n,
                  struct sv_err **err);
int sv_ports_list (sqlite3 *db, const char *container_id, struct sv_port_binding **out, size_t *n,
                   struct sv_err **err);
int sv_ports_delete (sqlite3 *db, const char *container_id, struct sv_err **err);

/* "10.88.0.2" into BUF (16 bytes) from a host-order address. */
const char *sv_ip_str (uint32_t ip, char buf[16]);
/* A dotted quad into host order; -1 when S is not one. */
int sv_ip_parse (const char *s, uint32_t *out);

#endif
