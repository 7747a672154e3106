#include "network/net-db.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char schema[] = "CREATE TABLE IF NOT EXISTS networks ("
                             "  id TEXT PRIMARY KEY,"
                             "  name TEXT NOT NULL UNIQUE,"
                             "  bridge TEXT NOT NULL UNIQUE,"
                             "  subnet INTEGER NOT NULL,"
                             "  prefix INTEGER NOT NULL,"
                             "  gateway INTEGER NOT NULL,"
                             "  internal INTEGER NOT NULL,"
                             "  dns INTEGER NOT NULL,"
                             "  labels TEXT,"
                             "  created TEXT NOT NULL);"
                             "CREATE TABLE IF NOT EXISTS endpoints ("
                             "  network_id TEXT NOT NULL,"
                             "  container_id TEXT NOT NULL,"
                             "  ip INTEGER NOT NULL,"
                             "  ifname TEXT NOT NULL,"
                             "  host_ifname TEXT NOT NULL,"
                             "  aliases TEXT,"
                             "  dns_names TEXT,"
                             "  PRIMARY KEY (network_id, container_id),"
                             "  UNIQUE (network_id, ip));"
                             "CREATE INDEX IF NOT EXISTS endpoints_by_container"
                             "  ON endpoints(container_id);"
                             "CREATE TABLE IF NOT EXISTS ports ("
                             "  container_id TEXT NOT NULL,"
                             "  proto INTEGER NOT NULL,"
                             "  host_ip INTEGER NOT NULL,"
                             "  host_port INTEGER NOT NULL,"
                             "  ctr_port INTEGER NOT NULL,"
                             "  PRIMARY KEY (proto, host_ip, host_port));";

const char *
sv_ip_str (uint32_t ip, char buf[16])
{
  struct in_addr a = { htonl (ip) };
  return inet_ntop (AF_INET, &a, buf, 16);
}

int
sv_ip_parse (const char *s, uint32_t *out)
{
  struct in_addr a;
  if (s == NULL || inet_pton (AF_INET, s, &a) != 1)
    return -1;
  *out = ntohl (a.s_addr);
  return 0;
}

void
sv_net_free (struct sv_net *n)
{
  if (n == NULL)
    return;
  free (n->id);
  free (n->name);
  free (n->bridge);
  if (n->labels)
    json_decref (n->labels);
  free (n->created);
  free (n);
}

void
sv_net_list_free (struct sv_net **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sv_net_free (v[i]);
  free (v);
}

void
sv_endpoint_free (struct sv_endpoint *ep)
{
  if (ep == NULL)
    return;
  free (ep->network_id);
  free (ep->container_id);
  free (ep->ifname);
  free (ep->host_ifname);
  if (ep->aliases)
    json_decref (ep->aliases);
  if (ep->dns_names)
    json_decref (ep->dns_names);
  free (ep);
}

void
sv_endpoint_list_free (struct sv_endpoint **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sv_endpoint_free (v[i]);
  free (v);
}

int
sv_net_db_init (sqlite3 *db, struct sv_err **err)
{
  return sv_db_exec (db, schema, err);
}

static json_t *
column_json (sqlite3_stmt *st, int i, json_t *dflt)
{
  const char *t = (const char *)sqlite3_column_text (st, i);
  json_t *j = t ? json_loads (t, 0, NULL) : NULL;
  if (j == NULL)
    return dflt;
  json_decref (dflt);
  return j;
}

#define NET_COLUMNS "id, name, bridge, subnet, prefix, gateway, internal, dns, labels, created"

static struct sv_net *
net_row (sqlite3_stmt *st)
{
  struct sv_net *n = xmalloc0 (sizeof *n);
  n->id = sv_db_column_strdup (st, 0);
  n->name = sv_db_column_strdup (st, 1);
  n->bridge = sv_db_column_strdup (st, 2);
  n->subnet = (uint32_t)sqlite3_column_int64 (st, 3);
  n->prefix = sqlite3_column_int (st, 4);
  n->gateway = (uint32_t)sqlite3_column_int64 (st, 5);
  n->internal = sqlite3_column_int (st, 6) != 0;
  n->dns = sqlite3_column_int (st, 7) != 0;
  n->labels = column_json (st, 8, json_object ());
  n->created = sv_db_column_strdup (st, 9);
  return n;
}

int
sv_net_insert (sqlite3 *db, const struct sv_net *n, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db, "INSERT INTO networks (" NET_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?)", &st,
                     err)
      < 0)
    return -1;
  _cleanup_json_ json_t *none = json_object ();
  _cleanup_free_ char *labels = json_dumps (n->labels ? n->labels : none, JSON_COMPACT);
  sqlite3_bind_text (st, 1, n->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, n->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, n->bridge, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 4, n->subnet);
  sqlite3_bind_int (st, 5, n->prefix);
  sqlite3_bind_int64 (st, 6, n->gateway);
  sqlite3_bind_int (st, 7, n->internal);
  sqlite3_bind_int (st, 8, n->dns);
  sqlite3_bind_text (st, 9, labels, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 10, n->created, -1, SQLITE_STATIC);
  int r = sqlite3_step (st);
  if (r == SQLITE_CONSTRAINT)
    return sv_err_make_plain (err, EEXIST, "network with name %s already exists", n->name);
  if (r != SQLITE_DONE)
    return sv_db_error (db, "insert network", err);
  return 0;
}

int
sv_net_lookup (sqlite3 *db, const char *id_or_name, struct sv_net **out, struct sv_err **err)
{
  static const char *const queries[] = {
    "SELECT " NET_COLUMNS " FROM networks WHERE name = ?1",
    "SELECT " NET_COLUMNS " FROM networks WHERE id = ?1",
    "SELECT " NET_COLUMNS " FROM networks WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2",
  };
  for (size_t q = 0; q < 3; q++)
    {
      _cleanup_stmt_ sqlite3_stmt *st = NULL;
      if (sv_db_prepare (db, queries[q], &st, err) < 0)
        return -1;
      sqlite3_bind_text (st, 1, id_or_name, -1, SQLITE_STATIC);
      if (sqlite3_step (st) != SQLITE_ROW)
        continue;
      struct sv_net *n = net_row (st);
      if (sqlite3_step (st) == SQLITE_ROW)
        {
          sv_net_free (n);
          return sv_err_make_plain (err, EINVAL, "network %s is ambiguous", id_or_name);
        }
      *out = n;
      return 0;
    }
  return sv_err_make_plain (err, ENOENT, "network %s not found", id_or_name);
}

int
sv_net_list (sqlite3 *db, struct sv_net ***out, size_t *n, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db, "SELECT " NET_COLUMNS " FROM networks ORDER BY name", &st, err) < 0)
    return -1;
  struct sv_net **v = NULL;
  size_t len = 0;
  int r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      v = xreallocarray (v, len + 1, sizeof *v);
      v[len++] = net_row (st);
    }
  if (r != SQLITE_DONE)
    {
      sv_net_list_free (v, len);
      return sv_db_error (db, "list networks", err);
    }
  *out = v;
  *n = len;
  return 0;
}

static int
exec_bound (sqlite3 *db, const char *sql, const char *a, const char *b, const char *what,
            struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db, sql, &st, err) < 0)
    return -1;
  sqlite3_bind_text (st, 1, a, -1, SQLITE_STATIC);
  if (b)
    sqlite3_bind_text (st, 2, b, -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_DONE)
    return sv_db_error (db, what, err);
  return 0;
}

int
sv_net_delete (sqlite3 *db, const char *id, struct sv_err **err)
{
  return exec_bound (db, "DELETE FROM networks WHERE id = ?", id, NULL, "delete network", err);
}

/* ---- endpoints ---- */

#define EP_COLUMNS "network_id, container_id, ip, ifname, host_ifname, aliases, dns_names"

static struct sv_endpoint *
endpoint_row (sqlite3_stmt *st)
{
  struct sv_endpoint *ep = xmalloc0 (sizeof *ep);
  ep->network_id = sv_db_column_strdup (st, 0);
  ep->container_id = sv_db_column_strdup (st, 1);
  ep->ip = (uint32_t)sqlite3_column_int64 (st, 2);
  ep->ifname = sv_db_column_strdup (st, 3);
  ep->host_ifname = sv_db_column_strdup (st, 4);
  ep->aliases = column_json (st, 5, json_array ());
  ep->dns_names = column_json (st, 6, json_array ());
  return ep;
}

int
sv_endpoint_list (sqlite3 *db, const char *network_id, const char *container_id,
                  struct sv_endpoint ***out, size_t *n, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  const char *sql = network_id ? "SELECT " EP_COLUMNS " FROM endpoints WHERE network_id = ? "
                                 "ORDER BY ip"
                               : "SELECT " EP_COLUMNS " FROM endpoints WHERE container_id = ? "
                                 "ORDER BY ifname";
  if (sv_db_prepare (db, sql, &st, err) < 0)
    return -1;
  sqlite3_bind_text (st, 1, network_id ? network_id : container_id, -1, SQLITE_STATIC);
  struct sv_endpoint **v = NULL;
  size_t len = 0;
  int r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      v = xreallocarray (v, len + 1, sizeof *v);
      v[len++] = endpoint_row (st);
    }
  if (r != SQLITE_DONE)
    {
      sv_endpoint_list_free (v, len);
      return sv_db_error (db, "list endpoints", err);
    }
  *out = v;
  *n = len;
  return 0;
}

int
sv_endpoint_insert (sqlite3 *db, const struct sv_endpoint *ep, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db, "INSERT INTO endpoints (" EP_COLUMNS ") VALUES (?,?,?,?,?,?,?)", &st, err)
      < 0)
    return -1;
  _cleanup_json_ json_t *empty = json_array ();
  _cleanup_free_ char *aliases = json_dumps (ep->aliases ? ep->aliases : empty, JSON_COMPACT);
  _cleanup_free_ char *names = json_dumps (ep->dns_names ? ep->dns_names : empty, JSON_COMPACT);
  sqlite3_bind_text (st, 1, ep->network_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, ep->container_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 3, ep->ip);
  sqlite3_bind_text (st, 4, ep->ifname, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 5, ep->host_ifname, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 6, aliases, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 7, names, -1, SQLITE_STATIC);
  int r = sqlite3_step (st);
  if (r == SQLITE_CONSTRAINT)
    {
      char ip[16];
      return sv_err_make_plain (err, EADDRINUSE, "Address already in use: %s",
                                sv_ip_str (ep->ip, ip));
    }
  if (r != SQLITE_DONE)
    return sv_db_error (db, "insert endpoint", err);
  return 0;
}

int
sv_endpoint_delete (sqlite3 *db, const char *network_id, const char *container_id,
                    struct sv_err **err)
{
  if (network_id == NULL)
    return exec_bound (db, "DELETE FROM endpoints WHERE container_id = ?", container_id, NULL,
                       "delete endpoints", err);
  return exec_bound (db, "DELETE FROM endpoints WHERE network_id = ? AND container_id = ?",
                     network_id, container_id, "delete endpoint", err);
}

int
sv_endpoint_resolve (sqlite3 *db, const char *network_id, const char *name, uint32_t *out,
                     size_t max)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db,
                     "SELECT e.ip FROM endpoints e WHERE e.network_id = ?1 AND EXISTS "
                     "(SELECT 1 FROM json_each(e.dns_names) j WHERE j.value = ?2) ORDER BY e.ip",
                     &st, NULL)
      < 0)
    return -1;
  sqlite3_bind_text (st, 1, network_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, name, -1, SQLITE_STATIC);
  size_t n = 0;
  int r;
  while (n < max && (r = sqlite3_step (st)) == SQLITE_ROW)
    out[n++] = (uint32_t)sqlite3_column_int64 (st, 0);
  return (int)n;
}

int
sv_endpoint_rename (sqlite3 *db, const char *container_id, const char *old_name,
                    const char *new_name, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db,
                     "UPDATE endpoints SET dns_names = json_set(dns_names, '$[0]', lower(?3)) "
                     "WHERE container_id = ?1 AND json_extract(dns_names, '$[0]') = lower(?2)",
                     &st, err)
      < 0)
    return -1;
  sqlite3_bind_text (st, 1, container_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, old_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, new_name, -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_DONE)
    return sv_db_error (db, "rename endpoints", err);
  return 0;
}

int
sv_endpoint_ips (sqlite3 *db, const char *network_id, uint32_t **out, size_t *n,
                 struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db, "SELECT ip FROM endpoints WHERE network_id = ? ORDER BY ip", &st, err) < 0)
    return -1;
  sqlite3_bind_text (st, 1, network_id, -1, SQLITE_STATIC);
  uint32_t *v = NULL;
  size_t len = 0;
  int r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      v = xreallocarray (v, len + 1, sizeof *v);
      v[len++] = (uint32_t)sqlite3_column_int64 (st, 0);
    }
  if (r != SQLITE_DONE)
    {
      free (v);
      return sv_db_error (db, "list addresses", err);
    }
  *out = v;
  *n = len;
  return 0;
}

/* ---- ports ---- */

/* Taken by another container: same protocol and port, and the same
 * address or either one on every address. */
static int
port_taken (sqlite3 *db, const char *container_id, const struct sv_port_binding *p,
            struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (
          db,
          "SELECT 1 FROM ports WHERE container_id != ?1 AND proto = ?2 AND host_port = ?3"
          " AND (host_ip = ?4 OR host_ip = 0 OR ?4 = 0)",
          &st, err)
      < 0)
    return -1;
  sqlite3_bind_text (st, 1, container_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 2, p->proto);
  sqlite3_bind_int (st, 3, p->host_port);
  sqlite3_bind_int64 (st, 4, p->host_ip);
  if (sqlite3_step (st) != SQLITE_ROW)
    return 0;
  char ip[16];
  return sv_err_make_plain (err, EADDRINUSE, "Bind for %s:%u failed: port is already allocated",
                            sv_ip_str (p->host_ip, ip), p->host_port);
}

static int
ports_insert (sqlite3 *db, const char *container_id, const struct sv_port_binding *p, size_t n,
              struct sv_err **err)
{
  if (exec_bound (db, "DELETE FROM ports WHERE container_id = ?", container_id, NULL,
                  "delete ports", err)
      < 0)
    return -1;
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db,
                     "INSERT INTO ports (container_id, proto, host_ip, host_port, ctr_port) "
                     "VALUES (?,?,?,?,?)",
                     &st, err)
      < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      if (port_taken (db, container_id, &p[i], err) < 0)
        return -1;
      sqlite3_reset (st);
      sqlite3_bind_text (st, 1, container_id, -1, SQLITE_STATIC);
      sqlite3_bind_int (st, 2, p[i].proto);
      sqlite3_bind_int64 (st, 3, p[i].host_ip);
      sqlite3_bind_int (st, 4, p[i].host_port);
      sqlite3_bind_int (st, 5, p[i].ctr_port);
      int r = sqlite3_step (st);
      if (r == SQLITE_CONSTRAINT)
        return sv_err_make_plain (err, EADDRINUSE, "port %u is published twice", p[i].host_port);
      if (r != SQLITE_DONE)
        return sv_db_error (db, "insert port", err);
    }
  return 0;
}

int
sv_ports_set (sqlite3 *db, const char *container_id, const struct sv_port_binding *p, size_t n,
              struct sv_err **err)
{
  if (sv_db_begin (db, err) < 0)
    return -1;
  if (ports_insert (db, container_id, p, n, err) < 0)
    {
      sv_db_rollback (db);
      return -1;
    }
  return sv_db_commit (db, err);
}

int
sv_ports_list (sqlite3 *db, const char *container_id, struct sv_port_binding **out, size_t *n,
               struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (sv_db_prepare (db,
                     "SELECT proto, host_ip, host_port, ctr_port FROM ports WHERE container_id = ?"
                     " ORDER BY ctr_port, proto, host_ip",
                     &st, err)
      < 0)
    return -1;
  sqlite3_bind_text (st, 1, container_id, -1, SQLITE_STATIC);
  struct sv_port_binding *v = NULL;
  size_t len = 0;
  int r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      v = xreallocarray (v, len + 1, sizeof *v);
      v[len++] = (struct sv_port_binding){
        .proto = sqlite3_column_int (st, 0),
        .host_ip = (uint32_t)sqlite3_column_int64 (st, 1),
        .host_port = (uint16_t)sqlite3_column_int (st, 2),
        .ctr_port = (uint16_t)sqlite3_column_int (st, 3),
      };
    }
  if (r != SQLITE_DONE)
    {
      free (v);
      return sv_db_error (db, "list ports", err);
    }
  *out = v;
  *n = len;
  return 0;
}

int
sv_ports_delete (sqlite3 *db, const char *container_id, struct sv_err **err)
{
  return exec_bound (db, "DELETE FROM ports WHERE container_id = ?", container_id, NULL,
                     "delete ports", err);
}
