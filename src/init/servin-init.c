/* servin-init: the minimal init of `servin run --init` (what tini is to
 * docker).  As PID 1 of a container it runs its arguments as a child,
 * forwards the signals it receives to that child, reaps every zombie of the
 * container, and exits with the child's status (128+N when signal N killed
 * it).  It is linked statically and allocates nothing, so it can be
 * bind-mounted into any image.
 *
 * Usage: servin-init [--] CMD [ARG...]
 * Its own exit codes: 127 when CMD is not found and 126 when it cannot be
 * executed (docker's convention), 1 for usage and setup errors. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT_EXEC 126

/* Signals servin-init keeps: faults of its own (forwarding them would hide
 * a crash) and the terminal stops, which it ignores. */
static const int kept_signals[]
    = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU };

static void __attribute__ ((format (printf, 1, 2))) warn (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("servin-init: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
}

/* Block every signal servin-init forwards (it takes them with
 * sigtimedwait) and ignore the terminal stops.  *SAVED gets the old mask
 * for the child. */
static int
setup_signals (sigset_t *forwarded, sigset_t *saved)
{
  sigfillset (forwarded);
  for (size_t i = 0; i < sizeof kept_signals / sizeof kept_signals[0]; i++)
    sigdelset (forwarded, kept_signals[i]);
  if (sigprocmask (SIG_SETMASK, forwarded, saved) < 0)
    {
      warn ("sigprocmask: %s", strerror (errno));
      return -1;
    }
  struct sigaction ign = { .sa_handler = SIG_IGN };
  if (sigaction (SIGTTIN, &ign, NULL) < 0 || sigaction (SIGTTOU, &ign, NULL) < 0)
    {
      warn ("sigaction: %s", strerror (errno));
      return -1;
    }
  return 0;
}

/* In the child: a process group of its own that owns the terminal (so a
 * ^C reaches it once, from the kernel, not also through servin-init), the
 * signal state servin-init started with, then CMD.  Never returns. */
static void __attribute__ ((noreturn)) exec_child (char **argv, const sigset_t *saved)
{
  if (setpgid (0, 0) < 0)
    warn ("setpgid: %s", strerror (errno));
  /* SIGTTOU is still ignored here, so a background group may take the tty. */
  if (isatty (STDIN_FILENO) && tcsetpgrp (STDIN_FILENO, getpgrp ()) < 0)
    warn ("tcsetpgrp: %s", strerror (errno));
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  (void)sigaction (SIGTTIN, &dfl, NULL);
  (void)sigaction (SIGTTOU, &dfl, NULL);
  (void)sigprocmask (SIG_SETMASK, saved, NULL);
  execvp (argv[0], argv);
  int saved_errno = errno;
  warn ("exec %s: %s", argv[0], strerror (saved_errno));
  _exit (saved_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}

/* Reap every zombie there is; returns true, with *status set, once CHILD
 * was one of them. */
static bool
reap_zombies (pid_t child, int *status)
{
  bool child_done = false;
  for (;;)
    {
      int st;
      pid_t pid = waitpid (-1, &st, WNOHANG);
      if (pid < 0 && errno == EINTR)
        continue;
      if (pid <= 0) /* 0: the rest still run; ECHILD: none left */
        return child_done;
      if (pid == child)
        {
          *status = st;
          child_done = true;
        }
    }
}

static void
forward (pid_t child, int sig)
{
  if (kill (child, sig) < 0 && errno != ESRCH)
    warn ("forward signal %d: %s", sig, strerror (errno));
}

static int
exit_code (int status)
{
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

/* Forward signals to CHILD and reap zombies until CHILD exits; returns
 * servin-init's exit code.  The timeout only bounds how long a zombie whose
 * SIGCHLD merged with another can wait. */
static int
supervise (pid_t child, const sigset_t *forwarded)
{
  for (;;)
    {
      struct timespec timeout = { .tv_sec = 1 };
      siginfo_t info;
      int sig = sigtimedwait (forwarded, &info, &timeout);
      if (sig < 0 && errno != EAGAIN && errno != EINTR)
        {
          warn ("sigtimedwait: %s", strerror (errno));
          return 1;
        }
      if (sig > 0 && sig != SIGCHLD)
        forward (child, sig);
      int status;
      if (reap_zombies (child, &status))
        return exit_code (status);
    }
}

int
main (int argc, char **argv)
{
  int first = 1;
  if (first < argc && strcmp (argv[first], "--") == 0)
    first++;
  if (first >= argc)
    {
      fputs ("usage: servin-init [--] CMD [ARG...]\n", stderr);
      return 1;
    }
  /* Not PID 1 (e.g. a shared pid namespace): orphans must still come here. */
  if (getpid () != 1 && prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    warn ("PR_SET_CHILD_SUBREAPER: %s", strerror (errno));

  sigset_t forwarded, saved;
  if (setup_signals (&forwarded, &saved) < 0)
    return 1;
  pid_t child = fork ();
  if (child < 0)
    {
      warn ("fork: %s", strerror (errno));
      return 1;
    }
  if (child == 0)
    exec_child (argv + first, &saved);
  return supervise (child, &forwarded);
}
