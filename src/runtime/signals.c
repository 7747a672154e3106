/* Signal names, as kill(1), runc and docker spell them. */
#include "runtime/signals.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The first entry for a number is its canonical name; later ones are aliases. */
static const struct
{
  const char *name; /* without the SIG prefix */
  int sig;
} sig_table[] = {
  { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },
  { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },     { "BUS", SIGBUS },   { "FPE", SIGFPE },
  { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
  { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT },
  { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
  { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },   { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
  { "IO", SIGIO },     { "PWR", SIGPWR },       { "SYS", SIGSYS },   { "IOT", SIGIOT },
  { "CLD", SIGCHLD },  { "POLL", SIGPOLL },
};

/* Canonical names of each signal, indexed by number (static strings). */
static const char *const sig_full_names[] = {
  [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
  [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
  [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
  [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
  [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
  [SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",
  [SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
  [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
  [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
  [SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",
  [SIGSYS] = "SIGSYS",
};

/* Real-time signals are named from the nearer end, as bash's kill -l does:
 * SIGRTMIN, SIGRTMIN+1 ... SIGRTMIN+15, SIGRTMAX-14 ... SIGRTMAX. */
static const char *const rtmin_names[] = {
  "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
  "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
  "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16",
};
static const char *const rtmax_names[] = {
  "SIGRTMAX",    "SIGRTMAX-1",  "SIGRTMAX-2",  "SIGRTMAX-3",  "SIGRTMAX-4",  "SIGRTMAX-5",
  "SIGRTMAX-6",  "SIGRTMAX-7",  "SIGRTMAX-8",  "SIGRTMAX-9",  "SIGRTMAX-10", "SIGRTMAX-11",
  "SIGRTMAX-12", "SIGRTMAX-13", "SIGRTMAX-14", "SIGRTMAX-15", "SIGRTMAX-16",
};

#define ARRAY_LEN(a) (sizeof (a) / sizeof ((a)[0]))

/* A non-empty string of decimal digits, at most 9 of them, into *out. */
static bool
parse_small_uint (const char *s, int *out)
{
  size_t len = strspn (s, "0123456789");
  if (len == 0 || len > 9 || s[len] != '\0')
    return false;
  int v = 0;
  for (size_t i = 0; i < len; i++)
    v = v * 10 + (s[i] - '0');
  *out = v;
  return true;
}

static int
signal_in_range (int sig)
{
  return sig >= 1 && sig <= SIGRTMAX ? sig : -1;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (case-insensitive). */
static int
signal_parse_rt (const char *s)
{
  int n = 0;
  if (strncasecmp (s, "RTMIN", 5) == 0)
    {
      if (s[5] != '\0' && (s[5] != '+' || !parse_small_uint (s + 6, &n)))
        return -1;
      return SIGRTMIN + n <= SIGRTMAX ? SIGRTMIN + n : -1;
    }
  if (strncasecmp (s, "RTMAX", 5) == 0)
    {
      if (s[5] != '\0' && (s[5] != '-' || !parse_small_uint (s + 6, &n)))
        return -1;
      return SIGRTMAX - n >= SIGRTMIN ? SIGRTMAX - n : -1;
    }
  return -1;
}

int
sv_signal_parse (const char *s)
{
  int n;
  if (s == NULL || *s == '\0')
    return -1;
  if (parse_small_uint (s, &n))
    return signal_in_range (n);
  const char *bare = strncasecmp (s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t i = 0; i < ARRAY_LEN (sig_table); i++)
    if (strcasecmp (bare, sig_table[i].name) == 0)
      return sig_table[i].sig;
  return signal_parse_rt (bare);
}

const char *
sv_signal_name (int sig)
{
  if (sig > 0 && (size_t)sig < ARRAY_LEN (sig_full_names) && sig_full_names[sig])
    return sig_full_names[sig];
  if (sig < SIGRTMIN || sig > SIGRTMAX)
    return NULL;
  int from_min = sig - SIGRTMIN, from_max = SIGRTMAX - sig;
  if (from_min <= from_max + 1 && (size_t)from_min < ARRAY_LEN (rtmin_names))
    return rtmin_names[from_min];
  if ((size_t)from_max < ARRAY_LEN (rtmax_names))
    return rtmax_names[from_max];
  return NULL;
}
