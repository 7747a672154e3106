/* SQLite, opened the one way Servin uses it: WAL journal, a busy timeout
 * so concurrent CLI processes wait for each other instead of failing, and
 * foreign keys on.  Every module keeps its own tables in the one database
 * of a data root and creates them with sv_db_exec ("CREATE TABLE IF NOT
 * EXISTS ..."). */
#ifndef SV_DB_H
#define SV_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* Open (creating it 0600) the database at PATH.  The connection may be
 * shared by threads (SQLite serialises them). */
int sv_db_open (const char *path, sqlite3 **out, struct sv_err **err);
void sv_db_close (sqlite3 *db);

/* Run SQL (one or more statements, no results). */
int sv_db_exec (sqlite3 *db, const char *sql, struct sv_err **err);

/* Fill *err from the connection's last error: "WHAT: <sqlite message>". */
int sv_db_error (sqlite3 *db, const char *what, struct sv_err **err);

/* Prepare one statement; the error names SQL. */
int sv_db_prepare (sqlite3 *db, const char *sql, sqlite3_stmt **out, struct sv_err **err);

/* BEGIN IMMEDIATE (takes the write lock at once, waiting up to the busy
 * timeout), COMMIT, ROLLBACK.  sv_db_rollback never fails loudly: it is
 * for error paths. */
int sv_db_begin (sqlite3 *db, struct sv_err **err);
int sv_db_commit (sqlite3 *db, struct sv_err **err);
void sv_db_rollback (sqlite3 *db);

/* Column I of a row as a malloc'ed string (NULL for SQL NULL). */
char *sv_db_column_strdup (sqlite3_stmt *st, int i);

static inline void
sv_db_finalizep (sqlite3_stmt **st)
{
  if (*st)
    sqlite3_finalize (*st);
}
#define _cleanup_stmt_ __attribute__ ((cleanup (sv_db_finalizep)))

#endif
