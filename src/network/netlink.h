/* The rtnetlink layer of container networking (libmnl): links, addresses
 * and routes, one NETLINK_ROUTE socket per network namespace.
 *
 * Every change waits for the kernel's ACK and turns a refusal into an
 * sv_err whose code is the kernel's errno and whose message names the link
 * ("create veth `sv123`: File exists"); when the kernel explains itself
 * (extended ACK) the explanation is added in parentheses.  Dumps read until
 * NLMSG_DONE and are restarted when the kernel reports them interrupted.
 * Link names are checked here (1 to IFNAMSIZ-1 bytes, no '/' or blanks):
 * a bad one fails with EINVAL before anything is sent. */
#ifndef SV_NETLINK_H
#define SV_NETLINK_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

struct sv_nl
{
  struct mnl_socket *sock;
  unsigned seq;    /* sequence number of the last request */
  unsigned portid; /* the socket's netlink port id */
};

/* A NETLINK_ROUTE socket (CLOEXEC) in the caller's network namespace.  *nl
 * is written only on success; release it with sv_nl_close. */
int sv_nl_open (struct sv_nl *nl, struct sv_err **err);
/* A socket in the network namespace NETNS_FD: setns there, open, setns back
 * to the caller's namespace (callers are single-threaded).  The socket keeps
 * working in NETNS_FD's namespace after the caller is back home. */
int sv_nl_open_netns (struct sv_nl *nl, int netns_fd, struct sv_err **err);
/* Close the socket; safe on a closed or zeroed sv_nl and when called twice. */
void sv_nl_close (struct sv_nl *nl);

/* ifindex (> 0) of NAME in the socket's namespace (RTM_GETLINK); 0 with no
 * error when there is no such link, < 0 on other errors. */
int sv_nl_ifindex (struct sv_nl *nl, const char *name, struct sv_err **err);
/* The interface flags (IFF_UP, ...) of NAME: 1 with *FLAGS set when it
 * exists, 0 with no error (*FLAGS untouched) when it does not, < 0 on other
 * errors. */
int sv_nl_link_flags (struct sv_nl *nl, const char *name, unsigned *flags, struct sv_err **err);

/* A bridge NAME with MTU (0: kernel default), left down so that callers
 * can take "up" to mean "configured" (see network.c).  Fails with EEXIST
 * (sv_err code) when a link NAME exists. */
int sv_nl_bridge_add (struct sv_nl *nl, const char *name, unsigned mtu, struct sv_err **err);

/* A veth pair in one RTM_NEWLINK: HOST_NAME stays in the socket's
 * namespace, enslaved to MASTER_IFINDEX (0: none) and up; PEER_NAME is
 * created directly inside the network namespace of PEER_PID (IFLA_NET_NS_PID
 * in the peer's attributes) with MAC (6 bytes; NULL: random) and left down.
 * Both ends get MTU (0: kernel default).  EEXIST when HOST_NAME exists here
 * or PEER_NAME exists there; ESRCH when PEER_PID does not exist.  Nothing is
 * left behind on failure. */
int sv_nl_veth_add (struct sv_nl *nl, const char *host_name, const char *peer_name, pid_t peer_pid,
                    unsigned mtu, int master_ifindex, const unsigned char *mac,
                    struct sv_err **err);

/* Hairpin mode on the bridge port NAME: frames may go back out of the
 * port they came in by, so that a container reaches its own published
 * port through the host's address (with br_netfilter the NAT'ed packet
 * re-enters the bridge on that port). */
int sv_nl_bridge_port_hairpin (struct sv_nl *nl, const char *name, struct sv_err **err);

/* Set NAME up; ENODEV when missing. */
int sv_nl_link_up (struct sv_nl *nl, const char *name, struct sv_err **err);
/* Delete NAME (for a veth, both ends); ENODEV (sv_err code) when missing. */
int sv_nl_link_del (struct sv_nl *nl, const char *name, struct sv_err **err);

/* Add A/PREFIX (0..32) to NAME with the subnet's broadcast address (none for
 * /31 and /32); an address already there is not an error.  ENODEV when NAME
 * is missing. */
int sv_nl_addr_add (struct sv_nl *nl, const char *name, struct in_addr a, int prefix,
                    struct sv_err **err);

/* Default route via GW on device NAME in the main table.  NAME must be up
 * with GW on one of its subnets (ENETUNREACH otherwise); EEXIST when the
 * table already has a default route. */
int sv_nl_route_add_default (struct sv_nl *nl, const char *name, struct in_addr gw,
                             struct sv_err **err);

struct sv_nl_route4
{
  struct in_addr dst;
  int prefix;
};

/* Every IPv4 route of the main table (dst/prefix; the default route is
 * 0.0.0.0/0), in the kernel's order.  *out (NULL when *n is 0) is owned by
 * the caller (free); *out and *n are written only on success. */
int sv_nl_routes4 (struct sv_nl *nl, struct sv_nl_route4 **out, size_t *n, struct sv_err **err);

/* The MTU of the device of the IPv4 default route of the main table (the
 * one with the lowest metric; for a multipath route, its first hop's
 * device); 1500 when there is none. */
int sv_nl_default_mtu (struct sv_nl *nl, unsigned *mtu, struct sv_err **err);

/* Names of every link whose master is MASTER_IFINDEX (a bridge's ports), in
 * the kernel's order: a NULL-terminated strv owned by the caller (sv_strv_free
 * in util/cleanup.h), empty but never NULL when there is none; *out is
 * written only on success. */
int sv_nl_bridge_ports (struct sv_nl *nl, int master_ifindex, char ***out, struct sv_err **err);

#endif
