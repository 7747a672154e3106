/* The flags of `servin run` and `servin create`, turned into docker's
 * {"Config":{...},"HostConfig":{...}} as the engine stores it. */
#include "cli/run.h"
#include "engine/parse.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum
{
  OPT_NAME = 256,
  OPT_RM,
  OPT_ENV_FILE,
  OPT_ENTRYPOINT,
  OPT_MOUNT,
  OPT_TMPFS,
  OPT_READ_ONLY,
  OPT_MEMORY_SWAP,
  OPT_CPUS,
  OPT_CPU_SHARES,
  OPT_CPUSET_CPUS,
  OPT_PIDS_LIMIT,
  OPT_ULIMIT,
  OPT_CAP_ADD,
  OPT_CAP_DROP,
  OPT_PRIVILEGED,
  OPT_SECURITY_OPT,
  OPT_INIT,
  OPT_RESTART,
  OPT_STOP_SIGNAL,
  OPT_STOP_TIMEOUT,
  OPT_NETWORK,
  OPT_PULL,
  OPT_PLATFORM,
  OPT_LABEL_FILE,
  OPT_SHM_SIZE,
  OPT_ADD_HOST,
  OPT_DNS,
  OPT_DNS_SEARCH,
  OPT_PUBLISH_ALL,
  OPT_EXPOSE,
  OPT_SIG_PROXY,
  OPT_IP,
  OPT_ALIAS,
};

static const struct option opts[] = {
  { "name", required_argument, NULL, OPT_NAME },
  { "detach", no_argument, NULL, 'd' },
  { "interactive", no_argument, NULL, 'i' },
  { "tty", no_argument, NULL, 't' },
  { "rm", no_argument, NULL, OPT_RM },
  { "env", required_argument, NULL, 'e' },
  { "env-file", required_argument, NULL, OPT_ENV_FILE },
  { "workdir", required_argument, NULL, 'w' },
  { "hostname", required_argument, NULL, 'h' },
  { "user", required_argument, NULL, 'u' },
  { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
  { "label", required_argument, NULL, 'l' },
  { "label-file", required_argument, NULL, OPT_LABEL_FILE },
  { "volume", required_argument, NULL, 'v' },
  { "mount", required_argument, NULL, OPT_MOUNT },
  { "tmpfs", required_argument, NULL, OPT_TMPFS },
  { "read-only", no_argument, NULL, OPT_READ_ONLY },
  { "memory", required_argument, NULL, 'm' },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "cpus", required_argument, NULL, OPT_CPUS },
  { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "ulimit", required_argument, NULL, OPT_ULIMIT },
  { "cap-add", required_argument, NULL, OPT_CAP_ADD },
  { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
  { "privileged", no_argument, NULL, OPT_PRIVILEGED },
  { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
  { "init", no_argument, NULL, OPT_INIT },
  { "restart", required_argument, NULL, OPT_RESTART },
  { "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
  { "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
  { "network", required_argument, NULL, OPT_NETWORK },
  { "net", required_argument, NULL, OPT_NETWORK },
  { "pull", required_argument, NULL, OPT_PULL },
  { "platform", required_argument, NULL, OPT_PLATFORM },
  { "shm-size", required_argument, NULL, OPT_SHM_SIZE },
  { "add-host", required_argument, NULL, OPT_ADD_HOST },
  { "dns", required_argument, NULL, OPT_DNS },
  { "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
  { "publish", required_argument, NULL, 'p' },
  { "publish-all", no_argument, NULL, 'P' },
  { "expose", required_argument, NULL, OPT_EXPOSE },
  { "sig-proxy", required_argument, NULL, OPT_SIG_PROXY },
  { "ip", required_argument, NULL, OPT_IP },
  { "network-alias", required_argument, NULL, OPT_ALIAS },
  { "net-alias", required_argument, NULL, OPT_ALIAS },
  { 0 },
};

static json_t *
obj (json_t *parent, const char *key)
{
  json_t *o = json_object_get (parent, key);
  if (o == NULL)
    {
      o = json_object ();
      json_object_set_new (parent, key, o);
    }
  return o;
}

static void
push (json_t *parent, const char *key, json_t *v)
{
  json_t *a = json_object_get (parent, key);
  if (a == NULL)
    {
      a = json_array ();
      json_object_set_new (parent, key, a);
    }
  json_array_append_new (a, v);
}

static int
add_mount (struct run_opts *o, struct sv_mount_spec *m, struct sv_err **err)
{
  static const char *const types[] = { "bind", "volume", "tmpfs" };
  if (m->type == SV_MOUNT_BIND && m->create_source
      && sv_mkdir_p_at (AT_FDCWD, m->source, 0755, err) < 0)
    return -1;
  if (m->type == SV_MOUNT_BIND)
    {
      struct stat st;
      if (stat (m->source, &st) < 0)
        return sv_err_make_plain (err, ENOENT,
                                  "invalid mount config for type \"bind\": bind "
                                  "source path does not exist: %s",
                                  m->source);
    }
  json_t *j = json_pack ("{s:s, s:s, s:b}", "Type", types[m->type], "Target", m->target, "ReadOnly",
                         m->readonly);
  if (m->source)
    json_object_set_new (j, "Source", json_string (m->source));
  if (m->tmpfs_options)
    json_object_set_new (j, "Options", sv_json_strv ((const char *const *)m->tmpfs_options));
  if (m->type == SV_MOUNT_BIND && m->propagation)
    json_object_set_new (j, "BindOptions", json_pack ("{s:s}", "Propagation", m->propagation));
  if (m->type == SV_MOUNT_VOLUME && m->nocopy)
    json_object_set_new (j, "VolumeOptions", json_pack ("{s:b}", "NoCopy", 1));
  push (obj (o->config, "HostConfig"), "Mounts", j);
  return 0;
}

typedef int (*mount_parser) (const char *s, struct sv_mount_spec *out, struct sv_err **err);

static int
mount_flag (struct run_opts *o, mount_parser parse, const char *value, struct sv_err **err)
{
  struct sv_mount_spec m = { 0 };
  int r = parse (value, &m, err);
  if (r == 0)
    r = add_mount (o, &m, err);
  sv_mount_spec_clear (&m);
  return r;
}

static int
ulimit_flag (struct run_opts *o, const char *value, struct sv_err **err)
{
  struct sv_rlimit rl;
  if (sv_parse_ulimit (value, &rl, err) < 0)
    return -1;
  _cleanup_free_ char *name = xstrndup (value, strcspn (value, "="));
  push (obj (o->config, "HostConfig"), "Ulimits",
        json_pack ("{s:s, s:I, s:I}", "Name", name, "Soft", (json_int_t)rl.soft, "Hard",
                   (json_int_t)rl.hard));
  return 0;
}

static int
security_flag (struct run_opts *o, const char *value, struct sv_err **err)
{
  struct sv_security_opts s = { 0 };
  if (sv_parse_security_opt (value, &s, err) < 0)
    return -1;
  json_t *hc = obj (o->config, "HostConfig");
  if (s.no_new_privileges)
    push (hc, "SecurityOpt", json_string ("no-new-privileges"));
  if (s.seccomp == SV_SECCOMP_UNCONFINED)
    push (hc, "SecurityOpt", json_string ("seccomp=unconfined"));
  if (s.systempaths_unconfined)
    push (hc, "SecurityOpt", json_string ("systempaths=unconfined"));
  int r = 0;
  if (s.seccomp == SV_SECCOMP_FILE)
    {
      /* docker's client sends the profile itself, not the path. */
      _cleanup_free_ char *text = NULL;
      _cleanup_json_ json_t *j = NULL;
      r = sv_json_load_file_at (AT_FDCWD, s.seccomp_file, &j, err);
      if (r == 0)
        {
          text = json_dumps (j, JSON_COMPACT);
          _cleanup_free_ char *opt = xasprintf ("seccomp=%s", text);
          push (hc, "SecurityOpt", json_string (opt));
        }
      else
        sv_err_wrap (err, "opening seccomp profile (%s) failed", s.seccomp_file);
    }
  sv_security_opts_clear (&s);
  return r;
}

static int
resource_flag (struct run_opts *o, int c, const char *value, struct sv_err **err)
{
  json_t *hc = obj (o->config, "HostConfig");
  int64_t n;
  uint64_t u;
  struct sv_cpu_quota q;
  switch (c)
    {
    case 'm':
    case OPT_MEMORY_SWAP:
    case OPT_SHM_SIZE:
      if (sv_parse_size (value, c == OPT_MEMORY_SWAP, &n, err) < 0)
        return -1;
      json_object_set_new (hc,
                           c == 'm'            ? "Memory"
                           : c == OPT_SHM_SIZE ? "ShmSize"
                                               : "MemorySwap",
                           json_integer (n));
      return 0;
    case OPT_CPUS:
      if (sv_parse_cpus (value, &q, err) < 0)
        return -1;
      json_object_set_new (hc, "NanoCpus", json_integer (q.nano_cpus));
      return 0;
    case OPT_CPU_SHARES:
      if (sv_parse_cpu_shares (value, &u, err) < 0)
        return -1;
      json_object_set_new (hc, "CpuShares", json_integer ((json_int_t)u));
      return 0;
    case OPT_CPUSET_CPUS:
      if (sv_parse_cpuset (value, NULL, err) < 0)
        return -1;
      json_object_set_new (hc, "CpusetCpus", json_string (value));
      return 0;
    case OPT_PIDS_LIMIT:
      {
        char *end;
        long long v = strtoll (value, &end, 10);
        if (*value == '\0' || *end)
          return sv_err_make_plain (err, EINVAL, "invalid argument \"%s\" for \"--pids-limit\"",
                                    value);
        json_object_set_new (hc, "PidsLimit", json_integer (v));
        return 0;
      }
    }
  return 0;
}

static int
policy_flag (struct run_opts *o, int c, const char *value, struct sv_err **err)
{
  json_t *cfg = obj (o->config, "Config"), *hc = obj (o->config, "HostConfig");
  int n;
  switch (c)
    {
    case OPT_RESTART:
      {
        struct sv_restart_policy p;
        if (sv_parse_restart (value, &p, err) < 0)
          return -1;
        json_object_set_new (hc, "RestartPolicy",
                             json_pack ("{s:s, s:i}", "Name", sv_restart_mode_name (p.mode),
                                        "MaximumRetryCount", p.max_retries));
        return 0;
      }
    case OPT_STOP_SIGNAL:
      if (sv_parse_signal (value, &n, err) < 0)
        return -1;
      json_object_set_new (cfg, "StopSignal", json_string (value));
      return 0;
    case OPT_STOP_TIMEOUT:
      if (sv_parse_timeout (value, &n, err) < 0)
        return -1;
      json_object_set_new (cfg, "StopTimeout", json_integer (n));
      return 0;
    case OPT_NETWORK:
      {
        struct sv_network net = { 0 };
        if (sv_parse_network (value, &net, err) < 0)
          return -1;
        /* docker's "bridge" and "default" are Servin's default network. */
        const char *mode = net.mode == SV_NET_BRIDGE ? "servin" : value;
        json_object_set_new (hc, "NetworkMode", json_string (mode));
        sv_network_clear (&net);
        return 0;
      }
    case OPT_PULL:
      {
        enum sv_pull_policy p;
        if (sv_parse_pull (value, &p, err) < 0)
          return -1;
        o->pull = value;
        return 0;
      }
    }
  return 0;
}

static const char *
port_key (char *buf, size_t len, unsigned port, const char *proto)
{
  snprintf (buf, len, "%u/%s", port, proto);
  return buf;
}

/* -p: PortBindings {"80/tcp": [{"HostIp", "HostPort"}]}, and the port is
 * exposed as docker does. */
static int
publish_flag (struct run_opts *o, const char *value, struct sv_err **err)
{
  json_t *cfg = obj (o->config, "Config"), *hc = obj (o->config, "HostConfig");
  struct sv_port_mapping *v = NULL;
  size_t n = 0;
  if (sv_parse_publish (value, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      char key[32], host[16] = "";
      port_key (key, sizeof key, v[i].container_port, v[i].proto);
      if (v[i].host_port_end > v[i].host_port)
        snprintf (host, sizeof host, "%u-%u", v[i].host_port, v[i].host_port_end);
      else if (v[i].host_port)
        snprintf (host, sizeof host, "%u", v[i].host_port);
      push (obj (hc, "PortBindings"), key,
            json_pack ("{s:s, s:s}", "HostIp", v[i].host_ip ? v[i].host_ip : "", "HostPort", host));
      json_object_set_new (obj (cfg, "ExposedPorts"), key, json_object ());
    }
  sv_port_mappings_free (v, n);
  return 0;
}

static int
expose_flag (struct run_opts *o, const char *value, struct sv_err **err)
{
  struct sv_port *v = NULL;
  size_t n = 0;
  if (sv_parse_expose (value, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      char key[32];
      json_object_set_new (obj (obj (o->config, "Config"), "ExposedPorts"),
                           port_key (key, sizeof key, v[i].port, v[i].proto), json_object ());
    }
  free (v);
  return 0;
}

/* Flags whose value is a string kept as given, or a list of them. */
static int
simple_flag (struct run_opts *o, int c, const char *value, struct sv_err **err)
{
  json_t *cfg = obj (o->config, "Config"), *hc = obj (o->config, "HostConfig");
  switch (c)
    {
    case 'w':
      if (value[0] != '/')
        return sv_err_make_plain (err, EINVAL,
                                  "the working directory '%s' is invalid, it needs to be an "
                                  "absolute path",
                                  value);
      json_object_set_new (cfg, "WorkingDir", json_string (value));
      return 0;
    case 'h':
      json_object_set_new (cfg, "Hostname", json_string (value));
      return 0;
    case 'u':
      json_object_set_new (cfg, "User", json_string (value));
      return 0;
    case OPT_ENTRYPOINT:
      json_object_set_new (cfg, "Entrypoint", *value ? json_pack ("[s]", value) : json_array ());
      return 0;
    case OPT_CAP_ADD:
    case OPT_CAP_DROP:
      push (hc, c == OPT_CAP_ADD ? "CapAdd" : "CapDrop", json_string (value));
      return 0;
    case OPT_ADD_HOST:
      if (strchr (value, ':') == NULL)
        return sv_err_make_plain (err, EINVAL, "invalid argument \"%s\" for \"--add-host\"", value);
      push (hc, "ExtraHosts", json_string (value));
      return 0;
    case OPT_DNS:
    case OPT_DNS_SEARCH:
      push (hc, c == OPT_DNS ? "Dns" : "DnsSearch", json_string (value));
      return 0;
    case 'p':
      return publish_flag (o, value, err);
    case 'P':
      json_object_set_new (hc, "PublishAllPorts", json_true ());
      return 0;
    case OPT_EXPOSE:
      return expose_flag (o, value, err);
    case OPT_IP:
      {
        unsigned char a[4];
        if (inet_pton (AF_INET, value, a) != 1)
          return sv_err_make_plain (err, EINVAL, "invalid IPv4 address: %s", value);
        o->ip = value;
        return 0;
      }
    case OPT_ALIAS:
      o->aliases = xreallocarray (o->aliases, o->n_aliases + 1, sizeof *o->aliases);
      o->aliases[o->n_aliases++] = value;
      return 0;
    }
  return 0;
}

static int
flag (struct run_opts *o, int c, const char *value, struct sv_err **err)
{
  json_t *cfg = obj (o->config, "Config"), *hc = obj (o->config, "HostConfig");
  switch (c)
    {
    case OPT_NAME:
      o->name = value;
      return 0;
    case 'd':
      o->detach = true;
      return 0;
    case 'i':
      json_object_set_new (cfg, "OpenStdin", json_true ());
      json_object_set_new (cfg, "StdinOnce", json_true ());
      return 0;
    case 't':
      json_object_set_new (cfg, "Tty", json_true ());
      return 0;
    case OPT_RM:
      json_object_set_new (hc, "AutoRemove", json_true ());
      return 0;
    case 'e':
      return sv_parse_env (value, &o->env, err);
    case OPT_ENV_FILE:
      return sv_parse_env_file (value, &o->env_file, err);
    case 'l':
      return sv_parse_label (value, &o->labels, err);
    case OPT_LABEL_FILE:
      return sv_parse_label_file (value, &o->labels, err);
    case 'v':
      return mount_flag (o, sv_parse_volume, value, err);
    case OPT_MOUNT:
      return mount_flag (o, sv_parse_mount, value, err);
    case OPT_TMPFS:
      return mount_flag (o, sv_parse_tmpfs, value, err);
    case OPT_READ_ONLY:
      json_object_set_new (hc, "ReadonlyRootfs", json_true ());
      return 0;
    case OPT_PRIVILEGED:
      json_object_set_new (hc, "Privileged", json_true ());
      return 0;
    case OPT_INIT:
      json_object_set_new (hc, "Init", json_true ());
      return 0;
    case OPT_ULIMIT:
      return ulimit_flag (o, value, err);
    case OPT_SECURITY_OPT:
      return security_flag (o, value, err);
    case OPT_PLATFORM:
      o->platform = value;
      return 0;
    case OPT_SIG_PROXY:
      o->no_sig_proxy = strcmp (value, "false") == 0;
      return 0;
    case 'm':
    case OPT_MEMORY_SWAP:
    case OPT_SHM_SIZE:
    case OPT_CPUS:
    case OPT_CPU_SHARES:
    case OPT_CPUSET_CPUS:
    case OPT_PIDS_LIMIT:
      return resource_flag (o, c, value, err);
    case OPT_RESTART:
    case OPT_STOP_SIGNAL:
    case OPT_STOP_TIMEOUT:
    case OPT_NETWORK:
    case OPT_PULL:
      return policy_flag (o, c, value, err);
    }
  return simple_flag (o, c, value, err);
}

/* Environment: --env-file first, then -e (which wins), as docker. */
static void
finish_env (struct run_opts *o)
{
  _cleanup_strv_ char **env = sv_strv_dup (o->env_file);
  for (char **e = o->env; e && *e; e++)
    sv_strv_env_set (&env, *e);
  json_t *cfg = obj (o->config, "Config");
  if (env)
    json_object_set_new (cfg, "Env", sv_json_strv ((const char *const *)env));
  _cleanup_json_ json_t *labels = cli_labels_json (o->labels);
  json_object_update (obj (cfg, "Labels"), labels);
}

/* --ip and --network-alias go to the endpoint of the network joined;
 * ports and names need a network of one's own. */
static int
finish_network (struct run_opts *o, struct sv_err **err)
{
  json_t *hc = obj (o->config, "HostConfig");
  const char *mode = json_string_value (json_object_get (hc, "NetworkMode"));
  bool own = strcmp (mode, "none") != 0 && strcmp (mode, "host") != 0
             && strncmp (mode, "container:", 10) != 0;
  bool user = own && strcmp (mode, "servin") != 0;
  if (!own
      && (json_object_get (hc, "PortBindings")
          || json_is_true (json_object_get (hc, "PublishAllPorts"))))
    return sv_err_make_plain (err, EINVAL,
                              "conflicting options: port publishing and the container type "
                              "network mode");
  if (strncmp (mode, "container:", 10) == 0
      && (json_object_get (obj (o->config, "Config"), "Hostname") || json_object_get (hc, "Dns")
          || json_object_get (hc, "ExtraHosts")))
    return sv_err_make_plain (err, EINVAL,
                              "conflicting options: hostname, dns or add-host and the network "
                              "mode container:");
  if (o->n_aliases && !user)
    return sv_err_make_plain (err, EINVAL,
                              "network-scoped alias is supported only for containers in user "
                              "defined networks");
  if (o->ip && !user)
    return sv_err_make_plain (err, EINVAL,
                              "user specified IP address is supported on user defined networks "
                              "only");
  if (!own)
    return 0;
  json_t *ep = json_object ();
  if (o->n_aliases)
    {
      json_t *a = json_array ();
      for (size_t i = 0; i < o->n_aliases; i++)
        json_array_append_new (a, json_string (o->aliases[i]));
      json_object_set_new (ep, "Aliases", a);
    }
  if (o->ip)
    json_object_set_new (ep, "IPAMConfig", json_pack ("{s:s}", "IPv4Address", o->ip));
  json_object_set_new (o->config, "NetworkingConfig",
                       json_pack ("{s:{s:o}}", "EndpointsConfig", mode, ep));
  return 0;
}

int
cli_run_parse (int argc, char **argv, const char *cmd, struct run_opts *o, struct sv_err **err)
{
  o->config = json_pack ("{s:{}, s:{s:s}}", "Config", "HostConfig", "NetworkMode", "servin");
  int c, next;
  while ((c = cli_getopt (argc, argv, cmd, opts, false, &next, err)) != -1)
    {
      if (c == -2)
        return -1;
      if (flag (o, c, optarg, err) < 0)
        return -1;
    }
  if (cli_operands (argc, next, 1, -1, cmd, "[OPTIONS] IMAGE [COMMAND] [ARG...]", err) < 0)
    return -1;
  o->image = argv[next];
  if (next + 1 < argc)
    json_object_set_new (obj (o->config, "Config"), "Cmd",
                         sv_json_strv ((const char *const *)(argv + next + 1)));
  finish_env (o);
  if (finish_network (o, err) < 0)
    return -1;
  json_t *hc = obj (o->config, "HostConfig");
  if (json_is_true (json_object_get (hc, "AutoRemove")) && json_object_get (hc, "RestartPolicy")
      && strcmp (
             json_string_value (json_object_get (json_object_get (hc, "RestartPolicy"), "Name")),
             "no")
             != 0)
    return sv_err_make_plain (err, EINVAL,
                              "conflicting options: cannot specify both --restart and --rm");
  return 0;
}

void
cli_run_opts_clear (struct run_opts *o)
{
  if (o->config)
    json_decref (o->config);
  sv_strv_free (o->env);
  sv_strv_free (o->env_file);
  sv_strv_free (o->labels);
  free (o->aliases);
  memset (o, 0, sizeof *o);
}
