/* The DNS responder of a user-defined network (docker's embedded DNS,
 * podman's aardvark-dns).  Containers on the network use its gateway
 * address as their nameserver; the responder answers A queries for the
 * names of containers on the network (and their aliases) and forwards
 * everything else to the host's resolvers.
 *
 * One thread, one poll loop, no blocking on any client: UDP and TCP (RFC
 * 7766) on LISTEN:PORT, forwarding over UDP with a fresh socket (and so a
 * fresh source port) and a random id per query. */
#ifndef SV_DNS_SERVER_H
#define SV_DNS_SERVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/err.h"

/* The most addresses one name answers with. */
#define SV_DNS_MAX_ADDRS 32
/* TTL of the responder's own answers: containers come and go. */
#define SV_DNS_TTL 5
/* A forwarded query gets SERVFAIL when no upstream answered in this long;
 * the time is shared out between the upstreams, tried in turn. */
#define SV_DNS_FORWARD_TIMEOUT_MS 2000
/* A TCP client that sends nothing (or reads nothing) this long is closed. */
#define SV_DNS_TCP_IDLE_MS 5000
#define SV_DNS_MAX_TCP_CLIENTS 16
/* Queries forwarded at once; beyond that a query gets SERVFAIL. */
#define SV_DNS_MAX_PENDING 64

/* Addresses for NAME (lower-case, no trailing dot); returns how many were
 * written to OUT (at most MAX), 0 when the name is unknown to the network.
 * NAME is the question as asked: a name with a search suffix the container
 * appended ("web.mynet.example") is passed as is, for the callback to
 * decide. */
typedef size_t (*sv_dns_lookup_fn) (void *data, const char *name, struct in_addr *out, size_t max);

struct sv_dns_server_opts
{
  struct in_addr listen; /* the network's gateway address */
  uint16_t port;         /* 53; tests use another */
  sv_dns_lookup_fn lookup;
  void *data;
  const struct sockaddr_storage *upstream; /* forwarders (IPv4 or IPv6), tried in order */
  size_t n_upstream;
  /* Called with DATA about every IDLE_MS (also while queries keep coming);
   * the server returns 0 when it returns true.  NULL: serve forever.
   * IDLE_MS <= 0 means 1000. */
  bool (*should_stop) (void *data);
  int idle_ms;
  /* Called once with READY_DATA when both sockets are bound, before the
   * first query is read (NULL: not called): the caller can report that the
   * responder answers. */
  void (*ready) (void *ready_data);
  void *ready_data;
};

/* Bind UDP and TCP on LISTEN:PORT (SO_REUSEADDR), call ready, then serve
 * until should_stop.  Bind errors are returned at once (EADDRINUSE etc.); after
 * that only a failing poll() ends the server with an error.  A known name
 * gets its A records, or NOERROR without answers for any other type; an
 * unknown name is forwarded, and gets SERVFAIL when there are no upstreams
 * or none answers.  Malformed queries are dropped. */
int sv_dns_serve (const struct sv_dns_server_opts *o, struct sv_err **err);

/* The nameservers of a resolv.conf-format file (IPv4 and IPv6, with an
 * optional %scope), port 53, at most the first three as glibc does.  *OUT
 * (owned by the caller, NULL when *N is 0) and *N are written on success. */
int sv_dns_read_upstreams (const char *path, struct sockaddr_storage **out, size_t *n,
                           struct sv_err **err);

#endif
