#include "runtime/namespaces.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int
sv_ns_clone_flags (const struct sv_spec *spec)
{
  int flags = 0;
  for (size_t i = 0; i < spec->n_namespaces; i++)
    if (spec->namespaces[i].path == NULL)
      flags |= spec->namespaces[i].flag;
  return flags & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
}

int
sv_ns_has_joins (const struct sv_spec *spec)
{
  for (size_t i = 0; i < spec->n_namespaces; i++)
    if (spec->namespaces[i].path)
      return 1;
  return 0;
}

static int
add_fd (struct sv_ns_join *j, int flag, const char *path, struct sv_err **err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open %s namespace `%s`", sv_namespace_name (flag), path);
  j->fd[j->n] = fd;
  j->flag[j->n] = flag;
  j->n++;
  return 0;
}

int
sv_ns_open_joins (const struct sv_spec *spec, struct sv_ns_join *j, struct sv_err **err)
{
  j->n = 0;
  /* The user namespace goes first: it owns the others. */
  const struct sv_namespace *user = sv_spec_namespace (spec, CLONE_NEWUSER);
  if (user && user->path && add_fd (j, CLONE_NEWUSER, user->path, err) < 0)
    return -1;
  for (size_t i = 0; i < spec->n_namespaces; i++)
    {
      const struct sv_namespace *ns = &spec->namespaces[i];
      if (ns->path == NULL || ns->flag == CLONE_NEWUSER)
        continue;
      if (add_fd (j, ns->flag, ns->path, err) < 0)
        {
          sv_ns_join_close (j);
          return -1;
        }
    }
  return 0;
}

static const struct
{
  int flag;
  const char *name;
} proc_ns[] = {
  { CLONE_NEWUSER, "user" }, { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWIPC, "ipc" },
  { CLONE_NEWUTS, "uts" },   { CLONE_NEWNET, "net" },       { CLONE_NEWPID, "pid" },
  { CLONE_NEWTIME, "time" }, { CLONE_NEWNS, "mnt" },
};

static int
same_ns (const char *a, const char *b)
{
  struct stat sa, sb;
  if (stat (a, &sa) < 0 || stat (b, &sb) < 0)
    return 0;
  return sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

int
sv_ns_open_pid (pid_t pid, int flags, struct sv_ns_join *j, struct sv_err **err)
{
  j->n = 0;
  for (size_t i = 0; i < sizeof proc_ns / sizeof proc_ns[0]; i++)
    {
      if (!(flags & proc_ns[i].flag))
        continue;
      char path[64], self[64];
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int)pid, proc_ns[i].name);
      snprintf (self, sizeof self, "/proc/self/ns/%s", proc_ns[i].name);
      if (same_ns (path, self))
        continue;
      if (add_fd (j, proc_ns[i].flag, path, err) < 0)
        {
          sv_ns_join_close (j);
          return -1;
        }
    }
  return 0;
}

int
sv_ns_join_all (struct sv_ns_join *j, struct sv_err **err)
{
  int ret = 0;
  for (size_t i = 0; i < j->n; i++)
    {
      if (ret == 0 && setns (j->fd[i], j->flag[i]) < 0)
        ret = sv_err_errno (err, "join %s namespace", sv_namespace_name (j->flag[i]));
      close (j->fd[i]);
    }
  j->n = 0;
  return ret;
}

void
sv_ns_join_close (struct sv_ns_join *j)
{
  for (size_t i = 0; i < j->n; i++)
    close (j->fd[i]);
  j->n = 0;
}

static int
write_map (pid_t pid, const char *file, const struct sv_idmap *m, size_t n, struct sv_err **err)
{
  if (n == 0)
    return 0;
  size_t cap = n * 40 + 1, off = 0;
  _cleanup_free_ char *buf = xmalloc (cap);
  for (size_t i = 0; i < n; i++)
    off += snprintf (buf + off, cap - off, "%u %u %u\n", m[i].container_id, m[i].host_id,
                     m[i].size);
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", (int)pid, file);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  if (write (fd, buf, off) != (ssize_t)off)
    return sv_err_errno (err, "write `%s`", path);
  return 0;
}

int
sv_ns_write_idmaps (const struct sv_spec *spec, pid_t pid, struct sv_err **err)
{
  if (write_map (pid, "uid_map", spec->uid_mappings, spec->n_uid_mappings, err) < 0)
    return -1;
  return write_map (pid, "gid_map", spec->gid_mappings, spec->n_gid_mappings, err);
}

int
sv_ns_setup_time (const struct sv_spec *spec, struct sv_err **err)
{
  const struct sv_namespace *ns = sv_spec_namespace (spec, CLONE_NEWTIME);
  if (ns == NULL || ns->path)
    return 0;
  if (unshare (CLONE_NEWTIME) < 0)
    return sv_err_errno (err, "unshare time namespace");
  char buf[128];
  int len = snprintf (buf, sizeof buf, "monotonic %lld %u\nboottime %lld %u\n",
                      (long long)spec->time_monotonic.secs, spec->time_monotonic.nanosecs,
                      (long long)spec->time_boottime.secs, spec->time_boottime.nanosecs);
  _cleanup_close_ int fd = open ("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open /proc/self/timens_offsets");
  if (write (fd, buf, len) != len)
    return sv_err_errno (err, "write time namespace offsets");
  return 0;
}

pid_t
sv_clone_into (int flags, int cgroup_fd)
{
  struct clone_args args = {
    .flags = (uint64_t)flags,
    /* With CLONE_PARENT the kernel takes the caller's own exit signal and
     * refuses any other. */
    .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
  };
  if (cgroup_fd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = (uint64_t)cgroup_fd;
    }
  return (pid_t)syscall (SYS_clone3, &args, sizeof args);
}

pid_t
sv_clone (int flags)
{
  return sv_clone_into (flags, -1);
}
