#include "engine/volume.h"
#include "engine/parse.h"
#include "engine/disk-usage.h"
#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

static const char schema[] = "CREATE TABLE IF NOT EXISTS volumes ("
                             "  name TEXT PRIMARY KEY,"
                             "  created TEXT NOT NULL,"
                             "  labels TEXT NOT NULL DEFAULT '{}',"
                             "  anonymous INTEGER NOT NULL DEFAULT 0);";

void
sv_volume_free (struct sv_volume *v)
{
  if (v == NULL)
    return;
  free (v->name);
  free (v->created);
  if (v->labels)
    json_decref (v->labels);
  free (v);
}

void
sv_volume_list_free (struct sv_volume **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sv_volume_free (v[i]);
  free (v);
}

int
sv_volume_db_init (sqlite3 *db, struct sv_err **err)
{
  return sv_db_exec (db, schema, err);
}

static char *
random_name (void)
{
  unsigned char r[32];
  if (getrandom (r, sizeof r, 0) != (ssize_t)sizeof r)
    for (size_t i = 0; i < sizeof r; i++)
      r[i] = (unsigned char)random ();
  char *s = xmalloc (2 * sizeof r + 1);
  for (size_t i = 0; i < sizeof r; i++)
    sprintf (s + 2 * i, "%02x", r[i]);
  return s;
}

static char *
now_seconds (void)
{
  time_t t = time (NULL);
  struct tm tm;
  gmtime_r (&t, &tm);
  char buf[32];
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return xstrdup (buf);
}

char *
sv_volume_path (struct sv_engine *e, const char *name)
{
  return xasprintf ("%s/volumes/%s/_data", e->paths.data_root, name);
}

static struct sv_volume *
row_volume (sqlite3_stmt *q)
{
  struct sv_volume *v = xmalloc0 (sizeof *v);
  v->name = sv_db_column_strdup (q, 0);
  v->created = sv_db_column_strdup (q, 1);
  const char *labels = (const char *)sqlite3_column_text (q, 2);
  v->labels = labels ? json_loads (labels, 0, NULL) : NULL;
  if (!json_is_object (v->labels))
    {
      if (v->labels)
        json_decref (v->labels);
      v->labels = json_object ();
    }
  v->anonymous = sqlite3_column_int (q, 3) != 0;
  return v;
}

int
sv_volume_lookup (struct sv_engine *e, const char *name, struct sv_volume **out,
                  struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (e->db, "SELECT name, created, labels, anonymous FROM volumes WHERE name = ?",
                     &q, err)
      < 0)
    return -1;
  sqlite3_bind_text (q, 1, name, -1, SQLITE_STATIC);
  int r = sqlite3_step (q);
  if (r == SQLITE_DONE)
    return sv_err_make_plain (err, ENOENT, "get %s: no such volume", name);
  if (r != SQLITE_ROW)
    return sv_db_error (e->db, "look up volume", err);
  *out = row_volume (q);
  return 0;
}

int
sv_volume_list (struct sv_engine *e, struct sv_volume ***out, size_t *n, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (e->db, "SELECT name, created, labels, anonymous FROM volumes ORDER BY name",
                     &q, err)
      < 0)
    return -1;
  struct sv_volume **v = NULL;
  size_t count = 0;
  int r;
  while ((r = sqlite3_step (q)) == SQLITE_ROW)
    {
      v = xreallocarray (v, count + 1, sizeof *v);
      v[count++] = row_volume (q);
    }
  if (r != SQLITE_DONE)
    {
      sv_volume_list_free (v, count);
      return sv_db_error (e->db, "list volumes", err);
    }
  *out = v;
  *n = count;
  return 0;
}

/* Insert the record unless NAME has one already. */
static int
insert (struct sv_engine *e, const char *name, json_t *labels, bool anonymous, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (e->db,
                     "INSERT OR IGNORE INTO volumes (name, created, labels, anonymous) "
                     "VALUES (?, ?, ?, ?)",
                     &q, err)
      < 0)
    return -1;
  _cleanup_free_ char *created = now_seconds ();
  _cleanup_free_ char *text = labels ? json_dumps (labels, JSON_COMPACT) : xstrdup ("{}");
  sqlite3_bind_text (q, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, created, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 3, text, -1, SQLITE_STATIC);
  sqlite3_bind_int (q, 4, anonymous);
  if (sqlite3_step (q) != SQLITE_DONE)
    return sv_db_error (e->db, "record volume", err);
  return 0;
}

int
sv_volume_create (struct sv_engine *e, const char *name, json_t *labels, bool anonymous,
                  struct sv_volume **out, struct sv_err **err)
{
  _cleanup_free_ char *generated = name ? NULL : random_name ();
  if (name == NULL)
    name = generated;
  if (!sv_name_valid (name))
    return sv_err_make_plain (err, EINVAL,
                              "create %s: \"%s\" includes invalid characters for a local volume "
                              "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
                              "intended to pass a host directory, use absolute path",
                              name, name);
  _cleanup_free_ char *dir = sv_volume_path (e, name);
  if (insert (e, name, labels, anonymous, err) < 0 || sv_mkdir_p_at (AT_FDCWD, dir, 0755, err) < 0)
    return sv_err_wrap (err, "create %s", name);
  if (out)
    return sv_volume_lookup (e, name, out, err);
  return 0;
}

json_t *
sv_volume_json (struct sv_engine *e, const struct sv_volume *v)
{
  _cleanup_free_ char *path = sv_volume_path (e, v->name);
  json_t *labels = json_object_size (v->labels) ? json_incref (v->labels) : json_null ();
  return json_pack ("{s:s, s:s, s:o, s:s, s:s, s:n, s:s}", "CreatedAt", v->created, "Driver",
                    "local", "Labels", labels, "Mountpoint", path, "Name", v->name, "Options",
                    "Scope", "local");
}

/* Whether the container config CONFIG mounts volume NAME. */
static bool
mounts_volume (json_t *config, const char *name)
{
  size_t i;
  json_t *m;
  json_array_foreach (json_object_get (json_object_get (config, "HostConfig"), "Mounts"), i, m)
  {
    const char *type = json_string_value (json_object_get (m, "Type"));
    const char *src = json_string_value (json_object_get (m, "Source"));
    if (type && src && strcmp (type, "volume") == 0 && strcmp (src, name) == 0)
      return true;
  }
  return false;
}

int
sv_volume_users (struct sv_engine *e, const char *name, char ***ids, struct sv_err **err)
{
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (sv_ctr_list (e->db, &v, &n, err) < 0)
    return -1;
  char **out = NULL;
  for (size_t i = 0; i < n; i++)
    if (mounts_volume (v[i]->config, name))
      sv_strv_append (&out, v[i]->id);
  sv_ctr_list_free (v, n);
  *ids = out;
  return 0;
}

int
sv_volumes_in_use (struct sv_engine *e, char ***names, struct sv_err **err)
{
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (sv_ctr_list (e->db, &v, &n, err) < 0)
    return -1;
  char **out = NULL;
  for (size_t i = 0; i < n; i++)
    {
      size_t j;
      json_t *m;
      json_array_foreach (json_object_get (json_object_get (v[i]->config, "HostConfig"), "Mounts"),
                          j, m)
      {
        const char *src = json_string_value (json_object_get (m, "Source"));
        if (src && strcmp (json_string_value (json_object_get (m, "Type")) ?: "", "volume") == 0
            && !sv_strv_contains (out, src))
          sv_strv_append (&out, src);
      }
    }
  sv_ctr_list_free (v, n);
  *names = out;
  return 0;
}

static int
in_use_error (const char *name, char **ids, struct sv_err **err)
{
  _cleanup_free_ char *list = xstrdup ("");
  for (char **p = ids; *p; p++)
    {
      char *l = xasprintf ("%s%s%s", list, p == ids ? "" : ", ", *p);
      free (list);
      list = l;
    }
  return sv_err_make_plain (err, EBUSY, "remove %s: volume is in use - [%s]", name, list);
}

/* Delete the record and the directory; 0 when there was neither. */
static int
delete_volume (struct sv_engine *e, const char *name, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (e->db, "DELETE FROM volumes WHERE name = ?", &q, err) < 0)
    return -1;
  sqlite3_bind_text (q, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (q) != SQLITE_DONE)
    return sv_db_error (e->db, "remove volume", err);
  int had_record = sqlite3_changes (e->db) > 0;
  _cleanup_free_ char *dir = xasprintf ("%s/volumes/%s", e->paths.data_root, name);
  struct stat st;
  bool had_dir = lstat (dir, &st) == 0;
  if (had_dir && sv_rm_rf_at (AT_FDCWD, dir, err) < 0)
    return sv_err_wrap (err, "remove %s", name);
  return had_record || had_dir;
}

int
sv_volume_remove (struct sv_engine *e, const char *name, struct sv_err **err)
{
  if (!sv_name_valid (name))
    return sv_err_make_plain (err, ENOENT, "get %s: no such volume", name);
  _cleanup_strv_ char **ids = NULL;
  if (sv_volume_users (e, name, &ids, err) < 0)
    return -1;
  if (ids)
    return in_use_error (name, ids, err);
  int r = delete_volume (e, name, err);
  if (r == 0)
    return sv_err_make_plain (err, ENOENT, "get %s: no such volume", name);
  return r < 0 ? -1 : 0;
}

int
sv_volume_prune (struct sv_engine *e, bool all, char ***removed, int64_t *freed,
                 struct sv_err **err)
{
  struct sv_volume **v = NULL;
  size_t n = 0;
  _cleanup_strv_ char **used = NULL;
  if (sv_volumes_in_use (e, &used, err) < 0 || sv_volume_list (e, &v, &n, err) < 0)
    return -1;
  char **out = NULL;
  int64_t bytes = 0;
  int r = 0;
  for (size_t i = 0; i < n && r >= 0; i++)
    {
      if ((!all && !v[i]->anonymous) || sv_strv_contains (used, v[i]->name))
        continue;
      _cleanup_free_ char *dir = sv_volume_path (e, v[i]->name);
      int64_t size = sv_disk_usage (dir);
      if ((r = delete_volume (e, v[i]->name, err)) >= 0)
        {
          bytes += size;
          sv_strv_append (&out, v[i]->name);
        }
    }
  sv_volume_list_free (v, n);
  if (r < 0)
    {
      sv_strv_free (out);
      return -1;
    }
  *removed = out;
  *freed = bytes;
  return 0;
}
