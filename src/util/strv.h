/* NULL-terminated string vectors (free with sv_strv_free from cleanup.h). */
#ifndef SV_STRV_H
#define SV_STRV_H

#include <stdbool.h>
#include <stddef.h>

size_t sv_strv_length (char *const *v);
/* Whether V (may be NULL) holds a string equal to S. */
bool sv_strv_contains (char *const *v, const char *s);
/* Append a copy of S; *v may be NULL. */
void sv_strv_append (char ***v, const char *s);
char **sv_strv_dup (char *const *v);
/* The value of NAME in an environment-style vector ("NAME=value"), or NULL. */
const char *sv_strv_env_get (char *const *env, const char *name);
/* Set "NAME=value" (ENTRY) in *env, replacing an entry with the same NAME. */
void sv_strv_env_set (char ***env, const char *entry);

#endif
