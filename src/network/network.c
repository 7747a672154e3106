#include "network/network.h"
#include "network/dns-proc.h"
#include "network/ipam.h"
#include "network/nft.h"
#include "network/subnet.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/db.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void
sv_netctx_init (struct sv_netctx *c, sqlite3 *db, const char *data_root, const char *run_root,
                const char *key)
{
  c->db = db;
  c->data_root = data_root;
  c->run_root = run_root;
  c->key = key ? key : "";
  if (*c->key)
    snprintf (c->table, sizeof c->table, "servin-%s", c->key);
  else
    snprintf (c->table, sizeof c->table, "servin");
}

int
sv_network_db_init (sqlite3 *db, struct sv_err **err)
{
  return sv_net_db_init (db, err);
}

static char *
random_id (void)
{
  unsigned char r[32];
  if (getrandom (r, sizeof r, 0) != sizeof r)
    for (size_t i = 0; i < sizeof r; i++)
      r[i] = (unsigned char)rand ();
  char *s = xmalloc (65);
  for (size_t i = 0; i < sizeof r; i++)
    sprintf (s + 2 * i, "%02x", r[i]);
  return s;
}

/* The subnets of the host's routes and of the networks already defined. */
static int
taken_subnets (struct sv_netctx *c, struct sv_subnet **routes, size_t *n_routes,
               struct sv_subnet **taken, size_t *n_taken, struct sv_err **err)
{
  struct sv_nl nl;
  if (sv_nl_open (&nl, err) < 0)
    return -1;
  _cleanup_free_ struct sv_nl_route4 *r = NULL;
  size_t nr = 0;
  int ret = sv_nl_routes4 (&nl, &r, &nr, err);
  sv_nl_close (&nl);
  if (ret < 0)
    return -1;
  *routes = xreallocarray (NULL, nr + 1, sizeof **routes);
  for (size_t i = 0; i < nr; i++)
    (*routes)[i] = (struct sv_subnet){ ntohl (r[i].dst.s_addr), r[i].prefix };
  *n_routes = nr;
  struct sv_net **nets = NULL;
  size_t nn = 0;
  if (sv_net_list (c->db, &nets, &nn, err) < 0)
    {
      free (*routes);
      return -1;
    }
  *taken = xreallocarray (NULL, nn + 1, sizeof **taken);
  for (size_t i = 0; i < nn; i++)
    (*taken)[i] = (struct sv_subnet){ nets[i]->subnet, nets[i]->prefix };
  *n_taken = nn;
  sv_net_list_free (nets, nn);
  return 0;
}

static int
choose_subnet (struct sv_netctx *c, const struct sv_network_create *req, bool dflt,
               struct sv_subnet *out, struct sv_err **err)
{
  _cleanup_free_ struct sv_subnet *routes = NULL, *taken = NULL;
  size_t nr = 0, nt = 0;
  if (taken_subnets (c, &routes, &nr, &taken, &nt, err) < 0)
    return -1;
  if (req->subnet == NULL)
    return sv_subnet_pick (dflt, routes, nr, taken, nt, out, err);
  if (sv_subnet_parse (req->subnet, out, err) < 0)
    return -1;
  for (size_t i = 0; i < nt; i++)
    if (sv_subnet_overlaps (*out, taken[i]))
      return sv_err_make_plain (err, EINVAL,
                                "invalid pool request: Pool overlaps with other one on this "
                                "address space");
  return 0;
}

static char *
bridge_name (struct sv_netctx *c, bool dflt, const char *id)
{
  if (dflt)
    return *c->key ? xasprintf ("sv%.10s0", c->key) : xstrdup ("servin0");
  return xasprintf ("svbr-%.10s", id);
}

static int
fill_network (struct sv_netctx *c, const struct sv_network_create *req, bool dflt, struct sv_net *n,
              struct sv_err **err)
{
  struct sv_subnet s;
  if (choose_subnet (c, req, dflt, &s, err) < 0)
    return -1;
  n->subnet = s.addr;
  n->prefix = s.prefix;
  n->gateway = s.addr + 1;
  if (req->gateway
      && (sv_ip_parse (req->gateway, &n->gateway) < 0 || !sv_subnet_has_host (s, n->gateway)))
    return sv_err_make_plain (err, EINVAL, "invalid gateway %s: not a host address of %s",
                              req->gateway, req->subnet ? req->subnet : "the subnet");
  n->internal = req->internal;
  n->dns = !dflt;
  n->labels = req->labels ? json_incref (req->labels) : json_object ();
  n->created = sv_now_rfc3339 ();
  n->bridge = bridge_name (c, dflt, n->id);
  return 0;
}

static int
create (struct sv_netctx *c, const struct sv_network_create *req, bool dflt, struct sv_net **out,
        struct sv_err **err)
{
  if (req->gateway && req->subnet == NULL)
    return sv_err_make_plain (err, EINVAL, "--gateway needs --subnet");
  struct sv_net *n = xmalloc0 (sizeof *n);
  n->id = random_id ();
  n->name = xstrdup (req->name);
  if (fill_network (c, req, dflt, n, err) < 0 || sv_net_insert (c->db, n, err) < 0)
    {
      sv_net_free (n);
      return -1;
    }
  *out = n;
  return 0;
}

int
sv_network_create (struct sv_netctx *c, const struct sv_network_create *req, struct sv_net **out,
                   struct sv_err **err)
{
  if (strcmp (req->name, SV_DEFAULT_NETWORK) == 0 || strcmp (req->name, "bridge") == 0
      || strcmp (req->name, "host") == 0 || strcmp (req->name, "none") == 0)
    return sv_err_make_plain (err, EEXIST, "network name %s is reserved", req->name);
  return create (c, req, false, out, err);
}

int
sv_network_default (struct sv_netctx *c, struct sv_net **out, struct sv_err **err)
{
  if (sv_net_lookup (c->db, SV_DEFAULT_NETWORK, out, NULL) == 0)
    return 0;
  struct sv_network_create req = { .name = SV_DEFAULT_NETWORK };
  struct sv_err *e = NULL;
  if (create (c, &req, true, out, &e) == 0)
    return 0;
  /* Another process made it meanwhile. */
  if (e->code == EEXIST && sv_net_lookup (c->db, SV_DEFAULT_NETWORK, out, NULL) == 0)
    {
      sv_err_free (&e);
      return 0;
    }
  *err = e;
  return -1;
}

/* ---- host side ---- */

static int
write_sysctl (const char *path, const char *value, struct sv_err **err)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, value, strlen (value)) < 0)
    return sv_err_errno (err, "write %s", path);
  return 0;
}

static int
lock_networks (struct sv_netctx *c, struct sv_err **err)
{
  _cleanup_free_ char *path = xasprintf ("%s/networks.lock", c->run_root);
  return sv_lock_file (path, err);
}

/* 1 when N's bridge is up (which it is only once configured), 0 when it
 * is down, 2 when it is missing. */
static int
bridge_state (struct sv_nl *nl, const struct sv_net *n, struct sv_err **err)
{
  unsigned flags = 0;
  int r = sv_nl_link_flags (nl, n->bridge, &flags, err);
  if (r <= 0)
    return r < 0 ? -1 : 2;
  return (flags & IFF_UP) ? 1 : 0;
}

/* Under the lock: a bridge is up only once it is fully configured. */
static int
bring_up (struct sv_netctx *c, struct sv_nl *nl, const struct sv_net *n, struct sv_err **err)
{
  int state = bridge_state (nl, n, err);
  if (state < 0)
    return -1;
  if (state == 1)
    return 0;
  unsigned mtu = 1500;
  if (sv_nl_default_mtu (nl, &mtu, err) < 0)
    return -1;
  if (state == 2 && sv_nl_bridge_add (nl, n->bridge, mtu, err) < 0)
    return -1;
  char subnet[32], gw[16];
  snprintf (subnet, sizeof subnet, "%s/%d", sv_ip_str (n->subnet, gw), n->prefix);
  struct in_addr a = { htonl (n->gateway) };
  _cleanup_free_ char *localnet
      = xasprintf ("/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
  struct sv_nft_net nn = { .bridge = n->bridge, .subnet = subnet, .internal = n->internal };
  if (sv_nl_addr_add (nl, n->bridge, a, n->prefix, err) < 0
      || write_sysctl ("/proc/sys/net/ipv4/ip_forward", "1", err) < 0
      || write_sysctl (localnet, "1", err) < 0 || sv_nft_network_add (c->table, &nn, err) < 0)
    return -1;
  return sv_nl_link_up (nl, n->bridge, err);
}

int
sv_network_up (struct sv_netctx *c, struct sv_nl *nl, const struct sv_net *n, struct sv_err **err)
{
  int state = bridge_state (nl, n, err);
  if (state == 1 || state < 0)
    return state < 0 ? -1 : 0;
  _cleanup_close_ int lock = lock_networks (c, err);
  if (lock < 0)
    return -1;
  if (bring_up (c, nl, n, err) < 0)
    return sv_err_wrap (err, "set up network %s", n->name);
  return 0;
}

int
sv_network_remove (struct sv_netctx *c, const struct sv_net *n, struct sv_err **err)
{
  struct sv_endpoint **eps = NULL;
  size_t neps = 0;
  if (sv_endpoint_list (c->db, n->id, NULL, &eps, &neps, err) < 0)
    return -1;
  sv_endpoint_list_free (eps, neps);
  if (neps > 0)
    return sv_err_make_plain (err, EBUSY,
                              "error while removing network: network %s id %s has active "
                              "endpoints",
                              n->name, n->id);
  _cleanup_close_ int lock = lock_networks (c, err);
  if (lock < 0)
    return -1;
  sv_dns_proc_stop (c, n);
  if (sv_nft_network_remove (c->table, n->bridge, err) < 0)
    return -1;
  struct sv_nl nl;
  if (sv_nl_open (&nl, err) < 0)
    return -1;
  struct sv_err *e = NULL;
  int r = sv_nl_link_del (&nl, n->bridge, &e);
  sv_nl_close (&nl);
  if (r < 0 && e->code != ENODEV)
    {
      *err = e;
      return -1;
    }
  sv_err_free (&e);
  return sv_net_delete (c->db, n->id, err);
}

/* ---- containers ---- */

char *
sv_network_veth_name (const char *container_id, const char *network_id)
{
  /* FNV-1a over both ids: 13 hex digits keep the name within IFNAMSIZ. */
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char *s = container_id; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  for (const char *s = network_id; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return xasprintf ("sv%013llx", (unsigned long long)(h & 0xfffffffffffffull));
}

/* docker's MAC: 02:42 and the address. */
static void
mac_of (uint32_t ip, unsigned char mac[6])
{
  mac[0] = 0x02;
  mac[1] = 0x42;
  mac[2] = (unsigned char)(ip >> 24);
  mac[3] = (unsigned char)(ip >> 16);
  mac[4] = (unsigned char)(ip >> 8);
  mac[5] = (unsigned char)ip;
}

static int
configure_inside (struct sv_nl *in, const struct sv_net *n, const struct sv_endpoint *ep,
                  struct sv_err **err)
{
  struct in_addr a = { htonl (ep->ip) };
  struct in_addr gw = { htonl (n->gateway) };
  if (sv_nl_link_up (in, "lo", err) < 0 || sv_nl_addr_add (in, ep->ifname, a, n->prefix, err) < 0
      || sv_nl_link_up (in, ep->ifname, err) < 0)
    return -1;
  if (n->internal || strcmp (ep->ifname, "eth0") != 0)
    return 0;
  return sv_nl_route_add_default (in, ep->ifname, gw, err);
}

int
sv_network_plug (struct sv_netctx *c, struct sv_nl *nl, const struct sv_net *n,
                 const struct sv_endpoint *ep, pid_t pid, struct sv_err **err)
{
  unsigned mtu = 1500;
  unsigned char mac[6];
  mac_of (ep->ip, mac);
  int master = sv_nl_ifindex (nl, n->bridge, err);
  if (master < 0)
    return -1;
  if (master == 0)
    return sv_err_make_plain (err, ENODEV, "network %s: bridge %s is gone", n->name, n->bridge);
  if (sv_nl_default_mtu (nl, &mtu, err) < 0
      || sv_nl_veth_add (nl, ep->host_ifname, ep->ifname, pid, mtu, master, mac, err) < 0
      || sv_nl_bridge_port_hairpin (nl, ep->host_ifname, err) < 0)
    return -1;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int)pid);
  _cleanup_close_ int nsfd = open (path, O_RDONLY | O_CLOEXEC);
  struct sv_nl in;
  if (nsfd < 0)
    return sv_err_errno (err, "open `%s`", path);
  if (sv_nl_open_netns (&in, nsfd, err) < 0)
    return -1;
  int r = configure_inside (&in, n, ep, err);
  sv_nl_close (&in);
  if (r < 0)
    return sv_err_wrap (err, "configure %s of the container on network %s", ep->ifname, n->name);
  return 0;
}

int
sv_network_unplug (struct sv_nl *nl, const struct sv_endpoint *ep, struct sv_err **err)
{
  struct sv_err *e = NULL;
  if (sv_nl_link_del (nl, ep->host_ifname, &e) == 0)
    return 0;
  if (e->code == ENODEV)
    {
      sv_err_free (&e);
      return 0;
    }
  *err = e;
  return -1;
}
