/* Parsers for `servin run` / `create` flag values, with docker's semantics
 * and docker's error messages (the CLI reports them with exit status 125).
 *
 * Every parser returns 0 on success and fills its output only then; on
 * failure it returns < 0 with *err set (EINVAL unless said otherwise).
 * Structs with pointers own them: free with the matching *_clear/_free. */
#ifndef SV_ENGINE_PARSE_H
#define SV_ENGINE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/spec.h"
#include "util/err.h"

/* ---- sizes (parse-size.c) ---- */

/* docker's RAMInBytes: "32m", "1.5g", "64MB", "512KiB", "100" (bytes),
 * "2 g"; binary units b k m g t p, case-insensitive.  With ALLOW_UNLIMITED
 * (--memory-swap) "-1" gives -1.  Error: "invalid size: 'x'" or
 * "invalid suffix: 'x'". */
int sv_parse_size (const char *s, bool allow_unlimited, int64_t *out, struct sv_err **err);

/* ---- CPU (parse-cpu.c) ---- */

#define SV_CFS_PERIOD 100000

struct sv_cpu_quota
{
  int64_t nano_cpus; /* cpus * 1e9; 0 = no limit */
  int64_t quota;     /* CFS quota in us for SV_CFS_PERIOD; 0 = no limit */
  uint64_t period;   /* SV_CFS_PERIOD, or 0 with no limit */
};

/* --cpus "1.5": between 0.01 and the number of online CPUs ("Range of CPUs
 * is from 0.01 to N.00, as there are only N CPUs available"); "0" = none. */
int sv_parse_cpus (const char *s, struct sv_cpu_quota *out, struct sv_err **err);
/* --cpu-shares: an integer; 0 = unset; clamped to [2, 262144] as dockerd does. */
int sv_parse_cpu_shares (const char *s, uint64_t *out, struct sv_err **err);
/* --cpuset-cpus / --cpuset-mems "0-2,4": the list syntax, and every
 * number in AVAILABLE (same syntax; NULL = the host's online CPUs from
 * /sys/devices/system/cpu/online, unchecked when unreadable). */
int sv_parse_cpuset (const char *s, const char *available, struct sv_err **err);

/* ---- --ulimit (parse-ulimit.c) ---- */

/* "nofile=1024:2048", "nproc=512" (soft = hard), -1 = unlimited
 * (RLIM_INFINITY); names as docker: core cpu data fsize locks memlock
 * msgqueue nice nofile nproc rss rtprio rttime sigpending stack. */
int sv_parse_ulimit (const char *s, struct sv_rlimit *out, struct sv_err **err);

/* ---- mounts: -v, --mount, --tmpfs (parse-volume.c, parse-mount.c,
 * parse-tmpfs.c) ---- */

enum sv_mount_type
{
  SV_MOUNT_BIND,
  SV_MOUNT_VOLUME,
  SV_MOUNT_TMPFS,
};

struct sv_mount_spec
{
  enum sv_mount_type type;
  char *source; /* bind: absolute host path; volume: name, NULL when anonymous; tmpfs: NULL */
  char *target; /* absolute path in the container, not "/" */
  bool readonly;
  /* bind only: "rprivate" (default), "private", "rshared", "shared",
   * "rslave", "slave"; a static string. */
  const char *propagation;
  bool nonrecursive;  /* bind: --mount bind-nonrecursive */
  bool create_source; /* bind: -v creates a missing host directory; --mount fails instead */
  bool nocopy;        /* volume: do not copy the image's content into a new volume */
  /* tmpfs only: mount(2) options after docker's defaults and merging
   * ("noexec", "nosuid", "nodev", "rprivate", ...,"size=64m"); NULL-terminated. */
  char **tmpfs_options;
};

void sv_mount_spec_clear (struct sv_mount_spec *m);

/* -v HOST:CTR[:OPTS], NAME:CTR[:OPTS], CTR.  OPTS: ro|rw, z|Z (ignored),
 * a propagation mode (binds only), nocopy (volumes only), consistent|
 * cached|delegated (ignored).  A source starting with "." is a path
 * relative to the current directory (docker CLI >= 23); other relative
 * sources are volume names ([a-zA-Z0-9][a-zA-Z0-9_.-]+).
 * Error: "invalid volume specification: 'x'...". */
int sv_parse_volume (const char *s, struct sv_mount_spec *out, struct sv_err **err);
/* --mount type=bind|volume|tmpfs,src=,dst=,ro,... (CSV, quotes allowed);
 * the type defaults to volume. */
int sv_parse_mount (const char *s, struct sv_mount_spec *out, struct sv_err **err);
/* --tmpfs /run[:OPTS] with OPTS passed to mount(2) (rw,size=64m,mode=1777...). */
int sv_parse_tmpfs (const char *s, struct sv_mount_spec *out, struct sv_err **err);

/* ---- environment and labels (parse-env.c) ---- */

/* -e K=V sets K in *ENV (replacing an earlier K); -e K copies K from the
 * CLI's environment, or does nothing when it is unset. */
int sv_parse_env (const char *s, char ***env, struct sv_err **err);
/* --env-file: K=V lines (value kept verbatim), "#" comments, blank lines,
 * a bare K taken from the environment.  Errors name the file; ENOENT when
 * it is missing.  Call before the -e values so that they win, as docker. */
int sv_parse_env_file (const char *path, char ***env, struct sv_err **err);
/* -l k=v (a bare k means k=""), --label-file (bare keys are skipped, as docker). */
int sv_parse_label (const char *s, char ***labels, struct sv_err **err);
int sv_parse_label_file (const char *path, char ***labels, struct sv_err **err);

/* ---- single-valued flags (parse.c) ---- */

enum sv_restart_mode
{
  SV_RESTART_NO,
  SV_RESTART_ALWAYS,
  SV_RESTART_UNLESS_STOPPED,
  SV_RESTART_ON_FAILURE,
};

struct sv_restart_policy
{
  enum sv_restart_mode mode;
  int max_retries; /* on-failure only; 0 = unlimited */
};

/* --restart no|always|unless-stopped|on-failure[:N]; "" = no. */
int sv_parse_restart (const char *s, struct sv_restart_policy *out, struct sv_err **err);
/* "no", "always", "unless-stopped", "on-failure". */
const char *sv_restart_mode_name (enum sv_restart_mode mode);

enum sv_pull_policy
{
  SV_PULL_MISSING,
  SV_PULL_ALWAYS,
  SV_PULL_NEVER,
};

/* --pull missing|always|never. */
int sv_parse_pull (const char *s, enum sv_pull_policy *out, struct sv_err **err);

enum sv_network_mode
{
  SV_NET_BRIDGE, /* "bridge", "default", "" */
  SV_NET_NONE,
  SV_NET_HOST,
  SV_NET_CONTAINER, /* NAME is the container */
  SV_NET_NAMED,     /* a user-defined network NAME */
};

struct sv_network
{
  enum sv_network_mode mode;
  char *name; /* owned; NULL unless CONTAINER or NAMED */
};

/* --network none|host|bridge|container:NAME|NAME. */
int sv_parse_network (const char *s, struct sv_network *out, struct sv_err **err);
void sv_network_clear (struct sv_network *n);

/* docker's rule for container and volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+. */
bool sv_name_valid (const char *name);

/* --stop-signal, kill -s: "9", "KILL", "SIGKILL", "RTMIN+3" ("Invalid signal: x"). */
int sv_parse_signal (const char *s, int *out, struct sv_err **err);
/* --stop-timeout, stop -t: whole seconds; a negative value means wait forever. */
int sv_parse_timeout (const char *s, int *out, struct sv_err **err);

/* ---- ports (parse-ports.c) ---- */

struct sv_port_mapping
{
  char *host_ip; /* owned; NULL = all addresses; IPv6 without brackets */
  /* 0, 0: a dynamic port; a range only when one container port is mapped
   * onto a range to pick a free port from. */
  uint16_t host_port, host_port_end;
  uint16_t container_port;
  char proto[5]; /* "tcp", "udp", "sctp" */
};

/* -p [ip:][hostport:]containerport[/proto], ranges "8000-8010:80-90":
 * appends one mapping per container port to *V (*N entries). */
int sv_parse_publish (const char *s, struct sv_port_mapping **v, size_t *n, struct sv_err **err);
void sv_port_mappings_free (struct sv_port_mapping *v, size_t n);

struct sv_port
{
  uint16_t port;
  char proto[5];
};

/* --expose 80, 80/udp, 8000-8010: appends to *V (free with free()). */
int sv_parse_expose (const char *s, struct sv_port **v, size_t *n, struct sv_err **err);

/* ---- --security-opt (parse-security.c) ---- */

enum sv_seccomp_mode
{
  SV_SECCOMP_DEFAULT,
  SV_SECCOMP_UNCONFINED,
  SV_SECCOMP_FILE, /* SECCOMP_FILE is the path of a JSON profile, read by the caller */
};

struct sv_security_opts
{
  bool no_new_privileges;
  enum sv_seccomp_mode seccomp;
  char *seccomp_file;          /* owned */
  bool systempaths_unconfined; /* no masked / read-only /proc paths */
};

/* Apply one --security-opt to *O (start from a zeroed struct):
 * no-new-privileges[=|:true|false], seccomp=unconfined|builtin|FILE,
 * systempaths=unconfined; label=disable and apparmor=unconfined are
 * accepted (nothing to do on a host without SELinux/AppArmor); other
 * label=/apparmor= values fail, as Servin applies neither. */
int sv_parse_security_opt (const char *s, struct sv_security_opts *o, struct sv_err **err);
void sv_security_opts_clear (struct sv_security_opts *o);

#endif
