/* The monitor: one small process per started container.  It owns the
 * container's stdio (pipes, or the pty), writes the json-file log, serves
 * attach/wait clients on RUN/containers/ID/attach.sock, records the exit
 * (code, time, OOM kill) in the database, applies the restart policy and
 * --rm.  It is forked from the CLI that starts the container and detached
 * from it (setsid, double fork), so the CLI may exit at once. */
#include "engine/ctr-net.h"
#include "engine/engine.h"
#include "engine/frame.h"
#include "engine/logfile.h"
#include "engine/monitor.h"
#include "runtime/state.h"
#include "storage/rootfs.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/db.h"
#include "util/fdpass.h"
#include "util/json.h"
#include "util/fs.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define DRAIN_MS 2000

struct client
{
  int fd;
  int flags;   /* SV_ATTACH_* */
  bool waiter; /* only wants the exit frame */
};

struct mon
{
  struct sv_engine *e;
  struct sv_ctr *c;
  char *run_dir;
  char *ctr_dir;
  int run_dirfd;
  int listen_fd;
  struct client cl[MAX_CLIENTS];
  int ncl;
  int out_fd, err_fd; /* our read ends; the pty master is out_fd */
  int in_fd;          /* our write end of the container's stdin; the master with a tty */
  bool tty;
  bool stdin_once;
  struct sv_log_writer *log;
  int sigfd;
  pid_t pid;
  bool exited;
  int status;
  struct sv_ctr_net *net; /* NULL: host or container:NAME */
};

/* "/proc/self/fd/N/NAME": socket paths stay short whatever the run root. */
static void
sock_addr (int dirfd, const char *name, struct sockaddr_un *a)
{
  memset (a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  snprintf (a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", dirfd, name);
}

static int
listen_at (int dirfd, const char *name, struct sv_err **err)
{
  struct sockaddr_un a;
  sock_addr (dirfd, name, &a);
  unlinkat (dirfd, name, 0);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *)&a, sizeof a) < 0 || listen (fd, 64) < 0)
    return sv_err_errno (err, "listen on %s", name);
  return TAKE_FD (&fd);
}

int
sv_monitor_connect (int run_dirfd, struct sv_err **err)
{
  struct sockaddr_un a;
  sock_addr (run_dirfd, "attach.sock", &a);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sv_err_errno (err, "socket");
  if (connect (fd, (struct sockaddr *)&a, sizeof a) < 0)
    return sv_err_errno (err, "connect to the container's monitor");
  return TAKE_FD (&fd);
}

/* ---- clients ---- */

static void
drop_client (struct mon *m, int i)
{
  close (m->cl[i].fd);
  if ((m->cl[i].flags & SV_ATTACH_STDIN) && m->stdin_once && m->in_fd >= 0 && !m->tty)
    {
      close (m->in_fd);
      m->in_fd = -1;
    }
  m->cl[i] = m->cl[--m->ncl];
}

static void
add_client (struct mon *m, int fd, int flags, bool waiter)
{
  if (m->ncl == MAX_CLIENTS)
    {
      close (fd);
      return;
    }
  m->cl[m->ncl++] = (struct client){ .fd = fd, .flags = flags, .waiter = waiter };
}

/* Read the greeting line of a new connection (a byte at a time: it is short
 * and frames may follow at once). */
static void
accept_client (struct mon *m)
{
  int fd = accept4 (m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  struct timeval tv = { .tv_sec = 2 };
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char line[64];
  size_t n = 0;
  while (n < sizeof line - 1 && read (fd, line + n, 1) == 1 && line[n] != '\n')
    n++;
  line[n] = '\0';
  tv.tv_sec = 0;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int flags = 0;
  if (strcmp (line, "wait") == 0)
    add_client (m, fd, 0, true);
  else if (sscanf (line, "attach %d", &flags) == 1)
    add_client (m, fd, flags, false);
  else
    close (fd);
}

static void
broadcast (struct mon *m, int type, int flag, const char *data, size_t len)
{
  for (int i = m->ncl - 1; i >= 0; i--)
    if ((flag == 0 && type == SV_FRAME_EXIT) || (m->cl[i].flags & flag))
      if (sv_frame_write (m->cl[i].fd, type, data, len) < 0)
        drop_client (m, i);
}

/* A frame from an attached client: stdin data, a resize, or the end of its
 * input. */
static void
client_input (struct mon *m, int i)
{
  static char buf[SV_FRAME_MAX];
  int type;
  size_t len;
  if (sv_frame_read (m->cl[i].fd, &type, buf, &len) <= 0)
    {
      drop_client (m, i);
      return;
    }
  if (type == SV_FRAME_STDIN && m->in_fd >= 0)
    sv_write_all (m->in_fd, buf, len);
  else if (type == SV_FRAME_CLOSE_STDIN && m->in_fd >= 0 && !m->tty)
    {
      close (m->in_fd);
      m->in_fd = -1;
    }
  else if (type == SV_FRAME_RESIZE && m->tty && m->out_fd >= 0)
    {
      buf[len < SV_FRAME_MAX ? len : SV_FRAME_MAX - 1] = '\0';
      struct winsize ws = { 0 };
      if (sscanf (buf, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2)
        ioctl (m->out_fd, TIOCSWINSZ, &ws);
    }
}

/* ---- container output ---- */

static void
output (struct mon *m, int *fd, enum sv_log_stream stream)
{
  static char buf[SV_FRAME_MAX];
  ssize_t n = read (*fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0)
    {
      /* EOF, or EIO from a pty whose other side is gone. */
      close (*fd);
      if (m->tty && *fd == m->in_fd)
        m->in_fd = -1;
      *fd = -1;
      return;
    }
  sv_log_writer_write (m->log, stream, buf, (size_t)n, NULL);
  if (stream == SV_LOG_STDOUT)
    broadcast (m, SV_FRAME_STDOUT, SV_ATTACH_STDOUT, buf, (size_t)n);
  else
    broadcast (m, SV_FRAME_STDERR, SV_ATTACH_STDERR, buf, (size_t)n);
}

static void
reap (struct mon *m)
{
  struct signalfd_siginfo si;
  while (read (m->sigfd, &si, sizeof si) == sizeof si)
    ;
  int ws;
  pid_t p;
  while ((p = waitpid (-1, &ws, WNOHANG)) > 0)
    if (p == m->pid)
      {
        m->exited = true;
        m->status = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
      }
}

/* Serve the container until it has exited and its output is drained. */
static void
event_loop (struct mon *m)
{
  int64_t exited_at = -1;
  for (;;)
    {
      if (m->exited && exited_at < 0)
        exited_at = sv_now_ms ();
      if (m->exited && ((m->out_fd < 0 && m->err_fd < 0) || sv_now_ms () - exited_at > DRAIN_MS))
        return;
      struct pollfd p[4 + MAX_CLIENTS];
      int n = 0;
      p[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
      p[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
      p[n++] = (struct pollfd){ .fd = m->out_fd, .events = POLLIN };
      p[n++] = (struct pollfd){ .fd = m->err_fd, .events = POLLIN };
      for (int i = 0; i < m->ncl; i++)
        p[n++] = (struct pollfd){ .fd = m->cl[i].fd, .events = POLLIN };
      int ncl = m->ncl;
      if (poll (p, (nfds_t)n, m->exited ? 100 : -1) < 0 && errno != EINTR)
        return;
      if (p[0].revents)
        reap (m);
      if (p[2].revents)
        output (m, &m->out_fd, SV_LOG_STDOUT);
      if (p[3].revents)
        output (m, &m->err_fd, SV_LOG_STDERR);
      for (int i = ncl - 1; i >= 0; i--)
        if (p[4 + i].revents && i < m->ncl && m->cl[i].fd == p[4 + i].fd)
          client_input (m, i);
      if (p[1].revents)
        accept_client (m);
    }
}

/* ---- the container's stdio ---- */

/* Pipes (or the console socket for a tty) whose container ends become
 * fds 0-2 of this process while the runtime creates the container. */
static int
stdio_setup (struct mon *m, int *console_listen, struct sv_err **err)
{
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (m->tty)
    {
      *console_listen = listen_at (m->run_dirfd, "console.sock", err);
      if (*console_listen < 0)
        return -1;
      dup2 (devnull, 0), dup2 (devnull, 1), dup2 (devnull, 2);
      close (devnull);
      return 0;
    }
  int out[2], errp[2], in[2] = { -1, -1 };
  if (pipe2 (out, O_CLOEXEC) < 0 || pipe2 (errp, O_CLOEXEC) < 0)
    return sv_err_errno (err, "pipe");
  bool want_in
      = json_is_true (json_object_get (json_object_get (m->c->config, "Config"), "OpenStdin"));
  if (want_in && pipe2 (in, O_CLOEXEC) < 0)
    return sv_err_errno (err, "pipe");
  dup2 (want_in ? in[0] : devnull, 0);
  dup2 (out[1], 1);
  dup2 (errp[1], 2);
  close (out[1]), close (errp[1]), close (devnull);
  if (want_in)
    close (in[0]);
  m->out_fd = out[0];
  m->err_fd = errp[0];
  m->in_fd = in[1];
  return 0;
}

static void
stdio_detach (void)
{
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  dup2 (devnull, 0), dup2 (devnull, 1), dup2 (devnull, 2);
  close (devnull);
}

static int
receive_master (struct mon *m, int console_listen, struct sv_err **err)
{
  _cleanup_close_ int conn = accept4 (console_listen, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return sv_err_errno (err, "accept the console");
  int master = -1;
  if (sv_fd_recv (conn, &master, err) < 0)
    return -1;
  m->out_fd = master;
  m->in_fd = master;
  m->err_fd = -1;
  return 0;
}

/* 127 when the command is not found, 126 when it cannot be run, else 125. */
static int
start_status (const struct sv_err *e)
{
  if (e && strstr (e->msg, "exec") != NULL)
    {
      if (e->code == ENOENT)
        return 127;
      if (e->code == EACCES || e->code == EPERM || e->code == ENOEXEC || e->code == EISDIR)
        return 126;
    }
  return 125;
}

/* ---- one run of the container ---- */

static int
run_container (struct mon *m, struct sv_err **err)
{
  struct sv_runtime *rt;
  if (sv_engine_runtime (m->e, &rt, err) < 0)
    return -1;
  sv_container_delete (rt, m->c->id, true, NULL); /* a leftover of a crash */
  _cleanup_close_ int console_listen = -1;
  if (stdio_setup (m, &console_listen, err) < 0)
    return -1;
  char console[64];
  snprintf (console, sizeof console, "/proc/self/fd/%d/console.sock", m->run_dirfd);
  struct sv_create_opts o = {
    .id = m->c->id,
    .bundle = m->run_dir,
    .console_socket = m->tty ? console : NULL,
    .on_created = m->net ? sv_ctr_net_plug : NULL,
    .on_created_data = m->net,
  };
  int r = sv_container_create (rt, &o, SV_RUN_DETACHED, NULL, err);
  stdio_detach ();
  if (r < 0)
    return -1;
  if (m->tty && receive_master (m, console_listen, err) < 0)
    return -1;
  /* The saved state, not the OCI state: a process that has already exited
   * (`true`) has no pid in the latter, and its exit would go unnoticed. */
  struct sv_state *st = NULL;
  if (sv_state_load (rt->rootfd, m->c->id, &st, err) < 0)
    return -1;
  m->pid = st->pid;
  uint64_t start = st->start_time;
  sv_state_free (st);
  m->exited = false;
  free (m->c->state);
  m->c->state = xstrdup ("running");
  m->c->pid = m->pid;
  m->c->pid_start = (int64_t)start;
  m->c->monitor_pid = getpid ();
  free (m->c->started_at);
  m->c->started_at = sv_engine_now ();
  free (m->c->error);
  m->c->error = NULL;
  m->c->oom_killed = false;
  return sv_ctr_update (m->e->db, m->c, err);
}

/* Whether the memory cgroup of the container recorded an OOM kill. */
static bool
oom_killed (const char *cgroup_path)
{
  if (cgroup_path == NULL)
    return false;
  const char *files[][2] = {
    { "/sys/fs/cgroup/memory", "memory.oom_control" },
    { "/sys/fs/cgroup", "memory.events" },
  };
  for (size_t i = 0; i < 2; i++)
    {
      _cleanup_free_ char *path = xasprintf ("%s%s/%s", files[i][0], cgroup_path, files[i][1]);
      _cleanup_free_ char *text = NULL;
      if (sv_read_file_at (AT_FDCWD, path, &text, NULL, NULL) < 0)
        continue;
      const char *k = strstr (text, "oom_kill ");
      if (k && atol (k + 9) > 0)
        return true;
    }
  return false;
}

/* Record the exit and tear the runtime's side down (the rootfs stays
 * mounted for a restart). */
static void
finish_run (struct mon *m)
{
  struct sv_runtime *rt;
  if (sv_engine_runtime (m->e, &rt, NULL) == 0)
    {
      struct sv_state *st = NULL;
      if (sv_state_load (rt->rootfd, m->c->id, &st, NULL) == 0)
        {
          m->c->oom_killed = oom_killed (st->cgroup_path);
          sv_state_free (st);
        }
      sv_container_delete (rt, m->c->id, true, NULL);
    }
  sv_log_writer_flush (m->log, NULL);
  for (int *fd = &m->out_fd; fd <= &m->err_fd; fd++)
    if (*fd >= 0)
      close (*fd), *fd = -1;
  if (m->in_fd >= 0 && !m->tty)
    close (m->in_fd);
  m->in_fd = -1;
  free (m->c->state);
  m->c->state = xstrdup ("exited");
  m->c->exit_code = m->status;
  m->c->pid = 0;
  free (m->c->finished_at);
  m->c->finished_at = sv_engine_now ();
  sv_ctr_update (m->e->db, m->c, NULL);
}

/* ---- restart policy ---- */

static bool
should_restart (struct mon *m)
{
  json_t *p = json_object_get (json_object_get (m->c->config, "HostConfig"), "RestartPolicy");
  const char *name = json_string_value (json_object_get (p, "Name"));
  if (name == NULL || *name == '\0' || strcmp (name, "no") == 0)
    return false;
  /* A stop or kill through servin sets this: no restart after it. */
  if (faccessat (m->run_dirfd, "stopped", F_OK, 0) == 0)
    return false;
  if (strcmp (name, "always") == 0 || strcmp (name, "unless-stopped") == 0)
    return true;
  if (strcmp (name, "on-failure") == 0 && m->status != 0)
    {
      json_int_t max = json_integer_value (json_object_get (p, "MaximumRetryCount"));
      return max <= 0 || m->c->restart_count < max;
    }
  return false;
}

/* docker's backoff: 100 ms doubling, at most 1 s here (a CLI waits). */
static void
backoff (struct mon *m)
{
  int ms = 100 << (m->c->restart_count < 4 ? m->c->restart_count : 4);
  if (ms > 1000)
    ms = 1000;
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
  nanosleep (&ts, NULL);
}

/* ---- the monitor process ---- */

static void
report (int ready_fd, int status, const char *msg)
{
  if (ready_fd < 0)
    return;
  char buf[4096];
  int n = snprintf (buf, sizeof buf, "%d %s\n", status, msg ? msg : "");
  sv_write_all (ready_fd, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Close everything but the fds the monitor keeps (the CLI's database
 * connection and store lock must not live on here). */
static void
close_inherited (int keep1, int keep2)
{
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return;
  int self = dirfd (d);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      int fd = atoi (de->d_name);
      if (de->d_name[0] != '.' && fd > 2 && fd != self && fd != keep1 && fd != keep2)
        close (fd);
    }
  closedir (d);
}

static int
monitor_init (struct mon *m, struct sv_err **err)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigprocmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);
  m->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  prctl (PR_SET_NAME, "servin-monitor");
  m->run_dirfd = open (m->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m->sigfd < 0 || m->run_dirfd < 0)
    return sv_err_errno (err, "monitor setup");
  unlinkat (m->run_dirfd, "stopped", 0);
  m->listen_fd = listen_at (m->run_dirfd, "attach.sock", err);
  if (m->listen_fd < 0)
    return -1;
  _cleanup_free_ char *log = xasprintf ("%s/%s-json.log", m->ctr_dir, m->c->id);
  return sv_log_writer_open (log, SV_LOG_DEFAULT_MAX_SIZE, SV_LOG_DEFAULT_MAX_FILES, &m->log, err);
}

/* Remove an --rm container once it is done. */
static void
auto_remove (struct mon *m)
{
  json_t *hc = json_object_get (m->c->config, "HostConfig");
  if (!json_is_true (json_object_get (hc, "AutoRemove")))
    return;
  free (m->c->state);
  m->c->state = xstrdup ("removing");
  sv_engine_remove (m->e, m->c, true, true, NULL);
}

static int
monitor_main (struct mon *m, int ready_fd)
{
  struct sv_err *err = NULL;
  if (monitor_init (m, &err) < 0 || sv_ctr_net_prepare (m->e, m->c, &m->net, &err) < 0
      || run_container (m, &err) < 0)
    {
      sv_ctr_net_finish (m->net, true);
      sv_ctr_net_free (m->net);
      m->net = NULL;
      int status = start_status (err);
      char *msg = sv_err_string (err);
      sv_err_free (&err);
      free (m->c->error);
      m->c->error = xstrdup (msg);
      m->c->exit_code = status;
      sv_ctr_update (m->e->db, m->c, NULL);
      _cleanup_free_ char *rootfs = xasprintf ("%s/rootfs", m->run_dir);
      struct sv_runtime *rt;
      if (sv_engine_runtime (m->e, &rt, NULL) == 0)
        sv_container_delete (rt, m->c->id, true, NULL);
      sv_rootfs_umount (rootfs, NULL);
      auto_remove (m);
      report (ready_fd, status, msg);
      free (msg);
      return status;
    }
  report (ready_fd, 0, "running");
  close (ready_fd);
  for (;;)
    {
      event_loop (m);
      /* The network is released before the record says "exited": a
       * monitor killed in between leaves a running record with a dead
       * process, which the next command notices and cleans up. */
      bool again = should_restart (m);
      if (!again)
        sv_ctr_net_finish (m->net, true);
      finish_run (m);
      if (!again)
        break;
      sv_ctr_net_finish (m->net, false);
      m->c->restart_count++;
      backoff (m);
      free (m->c->state);
      m->c->state = xstrdup ("restarting");
      sv_ctr_update (m->e->db, m->c, NULL);
      if (run_container (m, &err) < 0)
        {
          char *msg = sv_err_string (err);
          sv_err_free (&err);
          free (m->c->error);
          m->c->error = msg;
          free (m->c->state);
          m->c->state = xstrdup ("exited");
          sv_ctr_update (m->e->db, m->c, NULL);
          break;
        }
    }
  sv_ctr_net_finish (m->net, true); /* when a restart failed */
  _cleanup_free_ char *rootfs = xasprintf ("%s/rootfs", m->run_dir);
  sv_rootfs_umount (rootfs, NULL);
  sv_log_writer_close (m->log);
  unlinkat (m->run_dirfd, "attach.sock", 0);
  auto_remove (m);
  char code[16];
  int n = snprintf (code, sizeof code, "%d", m->status);
  broadcast (m, SV_FRAME_EXIT, 0, code, (size_t)n);
  sv_ctr_net_free (m->net);
  m->net = NULL;
  return 0;
}

/* Reopen what the monitor needs in its own process: a database
 * connection of its own (SQLite connections do not cross fork). */
static int
monitor_engine (struct sv_engine *parent, struct sv_engine *e, struct sv_store **store,
                struct sv_err **err)
{
  if (sv_store_open (parent->paths.data_root, store, err) < 0)
    return -1;
  return sv_engine_open (e, *store, parent->paths.data_root, parent->paths.run_root, err);
}

static int
resume_db (struct sv_engine *e, struct sv_err **err)
{
  int r = sv_store_db_resume (e->store, err);
  e->db = sv_store_db (e->store);
  e->net.db = e->db;
  return r;
}

int
sv_monitor_start (struct sv_engine *e, struct sv_ctr *c, int attach_fd, int attach_flags,
                  int *status, struct sv_err **err)
{
  *status = 125;
  int ready[2];
  if (pipe2 (ready, O_CLOEXEC) < 0)
    {
      if (attach_fd >= 0)
        close (attach_fd);
      return sv_err_errno (err, "pipe");
    }
  /* The connection stays closed until the monitor has reported: it opens
   * the database first (alone), and reopening here finds it open. */
  sv_store_db_suspend (e->store);
  pid_t child = fork ();
  if (child < 0)
    {
      int r = sv_err_errno (err, "fork the monitor");
      resume_db (e, NULL);
      return r;
    }
  if (child == 0)
    {
      close (ready[0]);
      setsid ();
      if (fork () != 0)
        _exit (0);
      close_inherited (ready[1], attach_fd);
      struct sv_engine me;
      struct sv_store *store = NULL;
      struct sv_err *e2 = NULL;
      if (monitor_engine (e, &me, &store, &e2) < 0)
        {
          char *msg = sv_err_string (e2);
          report (ready[1], 125, msg);
          _exit (125);
        }
      struct mon m = {
        .e = &me,
        .c = c,
        .run_dir = sv_engine_run_dir (&me, c->id),
        .ctr_dir = sv_engine_ctr_dir (&me, c->id),
        .listen_fd = -1,
        .out_fd = -1,
        .err_fd = -1,
        .in_fd = -1,
        .tty = json_is_true (json_object_get (json_object_get (c->config, "Config"), "Tty")),
        .stdin_once
        = json_is_true (json_object_get (json_object_get (c->config, "Config"), "StdinOnce")),
      };
      if (attach_fd >= 0)
        add_client (&m, attach_fd, attach_flags, false);
      _exit (monitor_main (&m, ready[1]));
    }
  close (ready[1]);
  if (attach_fd >= 0)
    close (attach_fd);
  while (waitpid (child, NULL, 0) < 0 && errno == EINTR)
    ;
  char buf[4096];
  size_t n = 0;
  ssize_t r;
  while (n < sizeof buf - 1 && (r = read (ready[0], buf + n, sizeof buf - 1 - n)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        break;
      n += (size_t)r;
      if (memchr (buf, '\n', n))
        break;
    }
  close (ready[0]);
  if (resume_db (e, err) < 0)
    return -1;
  buf[n] = '\0';
  char *nl = strchr (buf, '\n');
  if (nl)
    *nl = '\0';
  char *msg = NULL;
  long st = strtol (buf, &msg, 10);
  if (n == 0 || msg == buf)
    return sv_err_make_plain (err, EIO, "the container's monitor died before reporting");
  if (st != 0)
    {
      *status = (int)st;
      return sv_err_make_plain (err, EIO, "%s", *msg == ' ' ? msg + 1 : msg);
    }
  *status = 0;
  return 0;
}
