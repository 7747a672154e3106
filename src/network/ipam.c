#include "network/ipam.h"
#include "network/subnet.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/xalloc.h"

#include <errno.h>
#include <string.h>

int
sv_ipam_next (const struct sv_net *n, const uint32_t *used, size_t n_used, uint32_t *out,
              struct sv_err **err)
{
  struct sv_subnet s = { n->subnet, n->prefix };
  size_t i = 0;
  for (uint32_t ip = n->subnet + 1; sv_subnet_has_host (s, ip); ip++)
    {
      while (i < n_used && used[i] < ip)
        i++;
      if (ip == n->gateway || (i < n_used && used[i] == ip))
        continue;
      *out = ip;
      return 0;
    }
  return sv_err_make_plain (err, ENOSPC, "no available IPv4 addresses on network %s", n->name);
}

static int
existing (sqlite3 *db, const struct sv_net *n, struct sv_endpoint *ep, struct sv_err **err)
{
  struct sv_endpoint **v = NULL;
  size_t len = 0;
  if (sv_endpoint_list (db, NULL, ep->container_id, &v, &len, err) < 0)
    return -1;
  int found = 0;
  for (size_t i = 0; i < len && !found; i++)
    if (strcmp (v[i]->network_id, n->id) == 0)
      {
        ep->ip = v[i]->ip;
        found = 1;
      }
  sv_endpoint_list_free (v, len);
  return found;
}

static int
attach_locked (sqlite3 *db, const struct sv_net *n, struct sv_endpoint *ep, struct sv_err **err)
{
  int r = existing (db, n, ep, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  struct sv_subnet s = { n->subnet, n->prefix };
  if (ep->ip != 0)
    {
      if (!sv_subnet_has_host (s, ep->ip) || ep->ip == n->gateway)
        {
          char ip[16];
          return sv_err_make_plain (err, EINVAL,
                                    "invalid address %s: it is not a free host address of "
                                    "network %s",
                                    sv_ip_str (ep->ip, ip), n->name);
        }
      return sv_endpoint_insert (db, ep, err);
    }
  _cleanup_free_ uint32_t *used = NULL;
  size_t n_used = 0;
  if (sv_endpoint_ips (db, n->id, &used, &n_used, err) < 0
      || sv_ipam_next (n, used, n_used, &ep->ip, err) < 0)
    return -1;
  return sv_endpoint_insert (db, ep, err);
}

int
sv_ipam_attach (sqlite3 *db, const struct sv_net *n, struct sv_endpoint *ep, struct sv_err **err)
{
  uint32_t requested = ep->ip;
  if (sv_db_begin (db, err) < 0)
    return -1;
  if (attach_locked (db, n, ep, err) < 0)
    {
      sv_db_rollback (db);
      ep->ip = requested;
      return -1;
    }
  return sv_db_commit (db, err);
}
