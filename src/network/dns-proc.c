#include "network/dns-proc.h"
#include "network/dns-server.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/fs.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *
net_dir (struct sv_netctx *c, const struct sv_net *n)
{
  return xasprintf ("%s/networks/%s", c->run_root, n->id);
}

static int
lock_dir (const char *dir, struct sv_err **err)
{
  if (sv_mkdir_p_at (AT_FDCWD, dir, 0700, err) < 0)
    return -1;
  _cleanup_free_ char *path = xasprintf ("%s/dns.lock", dir);
  return sv_lock_file (path, err);
}

/* The responder's pid when it runs, else 0. */
static pid_t
running_pid (const char *dir)
{
  _cleanup_free_ char *path = xasprintf ("%s/dns.pid", dir);
  _cleanup_free_ char *text = NULL;
  if (sv_read_file_at (AT_FDCWD, path, &text, NULL, NULL) < 0)
    return 0;
  pid_t pid = (pid_t)atoi (text);
  char comm_path[64];
  snprintf (comm_path, sizeof comm_path, "/proc/%d/comm", (int)pid);
  _cleanup_free_ char *comm = NULL;
  char st = 0;
  uint64_t start;
  if (pid <= 0 || sv_proc_stat (pid, &start, &st, NULL) < 0 || st == 'Z'
      || sv_read_file_at (AT_FDCWD, comm_path, &comm, NULL, NULL) < 0
      || strncmp (comm, "servin-dns", 10) != 0)
    return 0;
  return pid;
}

/* ---- the responder ---- */

struct responder
{
  sqlite3 *db;
  const char *network_id;
  const char *dir;
  int idle_ticks;
};

static size_t
lookup (void *data, const char *name, struct in_addr *out, size_t max)
{
  struct responder *r = data;
  _cleanup_free_ char *short_name = NULL;
  size_t len = strlen (name), dl = strlen (SV_DNS_DOMAIN);
  if (len > dl + 1 && name[len - dl - 1] == '.' && strcmp (name + len - dl, SV_DNS_DOMAIN) == 0)
    name = short_name = xstrndup (name, len - dl - 1);
  uint32_t ips[16];
  int n = sv_endpoint_resolve (r->db, r->network_id, name, ips, max < 16 ? max : 16);
  for (int i = 0; i < n; i++)
    out[i].s_addr = htonl (ips[i]);
  return n > 0 ? (size_t)n : 0;
}

static bool
has_endpoints (struct responder *r)
{
  uint32_t *ips = NULL;
  size_t n = 0;
  if (sv_endpoint_ips (r->db, r->network_id, &ips, &n, NULL) < 0)
    return true;
  free (ips);
  return n > 0;
}

/* Two idle seconds with no endpoint: remove the pid file under the lock
 * (a container joining meanwhile then starts a new responder). */
static bool
should_stop (void *data)
{
  struct responder *r = data;
  if (has_endpoints (r))
    {
      r->idle_ticks = 0;
      return false;
    }
  if (++r->idle_ticks < 2)
    return false;
  _cleanup_close_ int lock = lock_dir (r->dir, NULL);
  if (has_endpoints (r))
    {
      r->idle_ticks = 0;
      return false;
    }
  _cleanup_free_ char *pid = xasprintf ("%s/dns.pid", r->dir);
  unlink (pid);
  return true;
}

static void
report (int fd, const char *msg)
{
  (void)!write (fd, msg, strlen (msg));
}

static void
on_ready (void *data)
{
  int *fd = data;
  report (*fd, "ok\n");
  close (*fd);
  *fd = -1;
}

static void
close_fds_but (int keep)
{
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      int fd = atoi (de->d_name);
      if (de->d_name[0] != '.' && fd > 2 && fd != dirfd (d) && fd != keep)
        close (fd);
    }
  closedir (d);
}

static void
reset_signals (void)
{
  sigset_t all;
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (int s = 1; s < NSIG; s++)
    signal (s, SIG_DFL);
  signal (SIGPIPE, SIG_IGN);
}

static int
write_pid (const char *dir, struct sv_err **err)
{
  _cleanup_free_ char *path = xasprintf ("%s/dns.pid", dir);
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%d\n", (int)getpid ());
  return sv_write_file_atomic_at (AT_FDCWD, path, buf, (size_t)len, 0644, err);
}

/* Serve as the responder of network NETWORK_ID (see dns-proc.h). */
int
sv_dns_proc_main (const char *data_root, const char *dir, const char *network_id, int ready_fd)
{
  reset_signals ();
  close_fds_but (ready_fd);
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  dup2 (devnull, 0), dup2 (devnull, 1), dup2 (devnull, 2);
  prctl (PR_SET_NAME, "servin-dns");
  struct sv_err *err = NULL;
  _cleanup_free_ char *db_path = xasprintf ("%s/servin.db", data_root);
  struct responder r = { .network_id = network_id, .dir = dir };
  struct sockaddr_storage *up = NULL;
  size_t n_up = 0;
  struct sv_net *n = NULL;
  if (sv_db_open (db_path, &r.db, &err) == 0 && sv_net_lookup (r.db, network_id, &n, &err) == 0
      && write_pid (dir, &err) == 0)
    {
      if (sv_dns_read_upstreams ("/etc/resolv.conf", &up, &n_up, NULL) < 0)
        n_up = 0;
      struct sv_dns_server_opts o = {
        .listen = { htonl (n->gateway) },
        .port = 53,
        .lookup = lookup,
        .data = &r,
        .upstream = up,
        .n_upstream = n_up,
        .should_stop = should_stop,
        .idle_ms = 1000,
        .ready = on_ready,
        .ready_data = &ready_fd,
      };
      if (sv_dns_serve (&o, &err) == 0)
        _exit (0);
      _cleanup_free_ char *pid = xasprintf ("%s/dns.pid", dir);
      unlink (pid);
    }
  if (ready_fd >= 0)
    {
      char *msg = sv_err_string (err);
      report (ready_fd, msg);
      free (msg);
    }
  _exit (1);
}

/* The responder is a new program (servin __dns-responder), not a fork:
 * SQLite's state does not survive fork (its locks belong to the parent's
 * connection).  Detached (setsid and a second fork); waits for its word. */
static int
spawn (struct sv_netctx *c, const struct sv_net *n, const char *dir, struct sv_err **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return sv_err_errno (err, "pipe");
  pid_t child = fork ();
  if (child < 0)
    {
      close (p[0]), close (p[1]);
      return sv_err_errno (err, "fork the DNS responder");
    }
  if (child == 0)
    {
      close (p[0]);
      setsid ();
      if (fork () != 0)
        _exit (0);
      close_fds_but (p[1]);
      fcntl (p[1], F_SETFD, 0);
      char fd[16];
      snprintf (fd, sizeof fd, "%d", p[1]);
      char *argv[] = { (char *)"servin-dns",
                       (char *)"__dns-responder",
                       (char *)c->data_root,
                       (char *)dir,
                       n->id,
                       fd,
                       NULL };
      execv ("/proc/self/exe", argv);
      report (p[1], "cannot run /proc/self/exe");
      _exit (127);
    }
  close (p[1]);
  while (waitpid (child, NULL, 0) < 0 && errno == EINTR)
    ;
  char buf[512];
  ssize_t len;
  while ((len = read (p[0], buf, sizeof buf - 1)) < 0 && errno == EINTR)
    ;
  close (p[0]);
  buf[len > 0 ? len : 0] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  if (strcmp (buf, "ok") == 0)
    return 0;
  return sv_err_make_plain (err, EIO, "network %s: the DNS responder did not start: %s", n->name,
                            len > 0 ? buf : "it died");
}

int
sv_dns_proc_ensure (struct sv_netctx *c, const struct sv_net *n, struct sv_err **err)
{
  _cleanup_free_ char *dir = net_dir (c, n);
  _cleanup_close_ int lock = lock_dir (dir, err);
  if (lock < 0)
    return -1;
  if (running_pid (dir) > 0)
    return 0;
  return spawn (c, n, dir, err);
}

void
sv_dns_proc_stop (struct sv_netctx *c, const struct sv_net *n)
{
  _cleanup_free_ char *dir = net_dir (c, n);
  _cleanup_close_ int lock = lock_dir (dir, NULL);
  pid_t pid = running_pid (dir);
  if (pid > 0 && kill (pid, SIGTERM) == 0)
    for (int i = 0; i < 200 && kill (pid, 0) == 0 && running_pid (dir) == pid; i++)
      usleep (5000);
  if (pid > 0 && running_pid (dir) == pid)
    kill (pid, SIGKILL);
  _cleanup_free_ char *pidf = xasprintf ("%s/dns.pid", dir);
  unlink (pidf);
  _cleanup_free_ char *lockf = xasprintf ("%s/dns.lock", dir);
  unlink (lockf);
  rmdir (dir);
}
