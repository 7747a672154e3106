/* Helpers shared by the parse-*.c files (not public). */
#ifndef SV_ENGINE_PARSE_INTERNAL_H
#define SV_ENGINE_PARSE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/parse.h"

/* Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False. */
bool sv_parse_go_bool (const char *s, bool *out);
/* A whole decimal integer with an optional sign (strconv.ParseInt). */
bool sv_parse_go_int (const char *s, int64_t *out);

/* Split one CSV record as Go's encoding/csv reads it: fields separated by
 * ",", a field starting with '"' is quoted ("" is a quote).  *OUT is a
 * NULL-terminated vector owned by the caller. */
int sv_parse_csv (const char *s, char ***out, struct sv_err **err);

/* "rprivate" etc. -> the static name; NULL when not a propagation mode. */
const char *sv_parse_propagation (const char *s);

/* PATH (relative) made absolute against the current directory, with "."
 * and ".." resolved lexically (filepath.Abs).  Owned by the caller. */
char *sv_parse_abs_path (const char *path);

/* dockerd's validateMountConfig: target absolute and not "/", a bind has
 * a source, options fit the type.  The message is docker's
 * ("invalid mount config for type \"bind\": ..."). */
int sv_mount_validate (const struct sv_mount_spec *m, struct sv_err **err);
/* The local volume driver's name rule ([a-zA-Z0-9][a-zA-Z0-9_.-]+) for a
 * named volume; the error is the one dockerd gives when creating it. */
int sv_mount_check_volume_name (const struct sv_mount_spec *m, struct sv_err **err);

/* docker's MergeTmpfsOptions: the later of two options for the same flag
 * or key wins; unknown ones fail ("Invalid tmpfs option [\"x\"]").  *OUT
 * (NULL-terminated) is owned by the caller. */
int sv_tmpfs_merge (char *const *options, char ***out, struct sv_err **err);
/* The options every tmpfs mount starts from, as dockerd: noexec nosuid nodev rprivate. */
extern const char *const sv_tmpfs_default_options[];

#endif
