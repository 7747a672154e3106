/* servin login [-u USER] [-p PASS | --password-stdin] [SERVER]
 * servin logout [SERVER]
 *
 * Credentials live in docker's config.json (image/credentials.h); login
 * checks them against the registry's /v2/ before storing them. */
#include "cli/servin.h"
#include "image/credentials.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum
{
  OPT_PASSWORD_STDIN = 256,
};

static const struct option login_opts[] = {
  { "username", required_argument, NULL, 'u' },
  { "password", required_argument, NULL, 'p' },
  { "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
  { 0 },
};

static const struct option logout_opts[] = { { 0 } };

/* A line of stdin without its newline; echo off when stdin is a terminal
 * and SECRET. */
static int
read_line (const char *prompt, bool secret, char **out, struct sv_err **err)
{
  bool tty = isatty (STDIN_FILENO);
  struct termios old, quiet;
  if (tty && prompt)
    fprintf (stderr, "%s", prompt);
  if (tty && secret && tcgetattr (STDIN_FILENO, &old) == 0)
    {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  else
    secret = false;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline (&line, &cap, stdin);
  if (secret)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
      fputc ('\n', stderr);
    }
  if (n < 0)
    {
      free (line);
      return sv_err_make (err, EINVAL, "nothing to read on stdin");
    }
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  *out = line;
  return 0;
}

struct login_args
{
  char *username;
  char *password;
  bool password_stdin;
  const char *server;
};

static void
login_args_clear (struct login_args *a)
{
  free (a->username);
  if (a->password)
    explicit_bzero (a->password, strlen (a->password));
  free (a->password);
}

static int
parse_login (int argc, char **argv, struct login_args *a, struct sv_err **err)
{
  int c, next;
  while ((c = cli_getopt (argc, argv, "login", login_opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case 'u':
        free (a->username);
        a->username = xstrdup (optarg);
        break;
      case 'p':
        free (a->password);
        a->password = xstrdup (optarg);
        break;
      case OPT_PASSWORD_STDIN:
        a->password_stdin = true;
        break;
      }
  if (cli_operands (argc, next, 0, 1, "login", "[-u USER] [-p PASS | --password-stdin] [SERVER]",
                    err)
      < 0)
    return -1;
  a->server = next < argc ? argv[next] : NULL;
  if (a->password && a->password_stdin)
    return sv_err_make (err, EINVAL, "login: --password and --password-stdin are exclusive");
  if (a->password_stdin && a->username == NULL)
    return sv_err_make (err, EINVAL, "login: --password-stdin needs --username");
  return 0;
}

/* Ask for what the flags did not give. */
static int
complete_args (struct login_args *a, struct sv_err **err)
{
  if (a->username == NULL)
    {
      if (!isatty (STDIN_FILENO))
        return sv_err_make (err, EINVAL, "login: no username (use -u, stdin is not a terminal)");
      if (read_line ("Username: ", false, &a->username, err) < 0)
        return -1;
    }
  if (a->password == NULL)
    {
      if (!a->password_stdin && !isatty (STDIN_FILENO))
        return sv_err_make (err, EINVAL, "login: no password (use -p or --password-stdin)");
      if (read_line (a->password_stdin ? NULL : "Password: ", true, &a->password, err) < 0)
        return -1;
    }
  if (*a->username == '\0' || *a->password == '\0')
    return sv_err_make (err, EINVAL, "login: username and password must not be empty");
  return 0;
}

/* The host to contact for the auths key KEY. */
static const char *
registry_host (const char *key)
{
  return strcmp (key, SV_DOCKER_HUB_AUTH_KEY) == 0 ? "registry-1.docker.io" : key;
}

static int
verify (struct sv_cli *cli, const char *host, const struct login_args *a, struct sv_err **err)
{
  struct sv_registry_opts ro = {
    .host = host,
    .plain_http = cli_registry_insecure (cli, host),
    .username = a->username,
    .password = a->password,
  };
  _cleanup_registry_ struct sv_registry *reg = NULL;
  if (sv_registry_new (&ro, &reg, err) < 0)
    return -1;
  return sv_registry_ping (reg, err);
}

int
cmd_login (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct login_args a = { 0 };
  int ret = parse_login (argc, argv, &a, err);
  if (ret == 0)
    ret = complete_args (&a, err);
  _cleanup_free_ char *key = sv_credentials_key (a.server);
  const char *host = registry_host (key);
  if (ret == 0 && verify (cli, host, &a, err) < 0)
    ret = sv_err_wrap (err, "login %s", host);
  if (ret == 0 && sv_credentials_set (key, a.username, a.password, err) < 0)
    ret = sv_err_wrap (err, "login");
  login_args_clear (&a);
  if (ret < 0)
    return SERVIN_EXIT_ERROR;
  printf ("Login Succeeded\n");
  return 0;
}

int
cmd_logout (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int c, next;
  while ((c = cli_getopt (argc, argv, "logout", logout_opts, true, &next, err)) != -1)
    if (c == -2)
      return SERVIN_EXIT_ERROR;
  if (cli_operands (argc, next, 0, 1, "logout", "[SERVER]", err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_free_ char *key = sv_credentials_key (next < argc ? argv[next] : NULL);
  int removed = sv_credentials_remove (key, err);
  if (removed < 0)
    return sv_err_wrap (err, "logout"), SERVIN_EXIT_ERROR;
  if (removed)
    printf ("Removing login credentials for %s\n", key);
  else
    printf ("Not logged in to %s\n", key);
  return 0;
}
