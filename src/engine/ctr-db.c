#include "engine/ctr-db.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static const char schema[]
    = "CREATE TABLE IF NOT EXISTS containers ("
      "  id TEXT PRIMARY KEY,"
      "  name TEXT NOT NULL UNIQUE,"
      "  image_id TEXT NOT NULL,"
      "  image TEXT NOT NULL,"
      "  config TEXT NOT NULL,"
      "  created TEXT NOT NULL,"
      "  state TEXT NOT NULL,"
      "  pid INTEGER NOT NULL DEFAULT 0,"
      "  pid_start INTEGER NOT NULL DEFAULT 0,"
      "  monitor_pid INTEGER NOT NULL DEFAULT 0,"
      "  exit_code INTEGER NOT NULL DEFAULT 0,"
      "  oom_killed INTEGER NOT NULL DEFAULT 0,"
      "  started_at TEXT,"
      "  finished_at TEXT,"
      "  restart_count INTEGER NOT NULL DEFAULT 0,"
      "  error TEXT);"
      "CREATE INDEX IF NOT EXISTS containers_by_image ON containers(image_id);";

#define COLUMNS                                                                                    \
  "id, name, image_id, image, config, created, state, pid, pid_start, monitor_pid, exit_code,"     \
  " oom_killed, started_at, finished_at, restart_count, error"

void
sv_ctr_free (struct sv_ctr *c)
{
  if (c == NULL)
    return;
  free (c->id);
  free (c->name);
  free (c->image_id);
  free (c->image);
  if (c->config)
    json_decref (c->config);
  free (c->created);
  free (c->state);
  free (c->started_at);
  free (c->finished_at);
  free (c->error);
  free (c);
}

void
sv_ctr_list_free (struct sv_ctr **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sv_ctr_free (v[i]);
  free (v);
}

int
sv_ctr_db_init (sqlite3 *db, struct sv_err **err)
{
  return sv_db_exec (db, schema, err);
}

static int
conflict (sqlite3 *db, const char *name, struct sv_err **err)
{
  struct sv_ctr *other = NULL;
  if (sv_ctr_lookup (db, name, &other, NULL) == 0)
    {
      sv_err_make_plain (
          err, EEXIST,
          "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
          "You have to remove (or rename) that container to be able to reuse that name.",
          name, other->id);
      sv_ctr_free (other);
      return -1;
    }
  return sv_err_make_plain (err, EEXIST, "Conflict. The container name \"/%s\" is already in use",
                            name);
}

int
sv_ctr_insert (sqlite3 *db, const struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (db,
                     "INSERT INTO containers (id, name, image_id, image, config, created, state)"
                     " VALUES (?, ?, ?, ?, ?, ?, 'created')",
                     &q, err)
      < 0)
    return -1;
  _cleanup_free_ char *config = json_dumps (c->config, JSON_COMPACT);
  sqlite3_bind_text (q, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, c->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 3, c->image_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 4, c->image, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 5, config, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 6, c->created, -1, SQLITE_STATIC);
  int r = sqlite3_step (q);
  if (r == SQLITE_CONSTRAINT)
    return conflict (db, c->name, err);
  if (r != SQLITE_DONE)
    return sv_db_error (db, "record container", err);
  return 0;
}

static struct sv_ctr *
from_row (sqlite3_stmt *q)
{
  struct sv_ctr *c = xmalloc0 (sizeof *c);
  c->id = sv_db_column_strdup (q, 0);
  c->name = sv_db_column_strdup (q, 1);
  c->image_id = sv_db_column_strdup (q, 2);
  c->image = sv_db_column_strdup (q, 3);
  const char *cfg = (const char *)sqlite3_column_text (q, 4);
  c->config = cfg ? json_loads (cfg, 0, NULL) : NULL;
  if (c->config == NULL)
    c->config = json_object ();
  c->created = sv_db_column_strdup (q, 5);
  c->state = sv_db_column_strdup (q, 6);
  c->pid = sqlite3_column_int (q, 7);
  c->pid_start = sqlite3_column_int64 (q, 8);
  c->monitor_pid = sqlite3_column_int (q, 9);
  c->exit_code = sqlite3_column_int (q, 10);
  c->oom_killed = sqlite3_column_int (q, 11) != 0;
  c->started_at = sv_db_column_strdup (q, 12);
  c->finished_at = sv_db_column_strdup (q, 13);
  c->restart_count = sqlite3_column_int (q, 14);
  c->error = sv_db_column_strdup (q, 15);
  return c;
}

static int
query (sqlite3 *db, const char *sql, const char *arg, struct sv_ctr ***out, size_t *n,
       struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (db, sql, &q, err) < 0)
    return -1;
  if (arg)
    sqlite3_bind_text (q, 1, arg, -1, SQLITE_TRANSIENT);
  struct sv_ctr **v = NULL;
  size_t count = 0;
  int r;
  while ((r = sqlite3_step (q)) == SQLITE_ROW)
    {
      v = xreallocarray (v, count + 1, sizeof *v);
      v[count++] = from_row (q);
    }
  if (r != SQLITE_DONE)
    {
      sv_ctr_list_free (v, count);
      return sv_db_error (db, "read containers", err);
    }
  *out = v;
  *n = count;
  return 0;
}

static bool
is_hex (const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isxdigit ((unsigned char)*s) || isupper ((unsigned char)*s))
      return false;
  return true;
}

int
sv_ctr_lookup (sqlite3 *db, const char *id_or_name, struct sv_ctr **out, struct sv_err **err)
{
  const char *key = id_or_name[0] == '/' ? id_or_name + 1 : id_or_name;
  struct sv_ctr **v = NULL;
  size_t n = 0;
  /* docker: an exact id, then an exact name, then a unique id prefix. */
  if (query (db,
             "SELECT " COLUMNS " FROM containers WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC",
             key, &v, &n, err)
      < 0)
    return -1;
  if (n == 0 && is_hex (key) && strlen (key) < 64)
    {
      free (v);
      _cleanup_free_ char *pattern = xasprintf ("%s*", key);
      if (query (db, "SELECT " COLUMNS " FROM containers WHERE id GLOB ?", pattern, &v, &n, err)
          < 0)
        return -1;
      if (n > 1)
        {
          sv_ctr_list_free (v, n);
          return sv_err_make_plain (err, EINVAL, "multiple containers match the id prefix %s", key);
        }
    }
  if (n == 0)
    {
      free (v);
      return sv_err_make_plain (err, ENOENT, "No such container: %s", id_or_name);
    }
  *out = v[0];
  for (size_t i = 1; i < n; i++)
    sv_ctr_free (v[i]);
  free (v);
  return 0;
}

int
sv_ctr_list (sqlite3 *db, struct sv_ctr ***out, size_t *n, struct sv_err **err)
{
  return query (db, "SELECT " COLUMNS " FROM containers ORDER BY created DESC", NULL, out, n, err);
}

int
sv_ctr_update (sqlite3 *db, const struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (db,
                     "UPDATE containers SET state = ?, pid = ?, pid_start = ?, monitor_pid = ?,"
                     " exit_code = ?, oom_killed = ?, started_at = ?, finished_at = ?,"
                     " restart_count = ?, error = ? WHERE id = ?",
                     &q, err)
      < 0)
    return -1;
  sqlite3_bind_text (q, 1, c->state, -1, SQLITE_STATIC);
  sqlite3_bind_int (q, 2, c->pid);
  sqlite3_bind_int64 (q, 3, c->pid_start);
  sqlite3_bind_int (q, 4, c->monitor_pid);
  sqlite3_bind_int (q, 5, c->exit_code);
  sqlite3_bind_int (q, 6, c->oom_killed);
  sqlite3_bind_text (q, 7, c->started_at, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 8, c->finished_at, -1, SQLITE_STATIC);
  sqlite3_bind_int (q, 9, c->restart_count);
  sqlite3_bind_text (q, 10, c->error, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 11, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step (q) != SQLITE_DONE)
    return sv_db_error (db, "update container", err);
  return 0;
}

static int
exec2 (sqlite3 *db, const char *sql, const char *a, const char *b, const char *what,
       struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (db, sql, &q, err) < 0)
    return -1;
  sqlite3_bind_text (q, 1, a, -1, SQLITE_STATIC);
  if (b)
    sqlite3_bind_text (q, 2, b, -1, SQLITE_STATIC);
  int r = sqlite3_step (q);
  if (r == SQLITE_CONSTRAINT)
    return conflict (db, a, err);
  if (r != SQLITE_DONE)
    return sv_db_error (db, what, err);
  return 0;
}

int
sv_ctr_rename (sqlite3 *db, const char *id, const char *name, struct sv_err **err)
{
  return exec2 (db, "UPDATE containers SET name = ?1 WHERE id = ?2", name, id, "rename", err);
}

int
sv_ctr_set_config (sqlite3 *db, const struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_free_ char *text = json_dumps (c->config, JSON_COMPACT);
  return exec2 (db, "UPDATE containers SET config = ?1 WHERE id = ?2", text, c->id,
                "update container", err);
}

int
sv_ctr_delete (sqlite3 *db, const char *id, struct sv_err **err)
{
  return exec2 (db, "DELETE FROM containers WHERE id = ?1", id, NULL, "remove container", err);
}

int
sv_ctr_count_using_image (sqlite3 *db, const char *image_id, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (db, "SELECT count(*) FROM containers WHERE image_id = ?", &q, err) < 0)
    return -1;
  sqlite3_bind_text (q, 1, image_id, -1, SQLITE_STATIC);
  if (sqlite3_step (q) != SQLITE_ROW)
    return sv_db_error (db, "count containers", err);
  return sqlite3_column_int (q, 0);
}
