/* servin network create / ls / inspect / rm / connect / disconnect / prune. */
#include "cli/run.h"
#include "engine/ctr-net.h"
#include "engine/parse.h"
#include "engine/prune.h"
#include "network/dns-proc.h"
#include "network/network.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum
{
  OPT_SUBNET = 256,
  OPT_GATEWAY,
  OPT_INTERNAL,
  OPT_FORMAT,
  OPT_ALIAS,
  OPT_IP,
  OPT_IPV6,
};

static const struct option create_opts[] = {
  { "subnet", required_argument, NULL, OPT_SUBNET },
  { "gateway", required_argument, NULL, OPT_GATEWAY },
  { "internal", no_argument, NULL, OPT_INTERNAL },
  { "label", required_argument, NULL, 'l' },
  { "driver", required_argument, NULL, 'd' },
  { "ipv6", no_argument, NULL, OPT_IPV6 },
  { 0 },
};

int
cmd_network_create (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct sv_network_create req = { 0 };
  _cleanup_strv_ char **labels = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "network create", create_opts, true, &next, err)) != -1)
    if (ch == -2 || (ch == 'l' && sv_parse_label (optarg, &labels, err) < 0))
      return SERVIN_EXIT_ERROR;
    else if (ch == OPT_SUBNET)
      req.subnet = optarg;
    else if (ch == OPT_GATEWAY)
      req.gateway = optarg;
    else if (ch == OPT_INTERNAL)
      req.internal = true;
    else if (ch == 'd' && strcmp (optarg, "bridge") != 0)
      return sv_err_make_plain (err, EINVAL,
                                "network create: driver %s is not supported (only "
                                "bridge)",
                                optarg),
             SERVIN_EXIT_ERROR;
    else if (ch == OPT_IPV6)
      return sv_err_make_plain (err, EINVAL, "network create: --ipv6 is not supported yet"),
             SERVIN_EXIT_ERROR;
  if (cli_operands (argc, next, 1, 1, "network create", "[OPTIONS] NETWORK", err) < 0)
    return SERVIN_EXIT_ERROR;
  req.name = argv[next];
  /* docker's container name rule, one character allowed */
  bool one = isalnum ((unsigned char)req.name[0]) && req.name[1] == '\0';
  if (!one && !sv_name_valid (req.name))
    return sv_err_make_plain (err, EINVAL,
                              "invalid network name %s: only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                              "allowed",
                              req.name),
           SERVIN_EXIT_ERROR;
  _cleanup_json_ json_t *l = cli_labels_json (labels);
  req.labels = l;
  struct sv_engine *e;
  struct sv_net *n = NULL;
  if (cli_engine (cli, &e, err) < 0 || sv_network_create (&e->net, &req, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  printf ("%s\n", n->id);
  sv_net_free (n);
  return 0;
}

/* ---- inspect ---- */

static json_t *
containers_json (struct sv_engine *e, const struct sv_net *n)
{
  json_t *o = json_object ();
  struct sv_endpoint **eps = NULL;
  size_t neps = 0;
  if (sv_endpoint_list (e->db, n->id, NULL, &eps, &neps, NULL) < 0)
    return o;
  for (size_t i = 0; i < neps; i++)
    {
      struct sv_ctr *c = NULL;
      if (sv_ctr_lookup (e->db, eps[i]->container_id, &c, NULL) < 0)
        continue;
      char ip[16], mac[18];
      snprintf (mac, sizeof mac, "02:42:%02x:%02x:%02x:%02x", eps[i]->ip >> 24,
                (eps[i]->ip >> 16) & 0xff, (eps[i]->ip >> 8) & 0xff, eps[i]->ip & 0xff);
      json_object_set_new (o, c->id,
                           json_pack ("{s:s, s:s, s:o, s:s}", "Name", c->name, "MacAddress", mac,
                                      "IPv4Address",
                                      json_sprintf ("%s/%d", sv_ip_str (eps[i]->ip, ip), n->prefix),
                                      "IPv6Address", ""));
      sv_ctr_free (c);
    }
  sv_endpoint_list_free (eps, neps);
  return o;
}

static json_t *
network_json (struct sv_engine *e, const struct sv_net *n)
{
  char subnet[16], gw[16];
  json_t *ipam = json_pack ("{s:s, s:[{s:o, s:s}], s:{}}", "Driver", "default", "Config", "Subnet",
                            json_sprintf ("%s/%d", sv_ip_str (n->subnet, subnet), n->prefix),
                            "Gateway", sv_ip_str (n->gateway, gw), "Options");
  return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:b, s:b, s:o, s:{s:s}, s:O, s:b}", "Name",
                    n->name, "Id", n->id, "Created", n->created, "Scope", "local", "Driver",
                    "bridge", "EnableIPv6", false, "IPAM", ipam, "Internal", n->internal,
                    "Attachable", true, "Containers", containers_json (e, n), "Options",
                    "com.docker.network.bridge.name", n->bridge, "Labels", n->labels, "DNSEnabled",
                    n->dns);
}

static int
lookup (struct sv_engine *e, const char *name, struct sv_net **out, struct sv_err **err)
{
  if (strcmp (name, SV_DEFAULT_NETWORK) == 0 || strcmp (name, "bridge") == 0)
    return sv_network_default (&e->net, out, err);
  return sv_net_lookup (e->db, name, out, err);
}

static const struct option format_opts[] = {
  { "format", required_argument, NULL, OPT_FORMAT },
  { 0 },
};

int
cmd_network_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *format = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "network inspect", format_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == OPT_FORMAT)
      format = optarg;
  struct sv_engine *e;
  if (cli_operands (argc, next, 1, -1, "network inspect", "[--format FORMAT] NETWORK...", err) < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  _cleanup_json_ json_t *all = json_array ();
  for (int i = next; i < argc; i++)
    {
      struct sv_net *n = NULL;
      struct sv_err *e1 = NULL;
      if (lookup (e, argv[i], &n, &e1) < 0)
        {
          cli_report_operand (&e1);
          status = 1;
          continue;
        }
      json_t *j = network_json (e, n);
      sv_net_free (n);
      if (format && cli_template_print (format, j, err) < 0)
        {
          json_decref (j);
          return SERVIN_EXIT_ERROR;
        }
      json_array_append_new (all, j);
    }
  if (format == NULL)
    cli_print_json (all, true);
  return status;
}

/* ---- ls ---- */

static const struct option ls_opts[] = {
  { "quiet", no_argument, NULL, 'q' },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "filter", required_argument, NULL, 'f' },
  { "no-trunc", no_argument, NULL, 'N' },
  { 0 },
};

int
cmd_network_ls (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool quiet = false, no_trunc = false;
  const char *format = NULL, *name_filter = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "network ls", ls_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'q')
      quiet = true;
    else if (ch == 'N')
      no_trunc = true;
    else if (ch == OPT_FORMAT)
      format = strcmp (optarg, "table") == 0 ? NULL : optarg;
    else if (ch == 'f' && strncmp (optarg, "name=", 5) == 0)
      name_filter = optarg + 5;
    else if (ch == 'f')
      return sv_err_make_plain (err, EINVAL, "network ls: filter `%s` is not supported", optarg),
             SERVIN_EXIT_ERROR;
  struct sv_engine *e;
  struct sv_net *dflt = NULL, **v = NULL;
  size_t n = 0;
  if (cli_operands (argc, next, 0, 0, "network ls", "[OPTIONS]", err) < 0
      || cli_engine (cli, &e, err) < 0 || sv_network_default (&e->net, &dflt, err) < 0
      || sv_net_list (e->db, &v, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  sv_net_free (dflt);
  if (!quiet && format == NULL)
    printf ("%-15s%-20s%-10s%s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      if (name_filter && strstr (v[i]->name, name_filter) == NULL)
        continue;
      _cleanup_free_ char *id = no_trunc ? xstrdup (v[i]->id) : xstrndup (v[i]->id, 12);
      if (quiet)
        printf ("%s\n", id);
      else if (format == NULL)
        printf ("%-15s%-20s%-10s%s\n", id, v[i]->name, "bridge", "local");
      else
        {
          _cleanup_json_ json_t *j = json_pack (
              "{s:s, s:s, s:s, s:s, s:b, s:s}", "ID", id, "Name", v[i]->name, "Driver", "bridge",
              "Scope", "local", "Internal", v[i]->internal, "CreatedAt", v[i]->created);
          if (strcmp (format, "json") == 0)
            cli_print_json (j, false);
          else
            r = cli_template_print (format, j, err);
        }
    }
  sv_net_list_free (v, n);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

/* ---- rm, prune ---- */

static int
remove_one (struct sv_engine *e, const char *name, struct sv_err **err)
{
  struct sv_net *n = NULL;
  if (sv_net_lookup (e->db, name, &n, err) < 0)
    return -1;
  int r = 0;
  if (strcmp (n->name, SV_DEFAULT_NETWORK) == 0)
    r = sv_err_make_plain (err, EPERM, "%s is a pre-defined network and cannot be removed",
                           n->name);
  else
    {
      /* Endpoints of containers that died unnoticed go first. */
      struct sv_endpoint **eps = NULL;
      size_t neps = 0;
      if (sv_endpoint_list (e->db, n->id, NULL, &eps, &neps, NULL) == 0)
        for (size_t i = 0; i < neps; i++)
          {
            struct sv_ctr *c = NULL;
            if (sv_ctr_lookup (e->db, eps[i]->container_id, &c, NULL) < 0)
              sv_ctr_net_release (e, eps[i]->container_id);
            else
              sv_engine_refresh (e, c);
            sv_ctr_free (c);
          }
      sv_endpoint_list_free (eps, neps);
      r = sv_network_remove (&e->net, n, err);
    }
  sv_net_free (n);
  return r;
}

static const struct option rm_opts[] = {
  { "force", no_argument, NULL, 'f' },
  { 0 },
};

int
cmd_network_rm (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool force = false;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "network rm", rm_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'f')
      force = true;
  struct sv_engine *e;
  if (cli_operands (argc, next, 1, -1, "network rm", "NETWORK [NETWORK...]", err) < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_err *e1 = NULL;
      if (remove_one (e, argv[i], &e1) == 0)
        printf ("%s\n", argv[i]);
      else if (force && e1->code == ENOENT)
        sv_err_free (&e1);
      else
        {
          cli_report_operand (&e1);
          status = 1;
        }
    }
  return status;
}

int
cmd_network_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool force = false;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "network prune", rm_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'f')
      force = true;
  struct sv_engine *e;
  if (cli_operands (argc, next, 0, 0, "network prune", "[-f]", err) < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (!force
      && !cli_confirm ("This will remove all custom networks not used by at least one "
                       "container."))
    return 0;
  _cleanup_strv_ char **names = NULL;
  if (sv_prune_networks (e, &names, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (names)
    printf ("Deleted Networks:\n");
  for (char **p = names; p && *p; p++)
    printf ("%s\n", *p);
  return 0;
}

/* ---- connect, disconnect ---- */

static const struct option connect_opts[] = {
  { "alias", required_argument, NULL, OPT_ALIAS },
  { "ip", required_argument, NULL, OPT_IP },
  { 0 },
};

int
cmd_network_connect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  _cleanup_json_ json_t *ep = json_object ();
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "network connect", connect_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == OPT_ALIAS)
      {
        json_t *a = json_object_get (ep, "Aliases");
        if (a == NULL)
          json_object_set_new (ep, "Aliases", a = json_array ());
        json_array_append_new (a, json_string (optarg));
      }
    else if (ch == OPT_IP)
      {
        unsigned char b[4];
        if (inet_pton (AF_INET, optarg, b) != 1)
          return sv_err_make_plain (err, EINVAL, "invalid IPv4 address: %s", optarg),
                 SERVIN_EXIT_ERROR;
        json_object_set_new (ep, "IPAMConfig", json_pack ("{s:s}", "IPv4Address", optarg));
      }
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_operands (argc, next, 2, 2, "network connect", "[OPTIONS] NETWORK CONTAINER", err) < 0
      || cli_container (cli, argv[next + 1], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  int r = sv_ctr_net_connect (e, c, argv[next], ep, err);
  sv_ctr_free (c);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

int
cmd_network_disconnect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "network disconnect", rm_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_operands (argc, next, 2, 2, "network disconnect", "[-f] NETWORK CONTAINER", err) < 0
      || cli_container (cli, argv[next + 1], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  int r = sv_ctr_net_disconnect (e, c, argv[next], err);
  sv_ctr_free (c);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}
