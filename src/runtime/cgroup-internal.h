/* What the cgroup*.c files share: the parsed resources, the hierarchies a
 * container's cgroup lives in, and the backend table (cgroup v1 / v2) that
 * the manager in cgroup.c dispatches to.  Not for use outside cgroup*.c and
 * their unit tests. */
#ifndef SV_CGROUP_INTERNAL_H
#define SV_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/cgroup.h"

/* ---- parsed linux.resources (cgroup-resources.c) ---- */

struct sv_opt_i64
{
  bool set;
  int64_t v;
};

struct sv_opt_u64
{
  bool set;
  uint64_t v;
};

enum
{
  SV_DEV_ACC_MKNOD = 1,
  SV_DEV_ACC_READ = 2,
  SV_DEV_ACC_WRITE = 4,
  SV_DEV_ACC_ALL = 7,
};

/* One linux.resources.devices rule; major/minor -1 is the wildcard "*". */
struct sv_dev_rule
{
  bool allow;
  char type; /* 'a', 'b' or 'c' */
  int64_t major, minor;
  unsigned access; /* SV_DEV_ACC_* bits */
};

struct sv_blkio_weight_dev
{
  int64_t major, minor;
  struct sv_opt_u64 weight, leaf_weight;
};

struct sv_blkio_rate_dev
{
  int64_t major, minor;
  uint64_t rate;
};

enum sv_blkio_throttle
{
  SV_THROTTLE_READ_BPS,
  SV_THROTTLE_WRITE_BPS,
  SV_THROTTLE_READ_IOPS,
  SV_THROTTLE_WRITE_IOPS,
  SV_THROTTLE_N,
};

struct sv_hugepage_limit
{
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct sv_unified_entry
{
  char *key, *value;
};

struct sv_resources
{
  char *path; /* JSON path of the object, for errors found when applying */
  struct
  {
    struct sv_opt_i64 limit, reservation, swap;
    struct sv_opt_u64 swappiness;
    bool disable_oom_set, disable_oom_killer;
  } memory;
  struct
  {
    struct sv_opt_u64 shares, period, burst, rt_period;
    struct sv_opt_i64 quota, rt_runtime, idle;
    char *cpus, *mems;
  } cpu;
  struct sv_opt_i64 pids_limit;
  struct
  {
    struct sv_opt_u64 weight, leaf_weight;
    struct sv_blkio_weight_dev *weight_devs;
    size_t n_weight_devs;
    struct sv_blkio_rate_dev *throttle[SV_THROTTLE_N];
    size_t n_throttle[SV_THROTTLE_N];
  } blkio;
  struct sv_hugepage_limit *hugepages;
  size_t n_hugepages;
  bool devices_set;
  struct sv_dev_rule *devices;
  size_t n_devices;
  struct sv_unified_entry *unified;
  size_t n_unified;
};

/* Which controller a resource group needs.  The manager finds, for each,
 * the hierarchy that provides it (a v1 mount first, else the v2 one). */
enum sv_ctrl
{
  SV_CTRL_CPU,
  SV_CTRL_CPUACCT,
  SV_CTRL_CPUSET,
  SV_CTRL_MEMORY,
  SV_CTRL_PIDS,
  SV_CTRL_BLKIO,
  SV_CTRL_HUGETLB,
  SV_CTRL_DEVICES,
  SV_CTRL_FREEZER,
  SV_CTRL_N,
};

/* true when RES asks for something that needs CTRL. */
bool sv_resources_need (const struct sv_resources *res, enum sv_ctrl ctrl);

/* The rules to program: deny all, RES's rules, then the devices every
 * container gets (null, zero, full, tty, random, urandom, ptmx, pts, tun).
 * Returns a malloc'ed array and its length. */
struct sv_dev_rule *sv_resources_device_rules (const struct sv_resources *res, size_t *n);

/* ---- hierarchies and paths (cgroup-path.c) ---- */

/* One hierarchy the container's cgroup lives in. */
struct sv_cg_dir
{
  const struct sv_cgroup_backend *backend;
  char *mount;       /* e.g. "/sys/fs/cgroup/memory" */
  char *controllers; /* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
  char *own;         /* this process's cgroup in it, e.g. "/user.slice" */
  char *path;        /* the container's cgroup, relative to MOUNT: "/servin/id" */
  char *created;     /* first directory sv_cgroup_create made (rollback), or NULL */
};

struct sv_cgroup
{
  enum sv_cgroup_mode mode;
  struct sv_cg_dir *dirs;
  size_t n_dirs;
  char *stored; /* what sv_cgroup_path returns */
};

/* The cgroup path for container ID: an absolute path ("/servin/id",
 * "/system.slice/servin-id.scope") or a relative one (no leading '/'),
 * which the caller puts under its own cgroup.  *OUT is malloc'ed. */
int sv_cgroup_resolve_path (const char *id, const char *cgroups_path, bool systemd, char **out,
                            struct sv_err **err);
/* systemd slice expansion: "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "". */
int sv_cgroup_expand_slice (const char *slice, char **out, struct sv_err **err);

/* Fill CG->dirs with the hierarchies of the host in CG->mode (paths unset).
 * ROOT is the cgroupfs mount point, normally "/sys/fs/cgroup". */
int sv_cgroup_find_hierarchies (struct sv_cgroup *cg, const char *root, struct sv_err **err);
/* Set every dir's path from RESOLVED (output of sv_cgroup_resolve_path). */
void sv_cgroup_set_paths (struct sv_cgroup *cg, const char *resolved);
/* The string sv_cgroup_path returns: the path when every hierarchy agrees,
 * else "controllers:path;controllers:path;..." (v2 has empty controllers). */
char *sv_cgroup_format_stored (const struct sv_cgroup *cg);
/* The inverse, on dirs already found: sets each dir's path. */
int sv_cgroup_parse_stored (struct sv_cgroup *cg, const char *stored, struct sv_err **err);

/* "mount/path/NAME" of DIR (NAME may be NULL); malloc'ed. */
char *sv_cg_dir_file (const struct sv_cg_dir *d, const char *name);
/* Open DIR's cgroup directory (O_DIRECTORY | O_RDONLY); returns the fd. */
int sv_cg_dir_open (const struct sv_cg_dir *d, struct sv_err **err);
/* true when the hierarchy of D is a v1 one holding controller NAME. */
bool sv_cg_dir_has_v1 (const struct sv_cg_dir *d, const char *name);

/* ---- backends (cgroup-v1.c, cgroup-v2.c) ---- */

/* A cgroup version's way of doing things in one hierarchy.  DFD is the
 * container's cgroup directory in it. */
struct sv_cgroup_backend
{
  const char *name;
  /* After mkdir, before limits: v1 copies cpuset.cpus/mems from the
   * parent; v2 enables in the ancestors' cgroup.subtree_control what the
   * NEED bitmask (1 << enum sv_ctrl) asks for. */
  int (*prepare) (struct sv_cg_dir *d, unsigned need, struct sv_err **err);
  /* Write RES's limits for CTRL. */
  int (*apply) (int dfd, enum sv_ctrl ctrl, const struct sv_resources *res, struct sv_err **err);
  /* true when CTRL can be used in D's hierarchy (v2: in cgroup.controllers). */
  bool (*provides) (const struct sv_cg_dir *d, enum sv_ctrl ctrl);
  int (*freeze) (int dfd, bool frozen, struct sv_err **err);
  int (*is_frozen) (int dfd, struct sv_err **err);
  /* Add CTRL's counters to OUT; absent files are left at 0. */
  void (*stats) (int dfd, enum sv_ctrl ctrl, struct sv_cgroup_stats *out);
};

extern const struct sv_cgroup_backend sv_cgroup_v1_backend;
extern const struct sv_cgroup_backend sv_cgroup_v2_backend;

/* The controller names of CTRL: v1 ("cpuacct") and v2 ("cpu", or NULL when
 * the feature is part of cgroup2 itself, like the freezer). */
const char *sv_ctrl_v1_name (enum sv_ctrl ctrl);
const char *sv_ctrl_v2_name (enum sv_ctrl ctrl);
/* What a user asked for, for errors: "memory limit", "pids limit". */
const char *sv_ctrl_what (enum sv_ctrl ctrl);

/* Small file helpers on a cgroup directory fd. */
int sv_cg_write (int dfd, const char *file, const char *value, struct sv_err **err);
int sv_cg_writef (int dfd, const char *file, struct sv_err **err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Read FILE, with the trailing newline removed. */
int sv_cg_read (int dfd, const char *file, char **out, struct sv_err **err);
/* Read a number ("max" reads as UINT64_MAX); false when absent or garbled. */
bool sv_cg_read_u64 (int dfd, const char *file, uint64_t *out);
/* Read "KEY VALUE" from a flat keyed file such as memory.events. */
/* cpuset.cpus and cpuset.mems: the same files and format in v1 and v2. */
int sv_cg_write_cpuset (int dfd, const struct sv_resources *r, struct sv_err **err);
bool sv_cg_read_keyed (int dfd, const char *file, const char *key, uint64_t *out);
bool sv_cg_file_exists (int dfd, const char *file);

/* ---- device control on cgroup v2 (cgroup-devices-bpf.c) ---- */

/* Build the BPF_PROG_TYPE_CGROUP_DEVICE program for RULES (the last
 * matching rule wins, nothing matching denies).  *OUT is malloc'ed
 * struct bpf_insn[*N]. */
void sv_devices_bpf_build (const struct sv_dev_rule *rules, size_t n_rules, void **out, size_t *n);
/* Load the program for RULES and attach it to the cgroup DFD, replacing
 * the programs attached there before. */
int sv_devices_bpf_apply (int dfd, const struct sv_dev_rule *rules, size_t n_rules,
                          struct sv_err **err);

/* ---- manager (cgroup.c) ---- */

/* Forget the cached mode (tests that switch mount namespaces). */
void sv_cgroup_reset_mode_cache (void);
/* The cgroupfs root the manager uses; tests may point it elsewhere. */
extern const char *sv_cgroup_root;

#endif
