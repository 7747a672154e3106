/* The OCI runtime configuration (runtime-spec 1.2, Linux), parsed and
 * validated up front, before anything is created.
 *
 * sv_spec_parse() checks every field Servin reads: a wrong type, a value
 * out of range or an unknown name (capability, rlimit, namespace, mount
 * option, seccomp action...) is an error naming the field, e.g.
 * "process.rlimits[2].type: unknown rlimit `RLIMIT_FOO`".  Unknown
 * *properties* are ignored, as the spec requires; a known property that
 * Servin does not implement is an error naming it (sv_json_unsupported),
 * never silently ignored. */
#ifndef SV_SPEC_H
#define SV_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

struct sv_caps;      /* runtime/caps.h */
struct sv_seccomp;   /* runtime/seccomp.h */
struct sv_resources; /* runtime/cgroup.h */

struct sv_idmap
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct sv_namespace
{
  int flag;   /* CLONE_NEWPID, CLONE_NEWNET, ... CLONE_NEWTIME */
  char *path; /* NULL: create a new one; else join this one */
};

struct sv_mount
{
  char *destination;
  char *source;              /* may be NULL (e.g. tmpfs) */
  char *type;                /* may be NULL (bind mounts) */
  bool is_bind;              /* type "bind" or option bind/rbind */
  unsigned long flags;       /* MS_* to pass to mount(2): MS_RDONLY, MS_NOSUID, MS_BIND|MS_REC... */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, | MS_REC; 0 = none */
  uint64_t attr_set;         /* MOUNT_ATTR_* set recursively (rro, rnosuid, rnoexec...) */
  uint64_t attr_clr;         /* MOUNT_ATTR_* cleared recursively (rrw, rsuid...) */
  char *data;                /* remaining options joined with ',' for mount(2) data, or NULL */
};

struct sv_device
{
  char *path;
  char type; /* 'c', 'b', 'u' (unbuffered char) or 'p' (fifo) */
  int64_t major, minor;
  bool has_mode;
  mode_t mode; /* permission bits only */
  bool has_uid, has_gid;
  uid_t uid;
  gid_t gid;
};

struct sv_rlimit
{
  int resource; /* RLIMIT_* */
  uint64_t soft, hard;
};

struct sv_hook
{
  char *path;
  char **args; /* may be NULL */
  char **env;  /* may be NULL */
  int timeout; /* seconds; 0 = none */
};

struct sv_hook_list
{
  struct sv_hook *v;
  size_t n;
};

struct sv_hooks
{
  struct sv_hook_list prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

struct sv_user
{
  uint32_t uid, gid;
  bool has_umask;
  mode_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
};

struct sv_process
{
  bool terminal;
  bool has_console_size;
  unsigned console_height, console_width;
  struct sv_user user;
  char **args;          /* NULL-terminated, at least one element */
  char **env;           /* NULL-terminated, may be empty */
  char *cwd;            /* absolute */
  struct sv_caps *caps; /* NULL when process.capabilities is absent: all sets empty */
  struct sv_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile; /* NULL or the profile to apply at exec */
  char *selinux_label;    /* NULL; a non-empty label is refused unless SELinux is enabled */
};

struct sv_time_offset
{
  bool set;
  int64_t secs;
  uint32_t nanosecs;
};

struct sv_spec
{
  json_t *json; /* the whole document (owned reference), for annotations and state */
  char *oci_version;
  char *root_path; /* as written; relative paths are relative to the bundle */
  bool root_readonly;
  char *hostname, *domainname; /* NULL when absent */
  struct sv_process
      *process; /* NULL when absent (allowed for `create` only by the spec; we require it) */
  struct sv_mount *mounts;
  size_t n_mounts;
  struct sv_hooks hooks;
  char **annotations; /* "key=value", NULL-terminated (may be empty) */

  /* linux */
  struct sv_namespace *namespaces;
  size_t n_namespaces;
  struct sv_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct sv_device *devices;
  size_t n_devices;
  char *cgroups_path;                    /* NULL when absent */
  struct sv_resources *resources;        /* NULL when absent */
  struct sv_seccomp *seccomp;            /* NULL when absent */
  char **sysctl;                         /* "key=value", NULL-terminated (may be empty) */
  char **masked_paths, **readonly_paths; /* NULL-terminated (may be empty) */
  unsigned long rootfs_propagation;      /* MS_* | MS_REC, 0 when absent */
  struct sv_time_offset time_boottime, time_monotonic;
};

/* Parse config.json at PATH relative to dirfd (usually the bundle). */
int sv_spec_load (int dirfd, const char *path, struct sv_spec **out, struct sv_err **err);
/* Parse an already loaded document; takes a new reference to ROOT. */
int sv_spec_parse (json_t *root, struct sv_spec **out, struct sv_err **err);
void sv_spec_free (struct sv_spec *spec);

/* Parse a `process` object (config.json's, or `exec --process FILE`). PATH
 * names it in errors ("process"). */
int sv_process_parse (json_t *obj, const char *path, struct sv_process **out, struct sv_err **err);
void sv_process_free (struct sv_process *p);

/* Parse mount options (runtime-spec "options") into M's flags,
 * propagation, attr_set/attr_clr, is_bind and data.  PATH names the field. */
int sv_mount_parse_options (char **options, const char *path, struct sv_mount *m,
                            struct sv_err **err);

/* The I-th mount option name Servin knows (for `features`), or NULL past the end. */
const char *sv_mount_option_name (size_t i);

/* The namespace flag for a runtime-spec type name ("pid", "network", ...),
 * or 0 when unknown. */
int sv_namespace_from_name (const char *name);
const char *sv_namespace_name (int flag);
/* The entry of SPEC's namespaces with FLAG, or NULL. */
const struct sv_namespace *sv_spec_namespace (const struct sv_spec *spec, int flag);

#endif
