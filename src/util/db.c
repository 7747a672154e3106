#include "util/db.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int
sv_db_error (sqlite3 *db, const char *what, struct sv_err **err)
{
  int code = sqlite3_extended_errcode (db);
  int e = (code & 0xff) == SQLITE_BUSY ? EBUSY : (code & 0xff) == SQLITE_FULL ? ENOSPC : EIO;
  return sv_err_make (err, e, "%s: %s", what, sqlite3_errmsg (db)), -1;
}

int
sv_db_exec (sqlite3 *db, const char *sql, struct sv_err **err)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sv_db_error (db, "database", err);
  return 0;
}

static bool
is_wal (sqlite3 *db)
{
  sqlite3_stmt *q = NULL;
  bool wal = false;
  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK
      && sqlite3_step (q) == SQLITE_ROW)
    wal = strcmp ((const char *)sqlite3_column_text (q, 0), "wal") == 0;
  sqlite3_finalize (q);
  return wal;
}

/* WAL mode is a property of the file, set once; switching takes an
 * exclusive lock that SQLite does not wait for (no busy handler), so a
 * first open racing with others retries for up to 30 s. */
static int
set_wal (sqlite3 *db, struct sv_err **err)
{
  for (int i = 0; i < 3000; i++)
    {
      if (is_wal (db))
        return 0;
      int r = sqlite3_exec (db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
      if (r != SQLITE_BUSY && r != SQLITE_LOCKED && r != SQLITE_OK)
        return sv_db_error (db, "database", err);
      usleep (10000);
    }
  return sv_db_error (db, "database: switching to WAL", err);
}

int
sv_db_open (const char *path, sqlite3 **out, struct sv_err **err)
{
  /* Create it 0600 before SQLite does (it would use the umask). */
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return sv_err_errno (err, "open database `%s`", path);
  close (fd);
  sqlite3 *db = NULL;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    {
      sv_err_make (err, EIO, "open database `%s`: %s", path,
                   db ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return -1;
    }
  /* Concurrent servin processes wait for each other for up to 30 s. */
  sqlite3_busy_timeout (db, 30000);
  /* Every CLI process opens and closes the database: closing must not
   * checkpoint (two fsyncs) nor remove the WAL each time.  Checkpoints
   * happen as the WAL grows, amortised over commits. */
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  int persist = 1;
  sqlite3_file_control (db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  /* Each CLI process is usually the first to open the database, and the
   * first opener rebuilds the WAL index by reading the whole WAL: keep it
   * short (checkpoint every 100 pages, file trimmed to 1 MiB). */
  if (sv_db_exec (db,
                  "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                  " PRAGMA wal_autocheckpoint=100; PRAGMA journal_size_limit=1048576;",
                  err)
          < 0
      || set_wal (db, err) < 0)
    {
      sqlite3_close (db);
      return sv_err_wrap (err, "database `%s`", path);
    }
  *out = db;
  return 0;
}

void
sv_db_close (sqlite3 *db)
{
  sqlite3_close (db);
}

int
sv_db_prepare (sqlite3 *db, const char *sql, sqlite3_stmt **out, struct sv_err **err)
{
  if (sqlite3_prepare_v2 (db, sql, -1, out, NULL) != SQLITE_OK)
    return sv_db_error (db, "database: prepare", err);
  return 0;
}

int
sv_db_begin (sqlite3 *db, struct sv_err **err)
{
  return sv_db_exec (db, "BEGIN IMMEDIATE", err);
}

int
sv_db_commit (sqlite3 *db, struct sv_err **err)
{
  return sv_db_exec (db, "COMMIT", err);
}

void
sv_db_rollback (sqlite3 *db)
{
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

char *
sv_db_column_strdup (sqlite3_stmt *st, int i)
{
  const unsigned char *s = sqlite3_column_text (st, i);
  return s ? xstrdup ((const char *)s) : NULL;
}
