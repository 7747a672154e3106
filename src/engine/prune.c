#include "engine/prune.h"
#include "engine/ctr-net.h"
#include "engine/disk-usage.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <string.h>
#include <sys/stat.h>

int
sv_image_user (struct sv_engine *e, const char *image_id, char **id, bool *running,
               struct sv_err **err)
{
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (sv_ctr_list (e->db, &v, &n, err) < 0)
    return -1;
  struct sv_ctr *found = NULL;
  bool found_running = false;
  for (size_t i = 0; i < n && !found_running; i++)
    {
      if (strcmp (v[i]->image_id, image_id) != 0)
        continue;
      bool r = sv_engine_refresh (e, v[i]);
      if (found == NULL || r)
        found = v[i], found_running = r;
    }
  if (found)
    {
      *id = xstrdup (found->id);
      *running = found_running;
    }
  sv_ctr_list_free (v, n);
  return found != NULL;
}

int64_t
sv_ctr_rw_size (struct sv_engine *e, const char *id)
{
  _cleanup_free_ char *upper = xasprintf ("%s/containers/%s/upper", e->paths.data_root, id);
  struct stat st;
  if (stat (upper, &st) == 0)
    return sv_disk_usage (upper);
  _cleanup_free_ char *copy = xasprintf ("%s/containers/%s/copy", e->paths.data_root, id);
  return sv_disk_usage (copy);
}

int
sv_prune_containers (struct sv_engine *e, char ***ids, int64_t *freed, struct sv_err **err)
{
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (sv_ctr_list (e->db, &v, &n, err) < 0)
    return -1;
  char **out = NULL;
  int64_t bytes = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (sv_engine_refresh (e, v[i]) || strcmp (v[i]->state, "restarting") == 0)
        continue;
      int64_t size = sv_ctr_rw_size (e, v[i]->id);
      if (sv_engine_remove (e, v[i], false, false, NULL) == 0)
        {
          bytes += size;
          sv_strv_append (&out, v[i]->id);
        }
    }
  sv_ctr_list_free (v, n);
  *ids = out;
  *freed = bytes;
  return 0;
}

int
sv_prune_images (struct sv_engine *e, bool all, struct sv_image ***deleted, size_t *n,
                 struct sv_err **err)
{
  struct sv_image **v = NULL;
  size_t count = 0, kept = 0;
  if (sv_store_list_images (e->store, &v, &count, err) < 0)
    return -1;
  int r = 0;
  for (size_t i = 0; i < count; i++)
    {
      bool candidate = r == 0 && (all || v[i]->repo_tags == NULL);
      int users = candidate ? sv_ctr_count_using_image (e->db, v[i]->id, err) : 1;
      if (users < 0)
        r = -1;
      if (users == 0 && (r = sv_store_delete_image (e->store, v[i]->id, err)) == 0)
        v[kept++] = v[i];
      else
        sv_image_free (v[i]);
    }
  if (r < 0)
    {
      sv_image_list_free (v, kept);
      return -1;
    }
  *deleted = v;
  *n = kept;
  return 0;
}

/* Whether any container record names network NET. */
static bool
referenced (struct sv_ctr **v, size_t n, const struct sv_net *net)
{
  for (size_t i = 0; i < n; i++)
    {
      const char *p = sv_ctr_net_primary (v[i]->config);
      json_t *eps
          = json_object_get (json_object_get (v[i]->config, "NetworkingConfig"), "EndpointsConfig");
      if ((p && strcmp (p, net->name) == 0) || json_object_get (eps, net->name))
        return true;
    }
  return false;
}

int
sv_prune_networks (struct sv_engine *e, char ***names, struct sv_err **err)
{
  struct sv_net **nets = NULL;
  size_t nn = 0;
  struct sv_ctr **ctrs = NULL;
  size_t nc = 0;
  *names = NULL;
  if (sv_net_list (e->db, &nets, &nn, err) < 0)
    return -1;
  if (sv_ctr_list (e->db, &ctrs, &nc, err) < 0)
    {
      sv_net_list_free (nets, nn);
      return -1;
    }
  for (size_t i = 0; i < nn; i++)
    {
      if (strcmp (nets[i]->name, SV_DEFAULT_NETWORK) == 0 || referenced (ctrs, nc, nets[i]))
        continue;
      if (sv_network_remove (&e->net, nets[i], NULL) == 0)
        sv_strv_append (names, nets[i]->name);
    }
  sv_ctr_list_free (ctrs, nc);
  sv_net_list_free (nets, nn);
  return 0;
}
