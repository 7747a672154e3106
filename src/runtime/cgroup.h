/* cgroups: one manager over three host layouts, cgroup v1, pure v2 and
 * hybrid (v1 controllers plus a v2 mount at /sys/fs/cgroup/unified), hidden
 * behind a table of backend functions (cgroup-v1.c, cgroup-v2.c).
 *
 * A container's cgroup is named by linux.cgroupsPath: an absolute path is
 * taken as is (relative to each hierarchy's root), a relative one is put
 * under the runtime's own cgroup, and none means "/servin/<id>".  With
 * --systemd-cgroup the path is "slice:prefix:name" and maps to
 * "/<slice expanded>/<prefix>-<name>.scope" (no systemd calls are made;
 * Servin writes cgroupfs directly). */
#ifndef SV_CGROUP_H
#define SV_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

enum sv_cgroup_mode
{
  SV_CGROUP_V1,
  SV_CGROUP_V2,
  SV_CGROUP_HYBRID,
};

/* Parsed linux.resources; opaque outside cgroup*.c. */
struct sv_resources;

/* Validate linux.resources (PATH names it): devices, memory, cpu, pids,
 * blockIO, hugepageLimits, unified, (network, rdma: refused by name). */
int sv_resources_parse (json_t *obj, const char *path, struct sv_resources **out,
                        struct sv_err **err);
void sv_resources_free (struct sv_resources *r);

/* The layout of /sys/fs/cgroup on this host (cached after the first call). */
int sv_cgroup_detect_mode (enum sv_cgroup_mode *out, struct sv_err **err);

struct sv_cgroup; /* one container's cgroup, in every hierarchy it uses */

/* Compute the cgroup for container ID from CGROUPS_PATH (may be NULL) and
 * SYSTEMD, create it (mkdir in each hierarchy), apply RES (may be NULL) and
 * move PID into it.  On failure nothing is left behind. */
int sv_cgroup_create (const char *id, const char *cgroups_path, bool systemd,
                      const struct sv_resources *res, pid_t pid, struct sv_cgroup **out,
                      struct sv_err **err);
/* The cgroup of a container created earlier, from the path string stored in
 * its state (sv_cgroup_path). */
int sv_cgroup_open (const char *path, struct sv_cgroup **out, struct sv_err **err);
/* The path relative to the hierarchy roots, e.g. "/servin/abc"; owned by CG.
 * When a relative cgroupsPath put the cgroup under different parents in
 * different v1 hierarchies, it lists them: "memory:/a/x;cpu,cpuacct:/x;...". */
const char *sv_cgroup_path (const struct sv_cgroup *cg);
/* Move PID into the container's cgroup (for exec). */
int sv_cgroup_enter (struct sv_cgroup *cg, pid_t pid, struct sv_err **err);

/* Joining without the RCU wait.  Moving another task (sv_cgroup_enter)
 * takes the kernel's global threadgroup lock, whose first writer waits for
 * an RCU grace period (4-19 ms on this kind of host).  A process that is
 * cloned straight into the v2 cgroup (clone3 CLONE_INTO_CGROUP with
 * sv_cgroup_v2_fd) and then moves its single thread into the v1 ones by
 * writing 0 to their `tasks` files (sv_cgroup_join_self) never takes it.
 * sv_cgroup_v2_fd gives an fd of the v2 directory or -1 when there is none;
 * sv_cgroup_join_self runs in the (single-threaded) child, and with
 * V2_DONE false joins the v2 directory through cgroup.procs too. */
int sv_cgroup_v2_fd (const struct sv_cgroup *cg);
int sv_cgroup_join_self (const struct sv_cgroup *cg, bool v2_done, struct sv_err **err);
/* Apply RES to a live cgroup (`update`). */
int sv_cgroup_update (struct sv_cgroup *cg, const struct sv_resources *res, struct sv_err **err);
/* Freeze (pause) or thaw (resume) every process in the cgroup. */
int sv_cgroup_freeze (struct sv_cgroup *cg, bool frozen, struct sv_err **err);
/* 1 when frozen, 0 when not, < 0 on error. */
int sv_cgroup_is_frozen (struct sv_cgroup *cg, struct sv_err **err);
/* The pids in the cgroup (malloc'ed array). */
int sv_cgroup_pids (struct sv_cgroup *cg, pid_t **pids, size_t *n, struct sv_err **err);
/* Send SIG to every process in the cgroup. */
int sv_cgroup_kill_all (struct sv_cgroup *cg, int sig, struct sv_err **err);
/* Remove the cgroup from every hierarchy (kills nothing: the caller makes
 * sure it is empty first); retries EBUSY briefly. ENOENT is fine. */
int sv_cgroup_destroy (struct sv_cgroup *cg, struct sv_err **err);
void sv_cgroup_free (struct sv_cgroup *cg);

/* Resource counters for `stats`/`events`: memory usage/limit/max, cpu usage
 * (ns), pids current/limit, oom kill count.  A limit of "max" reads as
 * UINT64_MAX; a counter the host lacks stays 0. */
struct sv_cgroup_stats
{
  uint64_t memory_usage, memory_limit, memory_max_usage;
  uint64_t cpu_usage_ns;
  uint64_t pids_current, pids_limit;
  uint64_t oom_kills;
};
int sv_cgroup_stats (struct sv_cgroup *cg, struct sv_cgroup_stats *out, struct sv_err **err);

#endif
