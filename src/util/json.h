/* Typed access to jansson values with errors that name the field.
 *
 * Every getter takes the JSON path of OBJ (e.g. "linux.resources") so an
 * error can say "linux.resources.memory.limit: expected an integer".  A
 * getter returns 0 when the key is absent or null (output untouched), 1
 * when it was read, and < 0 with *err set when it has the wrong type or
 * range. */
#ifndef SV_JSON_H
#define SV_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

static inline void
sv_json_decrefp (json_t **j)
{
  if (*j)
    json_decref (*j);
}

int sv_json_get_string (json_t *obj, const char *path, const char *key, const char **out,
                        struct sv_err **err);
/* Like sv_json_get_string, but *out is a malloc'ed copy owned by the caller. */
int sv_json_dup_string (json_t *obj, const char *path, const char *key, char **out,
                        struct sv_err **err);
int sv_json_get_bool (json_t *obj, const char *path, const char *key, bool *out,
                      struct sv_err **err);
int sv_json_get_int64 (json_t *obj, const char *path, const char *key, int64_t *out,
                       struct sv_err **err);
/* Integer in [0, max]. */
int sv_json_get_uint64 (json_t *obj, const char *path, const char *key, uint64_t max, uint64_t *out,
                        struct sv_err **err);
int sv_json_get_object (json_t *obj, const char *path, const char *key, json_t **out,
                        struct sv_err **err);
int sv_json_get_array (json_t *obj, const char *path, const char *key, json_t **out,
                       struct sv_err **err);
/* An array of strings as a malloc'ed NULL-terminated vector (free with sv_strv_free). */
int sv_json_get_strv (json_t *obj, const char *path, const char *key, char ***out,
                      struct sv_err **err);
/* An object of string values as a NULL-terminated vector of "key=value". */
int sv_json_get_kv_strv (json_t *obj, const char *path, const char *key, char ***out,
                         struct sv_err **err);
/* A new array of the strings of the NULL-terminated vector V (NULL: empty).
 * A char ** needs a cast: C does not add the inner const by itself. */
json_t *sv_json_strv (const char *const *v);

/* Error "PATH.KEY: MSG" for a field that is valid but not supported. */
int sv_json_unsupported (const char *path, const char *key, struct sv_err **err);

/* Load a JSON document from a file under dirfd; the error names the file
 * and the line/column of a syntax error.  The root must be an object. */
int sv_json_load_file_at (int dirfd, const char *path, json_t **out, struct sv_err **err);
/* Parse a JSON object from a buffer (NAME is used in errors). */
int sv_json_load_buffer (const char *buf, size_t len, const char *name, json_t **out,
                         struct sv_err **err);

#endif
