#include "engine/ctr-net.h"
#include "engine/ctr-etc.h"
#include "engine/parse.h"
#include "network/dns-proc.h"
#include "network/ipam.h"
#include "network/network.h"
#include "network/nft.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct sv_ctr_net
{
  struct sv_engine *e;
  char *id;
  struct sv_nl nl; /* the host's namespace */
  bool nl_open;
  struct sv_net **nets;
  struct sv_endpoint **eps;
  size_t n;
  struct sv_nft_port *ports; /* installed in nftables */
  size_t n_ports;
  int *fds; /* sockets holding the published host ports */
  size_t n_fds;
  bool released;
};

static json_t *
hc (json_t *config)
{
  return json_object_get (config, "HostConfig");
}

static const char *
mode_string (json_t *config)
{
  return json_string_value (json_object_get (hc (config), "NetworkMode"));
}

/* CONFIG's network mode, read as --network is (a missing one is the
 * default network). */
static enum sv_network_mode
mode_of (json_t *config)
{
  const char *m = mode_string (config);
  struct sv_network n = { SV_NET_BRIDGE, NULL };
  if (m && sv_parse_network (m, &n, NULL) < 0)
    return SV_NET_BRIDGE;
  enum sv_network_mode mode = n.mode;
  sv_network_clear (&n);
  return mode;
}

const char *
sv_ctr_net_primary (json_t *config)
{
  switch (mode_of (config))
    {
    case SV_NET_BRIDGE:
      return SV_DEFAULT_NETWORK;
    case SV_NET_NAMED:
      return mode_string (config);
    default:
      return NULL;
    }
}

/* The primary network first, then the others of EndpointsConfig by name. */
static char **
network_names (json_t *config)
{
  const char *primary = sv_ctr_net_primary (config);
  json_t *eps = json_object_get (json_object_get (config, "NetworkingConfig"), "EndpointsConfig");
  size_t n = 1 + json_object_size (eps), len = 0;
  char **v = xmalloc0 ((n + 1) * sizeof *v);
  if (primary)
    v[len++] = xstrdup (primary);
  const char *k;
  json_t *val;
  json_object_foreach (eps, k, val)
  {
    if (primary && strcmp (k, primary) == 0)
      continue;
    v[len++] = xstrdup (k);
  }
  if (len > 2)
    qsort (v + 1, len - 1, sizeof *v, (int (*) (const void *, const void *))strcmp);
  return v;
}

static void
free_strv (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

static json_t *
endpoint_config (json_t *config, const char *network)
{
  json_t *eps = json_object_get (json_object_get (config, "NetworkingConfig"), "EndpointsConfig");
  return json_object_get (eps, network);
}

static json_t *
lower_names (const struct sv_ctr *c, json_t *aliases)
{
  json_t *a = json_array ();
  _cleanup_free_ char *name = xstrdup (c->name);
  for (char *p = name; *p; p++)
    *p = (char)tolower ((unsigned char)*p);
  json_array_append_new (a, json_string (name));
  json_array_append_new (a, json_stringn (c->id, 12));
  size_t i;
  json_t *v;
  json_array_foreach (aliases, i, v)
  {
    _cleanup_free_ char *s = xstrdup (json_string_value (v) ?: "");
    for (char *p = s; *p; p++)
      *p = (char)tolower ((unsigned char)*p);
    json_array_append_new (a, json_string (s));
  }
  return a;
}

/* Record C's endpoint on N as interface INDEX. */
static int
attach (struct sv_ctr_net *cn, const struct sv_ctr *c, const struct sv_net *n, size_t index,
        struct sv_endpoint **out, struct sv_err **err)
{
  json_t *cfg = endpoint_config (c->config, n->name);
  json_t *aliases = json_object_get (cfg, "Aliases");
  const char *want
      = json_string_value (json_object_get (json_object_get (cfg, "IPAMConfig"), "IPv4Address"));
  struct sv_endpoint *ep = xmalloc0 (sizeof *ep);
  ep->network_id = xstrdup (n->id);
  ep->container_id = xstrdup (c->id);
  ep->ifname = xasprintf ("eth%zu", index);
  ep->host_ifname = sv_network_veth_name (c->id, n->id);
  ep->aliases = aliases ? json_incref (aliases) : json_array ();
  ep->dns_names = lower_names (c, aliases);
  if (want && *want && sv_ip_parse (want, &ep->ip) < 0)
    {
      sv_endpoint_free (ep);
      return sv_err_make_plain (err, EINVAL, "invalid IPv4 address: %s", want);
    }
  if (sv_ipam_attach (cn->e->db, n, ep, err) < 0)
    {
      sv_endpoint_free (ep);
      return -1;
    }
  *out = ep;
  return 0;
}

static int
lookup_network (struct sv_ctr_net *cn, const char *name, struct sv_net **out, struct sv_err **err)
{
  if (strcmp (name, SV_DEFAULT_NETWORK) == 0)
    return sv_network_default (&cn->e->net, out, err);
  return sv_net_lookup (cn->e->db, name, out, err);
}

static int
join_networks (struct sv_ctr_net *cn, const struct sv_ctr *c, struct sv_err **err)
{
  char **names = network_names (c->config);
  size_t count = 0;
  while (names[count])
    count++;
  cn->nets = xmalloc0 ((count + 1) * sizeof *cn->nets);
  cn->eps = xmalloc0 ((count + 1) * sizeof *cn->eps);
  int r = 0;
  for (size_t i = 0; r == 0 && i < count; i++)
    {
      struct sv_net *n = NULL;
      struct sv_endpoint *ep = NULL;
      r = lookup_network (cn, names[i], &n, err);
      if (r == 0 && (r = sv_network_up (&cn->e->net, &cn->nl, n, err)) == 0)
        r = attach (cn, c, n, i, &ep, err);
      if (r < 0)
        {
          sv_net_free (n);
          break;
        }
      cn->nets[cn->n] = n;
      cn->eps[cn->n++] = ep;
      if (n->dns)
        r = sv_dns_proc_ensure (&cn->e->net, n, err);
    }
  free_strv (names);
  return r;
}

/* ---- published ports ---- */

static int
proto_num (const char *s)
{
  return strcmp (s, "udp") == 0 ? IPPROTO_UDP : strcmp (s, "tcp") == 0 ? IPPROTO_TCP : -1;
}

/* Hold HOST_IP:PORT (0: a free one, written back) so that nobody else on
 * the host takes it while the container publishes it. */
static int
reserve (struct sv_ctr_net *cn, int proto, uint32_t host_ip, uint16_t *port, struct sv_err **err)
{
  int fd = socket (AF_INET, (proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sv_err_errno (err, "socket");
  struct sockaddr_in a
      = { .sin_family = AF_INET, .sin_port = htons (*port), .sin_addr = { htonl (host_ip) } };
  socklen_t len = sizeof a;
  if (bind (fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname (fd, (void *)&a, &len) < 0)
    {
      int saved = errno;
      close (fd);
      char ip[16];
      errno = saved;
      return sv_err_errno (err, "Bind for %s:%u failed", sv_ip_str (host_ip, ip), *port);
    }
  *port = ntohs (a.sin_port);
  cn->fds = xreallocarray (cn->fds, cn->n_fds + 1, sizeof *cn->fds);
  cn->fds[cn->n_fds++] = fd;
  return 0;
}

/* One "HostPort" value: "", "8080" or a range "8000-8010" to pick from. */
static int
bind_one (struct sv_ctr_net *cn, int proto, uint32_t host_ip, const char *spec, uint16_t *out,
          struct sv_err **err)
{
  unsigned lo = 0, hi = 0;
  if (spec && *spec && sscanf (spec, "%u-%u", &lo, &hi) < 1)
    return sv_err_make_plain (err, EINVAL, "invalid host port: %s", spec);
  if (hi < lo)
    hi = lo;
  for (unsigned p = lo;; p++)
    {
      uint16_t port = (uint16_t)p;
      struct sv_err *e = NULL;
      if (reserve (cn, proto, host_ip, &port, &e) == 0)
        {
          *out = port;
          return 0;
        }
      if (p >= hi)
        {
          *err = e;
          return -1;
        }
      sv_err_free (&e);
    }
}

static int
add_binding (struct sv_ctr_net *cn, struct sv_port_binding **v, size_t *n, const char *key,
             json_t *b, struct sv_err **err)
{
  unsigned ctr_port = 0;
  char proto[8] = "tcp";
  if (sscanf (key, "%u/%7s", &ctr_port, proto) < 1 || ctr_port == 0 || ctr_port > 65535
      || proto_num (proto) < 0)
    return sv_err_make_plain (err, EINVAL, "cannot publish %s: only tcp and udp ports", key);
  const char *ip = json_string_value (json_object_get (b, "HostIp"));
  uint32_t host_ip = 0;
  if (ip && *ip && sv_ip_parse (ip, &host_ip) < 0)
    return sv_err_make_plain (err, EINVAL, "cannot publish on %s: only IPv4 addresses", ip);
  uint16_t port = 0;
  if (bind_one (cn, proto_num (proto), host_ip, json_string_value (json_object_get (b, "HostPort")),
                &port, err)
      < 0)
    return -1;
  *v = xreallocarray (*v, *n + 1, sizeof **v);
  (*v)[(*n)++] = (struct sv_port_binding){ proto_num (proto), host_ip, port, (uint16_t)ctr_port };
  return 0;
}

/* PortBindings, plus every exposed port with -P. */
static int
collect_bindings (struct sv_ctr_net *cn, const struct sv_ctr *c, struct sv_port_binding **v,
                  size_t *n, struct sv_err **err)
{
  json_t *pb = json_object_get (hc (c->config), "PortBindings");
  const char *key;
  json_t *list, *b;
  size_t i;
  json_object_foreach (pb, key, list)
  {
    json_array_foreach (list, i, b) if (add_binding (cn, v, n, key, b, err) < 0) return -1;
  }
  if (!json_is_true (json_object_get (hc (c->config), "PublishAllPorts")))
    return 0;
  json_t *exposed = json_object_get (json_object_get (c->config, "Config"), "ExposedPorts");
  _cleanup_json_ json_t *any = json_object ();
  json_object_foreach (exposed, key, list)
  {
    if (json_object_get (pb, key))
      continue;
    if (add_binding (cn, v, n, key, any, err) < 0)
      return -1;
  }
  return 0;
}

static int
publish (struct sv_ctr_net *cn, const struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_free_ struct sv_port_binding *v = NULL;
  size_t n = 0;
  if (collect_bindings (cn, c, &v, &n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  if (cn->n == 0)
    return sv_err_make_plain (err, EINVAL, "published ports need a bridge network");
  if (sv_ports_set (cn->e->db, c->id, v, n, err) < 0)
    return -1;
  cn->ports = xmalloc0 (n * sizeof *cn->ports);
  for (size_t i = 0; i < n; i++)
    cn->ports[i] = (struct sv_nft_port){
      .proto = v[i].proto,
      .host_ip = { htonl (v[i].host_ip) },
      .host_port = v[i].host_port,
      .ctr_ip = { htonl (cn->eps[0]->ip) },
      .ctr_port = v[i].ctr_port,
    };
  if (sv_nft_ports_add (cn->e->net.table, cn->ports, n, err) < 0)
    {
      free (cn->ports);
      cn->ports = NULL;
      sv_ports_delete (cn->e->db, c->id, NULL);
      return -1;
    }
  cn->n_ports = n;
  return 0;
}

/* ---- prepare, plug, finish ---- */

static int
write_etc (struct sv_ctr_net *cn, const struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_free_ char *dir = sv_engine_ctr_dir (cn->e, c->id);
  _cleanup_close_ int dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return sv_err_errno (err, "open `%s`", dir);
  struct sv_etc_net en = { 0 };
  if (cn->n > 0)
    en = (struct sv_etc_net){ cn->eps[0]->ip, cn->nets[0]->gateway, cn->nets[0]->dns };
  return sv_ctr_write_etc (dirfd, c->config, cn->n > 0 ? &en : NULL, err);
}

static void
release (struct sv_ctr_net *cn)
{
  if (cn->released)
    return;
  cn->released = true;
  if (cn->n_ports)
    sv_nft_ports_remove (cn->e->net.table, cn->ports, cn->n_ports, NULL);
  sv_ports_delete (cn->e->db, cn->id, NULL);
  sv_endpoint_delete (cn->e->db, NULL, cn->id, NULL);
  for (size_t i = 0; i < cn->n_fds; i++)
    close (cn->fds[i]);
  cn->n_fds = 0;
}

static void
free_cn (struct sv_ctr_net *cn)
{
  if (cn->nl_open)
    sv_nl_close (&cn->nl);
  sv_net_list_free (cn->nets, cn->n);
  sv_endpoint_list_free (cn->eps, cn->n);
  free (cn->ports);
  free (cn->fds);
  free (cn->id);
  free (cn);
}

int
sv_ctr_net_prepare (struct sv_engine *e, struct sv_ctr *c, struct sv_ctr_net **out,
                    struct sv_err **err)
{
  *out = NULL;
  enum sv_network_mode mode = mode_of (c->config);
  if (mode == SV_NET_HOST || mode == SV_NET_CONTAINER)
    return 0;
  struct sv_ctr_net *cn = xmalloc0 (sizeof *cn);
  cn->e = e;
  cn->id = xstrdup (c->id);
  int r = sv_nl_open (&cn->nl, err);
  cn->nl_open = r == 0;
  if (r == 0)
    r = join_networks (cn, c, err);
  if (r == 0)
    r = publish (cn, c, err);
  if (r == 0)
    r = write_etc (cn, c, err);
  if (r < 0)
    {
      release (cn);
      sv_ctr_net_free (cn);
      return -1;
    }
  *out = cn;
  return 0;
}

static int
loopback_up (pid_t pid, struct sv_err **err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int)pid);
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  struct sv_nl in;
  if (sv_nl_open_netns (&in, fd, err) < 0)
    return -1;
  int r = sv_nl_link_up (&in, "lo", err);
  sv_nl_close (&in);
  return r;
}

int
sv_ctr_net_plug (void *data, pid_t pid, struct sv_err **err)
{
  struct sv_ctr_net *cn = data;
  if (cn->n == 0)
    return loopback_up (pid, err);
  for (size_t i = 0; i < cn->n; i++)
    if (sv_network_plug (&cn->e->net, &cn->nl, cn->nets[i], cn->eps[i], pid, err) < 0)
      return -1;
  return 0;
}

void
sv_ctr_net_finish (struct sv_ctr_net *cn, bool final)
{
  if (cn == NULL)
    return;
  if (final)
    {
      release (cn);
      return;
    }
  for (size_t i = 0; i < cn->n; i++)
    sv_network_unplug (&cn->nl, cn->eps[i], NULL);
}

void
sv_ctr_net_free (struct sv_ctr_net *cn)
{
  if (cn == NULL)
    return;
  for (size_t i = 0; i < cn->n; i++)
    sv_network_unplug (&cn->nl, cn->eps[i], NULL);
  free_cn (cn);
}

void
sv_ctr_net_release (struct sv_engine *e, const char *id)
{
  struct sv_port_binding *v = NULL;
  size_t n = 0;
  struct sv_endpoint **eps = NULL;
  size_t neps = 0;
  if (sv_ports_list (e->db, id, &v, &n, NULL) == 0 && n > 0
      && sv_endpoint_list (e->db, NULL, id, &eps, &neps, NULL) == 0 && neps > 0)
    {
      _cleanup_free_ struct sv_nft_port *p = xmalloc0 (n * sizeof *p);
      for (size_t i = 0; i < n; i++)
        p[i] = (struct sv_nft_port){ v[i].proto,
                                     { htonl (v[i].host_ip) },
                                     v[i].host_port,
                                     { htonl (eps[0]->ip) },
                                     v[i].ctr_port };
      sv_nft_ports_remove (e->net.table, p, n, NULL);
    }
  if (neps > 0)
    {
      struct sv_nl nl;
      if (sv_nl_open (&nl, NULL) == 0)
        {
          for (size_t i = 0; i < neps; i++)
            sv_network_unplug (&nl, eps[i], NULL);
          sv_nl_close (&nl);
        }
    }
  sv_endpoint_list_free (eps, neps);
  free (v);
  sv_ports_delete (e->db, id, NULL);
  sv_endpoint_delete (e->db, NULL, id, NULL);
}

/* ---- inspect ---- */

static json_t *
ports_json (struct sv_engine *e, const struct sv_ctr *c)
{
  json_t *ports = json_object ();
  const char *key;
  json_t *v;
  json_object_foreach (json_object_get (json_object_get (c->config, "Config"), "ExposedPorts"), key,
                       v) json_object_set_new (ports, key, json_null ());
  struct sv_port_binding *p = NULL;
  size_t n = 0;
  if (sv_ports_list (e->db, c->id, &p, &n, NULL) < 0)
    return ports;
  for (size_t i = 0; i < n; i++)
    {
      char k[32], ip[16], port[8];
      snprintf (k, sizeof k, "%u/%s", p[i].ctr_port, p[i].proto == IPPROTO_UDP ? "udp" : "tcp");
      snprintf (port, sizeof port, "%u", p[i].host_port);
      json_t *list = json_object_get (ports, k);
      if (!json_is_array (list))
        json_object_set_new (ports, k, list = json_array ());
      json_array_append_new (
          list, json_pack ("{s:s, s:s}", "HostIp", sv_ip_str (p[i].host_ip, ip), "HostPort", port));
    }
  free (p);
  return ports;
}

static json_t *
endpoint_json (const struct sv_net *n, const struct sv_endpoint *ep)
{
  char ip[16], gw[16], mac[18];
  snprintf (mac, sizeof mac, "02:42:%02x:%02x:%02x:%02x", ep->ip >> 24, (ep->ip >> 16) & 0xff,
            (ep->ip >> 8) & 0xff, ep->ip & 0xff);
  return json_pack ("{s:s, s:s, s:s, s:i, s:s, s:O, s:O}", "NetworkID", n->id, "IPAddress",
                    sv_ip_str (ep->ip, ip), "Gateway",
                    n->internal ? "" : sv_ip_str (n->gateway, gw), "IPPrefixLen", n->prefix,
                    "MacAddress", mac, "Aliases", ep->aliases, "DNSNames",
                    n->dns ? ep->dns_names : json_null ());
}

json_t *
sv_ctr_net_settings (struct sv_engine *e, const struct sv_ctr *c)
{
  json_t *s = json_pack ("{s:o, s:o, s:s, s:s, s:i, s:s}", "Networks", json_object (), "Ports",
                         ports_json (e, c), "IPAddress", "", "Gateway", "", "IPPrefixLen", 0,
                         "MacAddress", "");
  struct sv_endpoint **eps = NULL;
  size_t n = 0;
  if (sv_endpoint_list (e->db, NULL, c->id, &eps, &n, NULL) < 0)
    return s;
  for (size_t i = 0; i < n; i++)
    {
      struct sv_net *net = NULL;
      if (sv_net_lookup (e->db, eps[i]->network_id, &net, NULL) < 0)
        continue;
      json_t *j = endpoint_json (net, eps[i]);
      if (i == 0)
        json_object_update (s, j);
      json_object_del (s, "NetworkID");
      json_object_del (s, "Aliases");
      json_object_del (s, "DNSNames");
      json_object_set_new (json_object_get (s, "Networks"), net->name, j);
      sv_net_free (net);
    }
  sv_endpoint_list_free (eps, n);
  return s;
}

char *
sv_ctr_net_ports_text (struct sv_engine *e, const struct sv_ctr *c, const char *private_port,
                       bool docker_port)
{
  struct sv_port_binding *p = NULL;
  size_t n = 0;
  if (sv_ports_list (e->db, c->id, &p, &n, NULL) < 0)
    return NULL;
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  for (size_t i = 0; i < n; i++)
    {
      char key[32], ip[16];
      const char *proto = p[i].proto == IPPROTO_UDP ? "udp" : "tcp";
      snprintf (key, sizeof key, "%u/%s", p[i].ctr_port, proto);
      if (private_port && strcmp (private_port, key) != 0
          && !(strchr (private_port, '/') == NULL && (unsigned)atoi (private_port) == p[i].ctr_port
               && p[i].proto == IPPROTO_TCP))
        continue;
      sv_ip_str (p[i].host_ip, ip);
      if (private_port)
        fprintf (f, "%s:%u\n", ip, p[i].host_port);
      else if (docker_port)
        fprintf (f, "%s -> %s:%u\n", key, ip, p[i].host_port);
      else
        fprintf (f, "%s%s:%u->%s", len ? ", " : "", ip, p[i].host_port, key);
      fflush (f);
    }
  fclose (f);
  free (p);
  return text;
}

/* ---- connect, disconnect ---- */

static bool
own_network (const struct sv_ctr *c)
{
  enum sv_network_mode mode = mode_of (c->config);
  return mode == SV_NET_BRIDGE || mode == SV_NET_NAMED;
}

static json_t *
endpoints_config (struct sv_ctr *c)
{
  json_t *nc = json_object_get (c->config, "NetworkingConfig");
  if (!json_is_object (nc))
    json_object_set_new (c->config, "NetworkingConfig", nc = json_object ());
  json_t *eps = json_object_get (nc, "EndpointsConfig");
  if (!json_is_object (eps))
    json_object_set_new (nc, "EndpointsConfig", eps = json_object ());
  return eps;
}

/* Plug running C into N as its next interface. */
static int
connect_running (struct sv_engine *e, struct sv_ctr *c, struct sv_net *n, struct sv_err **err)
{
  struct sv_ctr_net cn = { .e = e };
  struct sv_endpoint **eps = NULL, *ep = NULL;
  size_t neps = 0;
  if (sv_endpoint_list (e->db, NULL, c->id, &eps, &neps, err) < 0)
    return -1;
  /* The next free ethN: one past the highest in use (a disconnect may
   * have left a gap). */
  size_t index = 0;
  for (size_t i = 0; i < neps; i++)
    if (strncmp (eps[i]->ifname, "eth", 3) == 0 && (size_t)atoi (eps[i]->ifname + 3) >= index)
      index = (size_t)atoi (eps[i]->ifname + 3) + 1;
  sv_endpoint_list_free (eps, neps);
  if (sv_nl_open (&cn.nl, err) < 0)
    return -1;
  int r = sv_network_up (&e->net, &cn.nl, n, err);
  if (r == 0)
    r = attach (&cn, c, n, index, &ep, err);
  if (r == 0 && (r = sv_network_plug (&e->net, &cn.nl, n, ep, c->pid, err)) < 0)
    sv_endpoint_delete (e->db, n->id, c->id, NULL);
  if (r == 0 && n->dns)
    r = sv_dns_proc_ensure (&e->net, n, err);
  sv_endpoint_free (ep);
  sv_nl_close (&cn.nl);
  return r;
}

int
sv_ctr_net_connect (struct sv_engine *e, struct sv_ctr *c, const char *network, json_t *epcfg,
                    struct sv_err **err)
{
  if (!own_network (c))
    return sv_err_make_plain (err, EINVAL,
                              "container %s cannot be connected: its network mode is %s", c->name,
                              mode_string (c->config));
  struct sv_net *n = NULL;
  int r = strcmp (network, SV_DEFAULT_NETWORK) == 0 ? sv_network_default (&e->net, &n, err)
                                                    : sv_net_lookup (e->db, network, &n, err);
  if (r < 0)
    return -1;
  json_t *eps = endpoints_config (c);
  const char *primary = sv_ctr_net_primary (c->config);
  if (json_object_get (eps, n->name) || (primary && strcmp (primary, n->name) == 0))
    r = sv_err_make_plain (err, EEXIST, "endpoint with name %s already exists in network %s",
                           c->name, n->name);
  if (r == 0)
    {
      json_object_set_new (eps, n->name, epcfg ? json_incref (epcfg) : json_object ());
      if (sv_engine_refresh (e, c))
        r = connect_running (e, c, n, err);
      if (r == 0)
        r = sv_ctr_set_config (e->db, c, err);
    }
  sv_net_free (n);
  return r;
}

int
sv_ctr_net_disconnect (struct sv_engine *e, struct sv_ctr *c, const char *network,
                       struct sv_err **err)
{
  struct sv_net *n = NULL;
  if (sv_net_lookup (e->db, network, &n, err) < 0)
    return -1;
  json_t *eps = endpoints_config (c);
  const char *primary = sv_ctr_net_primary (c->config);
  int r = 0;
  if (json_object_get (eps, n->name) == NULL && !(primary && strcmp (primary, n->name) == 0))
    r = sv_err_make_plain (err, ENOENT, "container %s is not connected to network %s", c->name,
                           n->name);
  if (r == 0 && sv_engine_refresh (e, c))
    {
      struct sv_nl nl;
      _cleanup_free_ char *veth = sv_network_veth_name (c->id, n->id);
      struct sv_endpoint ep = { .host_ifname = veth };
      if ((r = sv_nl_open (&nl, err)) == 0)
        {
          r = sv_network_unplug (&nl, &ep, err);
          sv_nl_close (&nl);
        }
      if (r == 0)
        r = sv_endpoint_delete (e->db, n->id, c->id, err);
    }
  if (r == 0)
    {
      json_object_del (eps, n->name);
      if (primary && strcmp (primary, n->name) == 0)
        json_object_set_new (hc (c->config), "NetworkMode", json_string ("none"));
      r = sv_ctr_set_config (e->db, c, err);
    }
  sv_net_free (n);
  return r;
}
