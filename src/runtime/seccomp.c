/* linux.seccomp: parse the OCI profile, compile it to classic BPF with
 * libseccomp, and install it with the raw seccomp(2) syscall.
 *
 * Compiling and loading are split so that everything that allocates (or
 * makes syscalls the filter might block) happens before the container
 * waits to start; loading right before execve is one syscall. */
#include "seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Linux syscalls take at most six arguments. */
#define MAX_SYSCALL_ARGS 6
/* Above this many syscall entries, ask libseccomp for a binary tree
 * instead of a linear list of syscall checks (runc's threshold too). */
#define OPTIMIZE_THRESHOLD 32

struct sv_seccomp_arg
{
  unsigned int index;
  enum scmp_compare op;
  uint64_t value, value_two;
};

struct sv_seccomp_rule
{
  char **names;
  uint32_t action; /* libseccomp action, errno/trace data included */
  struct sv_seccomp_arg *args;
  size_t n_args;
  bool shared_index; /* two or more args test the same argument */
};

struct sv_seccomp
{
  char *path;   /* the JSON path of the profile, for compile errors */
  char *source; /* the profile as canonical JSON (sorted keys): the cache key */
  uint32_t default_action;
  uint32_t *arches;
  size_t n_arches;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
  struct sv_seccomp_rule *rules;
  size_t n_rules;
};

struct sv_seccomp_bpf
{
  struct sock_filter *insns;
  unsigned short len;
  unsigned int flags;
};

/* Every table below starts with the name, so one helper searches them. */
struct action_def
{
  const char *name;
  uint32_t action;
  bool takes_errno;
  bool unsupported;
};

static const struct action_def actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, false, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false, false },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), true, false },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), true, false },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, false, false },
  /* Needs a seccomp agent behind listenerPath, which servin does not do. */
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false, true },
};

struct arch_def
{
  const char *name;
  uint32_t token;
};

static const struct arch_def arches[] = {
  { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
  { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
  { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
  { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
  { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
  { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
  { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
  { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
  { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
  { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
  { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
  { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
  { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
  { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
  { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
  { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
  { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
  { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
  { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
  { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
  { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
  { "SCMP_ARCH_SH", SCMP_ARCH_SH },
  { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

struct flag_def
{
  const char *name;
  unsigned int flag;
};

static const struct flag_def flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  /* Only changes how a task waits for a seccomp agent's answer.  Servin
   * refuses SCMP_ACT_NOTIFY, so there is never an agent, and the kernel
   * rejects this flag without SECCOMP_FILTER_FLAG_NEW_LISTENER: accept it
   * and pass nothing. */
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0 },
};

struct op_def
{
  const char *name;
  enum scmp_compare op;
};

static const struct op_def ops[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* The entry of TABLE (N entries of SIZE bytes, each starting with a
 * `const char *name`) called NAME, or NULL. */
static const void *
table_find (const void *table, size_t n, size_t size, const char *name)
{
  for (size_t i = 0; i < n; i++)
    {
      const void *entry = (const char *)table + i * size;
      if (strcmp (*(const char *const *)entry, name) == 0)
        return entry;
    }
  return NULL;
}

#define TABLE_FIND(table, name)                                                                    \
  table_find (table, sizeof (table) / sizeof (table[0]), sizeof (table[0]), name)

static void
rule_clear (struct sv_seccomp_rule *r)
{
  sv_strv_free (r->names);
  free (r->args);
}

void
sv_seccomp_free (struct sv_seccomp *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n_rules; i++)
    rule_clear (&s->rules[i]);
  free (s->rules);
  free (s->arches);
  free (s->path);
  free (s->source);
  free (s);
}

static void
sv_seccomp_freep (struct sv_seccomp **s)
{
  sv_seccomp_free (*s);
}

void
sv_seccomp_bpf_free (struct sv_seccomp_bpf *bpf)
{
  if (bpf == NULL)
    return;
  free (bpf->insns);
  free (bpf);
}

static int
missing (const char *path, const char *key, struct sv_err **err)
{
  return sv_err_make (err, EINVAL, "%s.%s: required", path, key);
}

/* Read the action name at KEY of OBJ and its errno at ERRNO_KEY (EPERM when
 * absent, as the spec says) into *out. */
static int
parse_action (json_t *obj, const char *path, const char *key, const char *errno_key, uint32_t *out,
              struct sv_err **err)
{
  const char *name = NULL;
  int ret = sv_json_get_string (obj, path, key, &name, err);
  if (ret <= 0)
    return ret < 0 ? ret : missing (path, key, err);
  const struct action_def *a = TABLE_FIND (actions, name);
  if (a == NULL)
    return sv_err_make (err, EINVAL, "%s.%s: unknown action `%s`", path, key, name);
  if (a->unsupported)
    return sv_json_unsupported (path, key, err);

  uint64_t errno_ret = EPERM;
  ret = sv_json_get_uint64 (obj, path, errno_key, UINT16_MAX, &errno_ret, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && !a->takes_errno)
    return sv_err_make (err, EINVAL, "%s.%s: `%s` does not take an errno", path, errno_key, name);
  *out = a->takes_errno ? a->action | (uint32_t)errno_ret : a->action;
  return 0;
}

/* The string at ARR[I] (ARR is PATH.KEY) in *out. */
static int
array_string (json_t *arr, const char *path, const char *key, size_t i, const char **out,
              struct sv_err **err)
{
  json_t *v = json_array_get (arr, i);
  if (!json_is_string (v))
    return sv_err_make (err, EINVAL, "%s.%s[%zu]: expected a string", path, key, i);
  *out = json_string_value (v);
  return 0;
}

static int
parse_arches (json_t *obj, const char *path, struct sv_seccomp *s, struct sv_err **err)
{
  json_t *arr = NULL;
  int ret = sv_json_get_array (obj, path, "architectures", &arr, err);
  if (ret <= 0)
    return ret;
  s->arches = xreallocarray (NULL, json_array_size (arr) + 1, sizeof (uint32_t));
  for (size_t i = 0; i < json_array_size (arr); i++)
    {
      const char *name = NULL;
      ret = array_string (arr, path, "architectures", i, &name, err);
      if (ret < 0)
        return ret;
      const struct arch_def *a = TABLE_FIND (arches, name);
      if (a == NULL)
        return sv_err_make (err, EINVAL, "%s.architectures[%zu]: unknown architecture `%s`", path,
                            i, name);
      s->arches[s->n_arches++] = a->token;
    }
  return 0;
}

static int
parse_flags (json_t *obj, const char *path, struct sv_seccomp *s, struct sv_err **err)
{
  json_t *arr = NULL;
  int ret = sv_json_get_array (obj, path, "flags", &arr, err);
  if (ret <= 0)
    return ret;
  for (size_t i = 0; i < json_array_size (arr); i++)
    {
      const char *name = NULL;
      ret = array_string (arr, path, "flags", i, &name, err);
      if (ret < 0)
        return ret;
      const struct flag_def *f = TABLE_FIND (flags, name);
      if (f == NULL)
        return sv_err_make (err, EINVAL, "%s.flags[%zu]: unknown flag `%s`", path, i, name);
      s->flags |= f->flag;
    }
  return 0;
}

/* One element of syscalls[].args (APATH names it). */
static int
parse_arg (json_t *obj, const char *apath, struct sv_seccomp_arg *out, struct sv_err **err)
{
  if (!json_is_object (obj))
    return sv_err_make (err, EINVAL, "%s: expected an object", apath);
  uint64_t index = 0;
  int ret = sv_json_get_uint64 (obj, apath, "index", MAX_SYSCALL_ARGS - 1, &index, err);
  if (ret <= 0)
    return ret < 0 ? ret : missing (apath, "index", err);
  ret = sv_json_get_uint64 (obj, apath, "value", UINT64_MAX, &out->value, err);
  if (ret <= 0)
    return ret < 0 ? ret : missing (apath, "value", err);
  out->value_two = 0;
  ret = sv_json_get_uint64 (obj, apath, "valueTwo", UINT64_MAX, &out->value_two, err);
  if (ret < 0)
    return ret;
  const char *op = NULL;
  ret = sv_json_get_string (obj, apath, "op", &op, err);
  if (ret <= 0)
    return ret < 0 ? ret : missing (apath, "op", err);
  const struct op_def *o = TABLE_FIND (ops, op);
  if (o == NULL)
    return sv_err_make (err, EINVAL, "%s.op: unknown operator `%s`", apath, op);
  out->index = (unsigned int)index;
  out->op = o->op;
  return 0;
}

static int
parse_args (json_t *obj, const char *rpath, struct sv_seccomp_rule *r, struct sv_err **err)
{
  json_t *arr = NULL;
  int ret = sv_json_get_array (obj, rpath, "args", &arr, err);
  if (ret <= 0)
    return ret;
  unsigned int seen = 0; /* bit N: an earlier arg tests argument N */
  r->args = xreallocarray (NULL, json_array_size (arr) + 1, sizeof (*r->args));
  for (size_t j = 0; j < json_array_size (arr); j++)
    {
      _cleanup_free_ char *apath = xasprintf ("%s.args[%zu]", rpath, j);
      struct sv_seccomp_arg *a = &r->args[r->n_args];
      ret = parse_arg (json_array_get (arr, j), apath, a, err);
      if (ret < 0)
        return ret;
      r->n_args++;
      if (seen & (1U << a->index))
        r->shared_index = true;
      seen |= 1U << a->index;
    }
  return 0;
}

/* syscalls[I]; fills *r, which the caller frees even on failure. */
static int
parse_rule (json_t *obj, const char *path, size_t i, struct sv_seccomp_rule *r, struct sv_err **err)
{
  _cleanup_free_ char *rpath = xasprintf ("%s.syscalls[%zu]", path, i);
  if (!json_is_object (obj))
    return sv_err_make (err, EINVAL, "%s: expected an object", rpath);
  int ret = sv_json_get_strv (obj, rpath, "names", &r->names, err);
  if (ret < 0)
    return ret;
  if (ret == 0 || r->names[0] == NULL)
    return sv_err_make (err, EINVAL, "%s.names: must contain at least one syscall", rpath);
  ret = parse_action (obj, rpath, "action", "errnoRet", &r->action, err);
  if (ret < 0)
    return ret;
  return parse_args (obj, rpath, r, err);
}

static int
parse_rules (json_t *obj, const char *path, struct sv_seccomp *s, struct sv_err **err)
{
  json_t *arr = NULL;
  int ret = sv_json_get_array (obj, path, "syscalls", &arr, err);
  if (ret <= 0)
    return ret;
  s->rules = xreallocarray (NULL, json_array_size (arr) + 1, sizeof (*s->rules));
  for (size_t i = 0; i < json_array_size (arr); i++)
    {
      struct sv_seccomp_rule *r = &s->rules[s->n_rules++];
      memset (r, 0, sizeof *r);
      ret = parse_rule (json_array_get (arr, i), path, i, r, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* listenerPath is how SCMP_ACT_NOTIFY reaches a seccomp agent: refused. */
static int
check_listener (json_t *obj, const char *path, struct sv_err **err)
{
  const char *v = NULL;
  int ret = sv_json_get_string (obj, path, "listenerPath", &v, err);
  if (ret != 0)
    return ret < 0 ? ret : sv_json_unsupported (path, "listenerPath", err);
  ret = sv_json_get_string (obj, path, "listenerMetadata", &v, err);
  if (ret > 0)
    return sv_err_make (err, EINVAL, "%s.listenerMetadata: set without listenerPath", path);
  return ret;
}

int
sv_seccomp_parse (json_t *obj, const char *path, struct sv_seccomp **out, struct sv_err **err)
{
  _cleanup_ (sv_seccomp_freep) struct sv_seccomp *s = xmalloc0 (sizeof *s);
  s->path = xstrdup (path);
  if (!json_is_object (obj))
    return sv_err_make (err, EINVAL, "%s: expected an object", path);
  s->source = json_dumps (obj, JSON_COMPACT | JSON_SORT_KEYS);
  int ret = check_listener (obj, path, err);
  if (ret < 0)
    return ret;
  ret = parse_action (obj, path, "defaultAction", "defaultErrnoRet", &s->default_action, err);
  if (ret < 0)
    return ret;
  ret = parse_arches (obj, path, s, err);
  if (ret < 0)
    return ret;
  ret = parse_flags (obj, path, s, err);
  if (ret < 0)
    return ret;
  ret = parse_rules (obj, path, s, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&s);
  return 0;
}

static void
ctx_releasep (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

static struct scmp_arg_cmp
to_cmp (const struct sv_seccomp_arg *a)
{
  return (struct scmp_arg_cmp){
    .arg = a->index, .op = a->op, .datum_a = a->value, .datum_b = a->value_two
  };
}

/* Add R for syscall NR; returns a negative errno from libseccomp.
 *
 * Conditions on distinct arguments go into one rule, so they are ANDed.
 * libseccomp cannot AND two conditions on the same argument, so when an
 * index repeats we do what runc does: one rule per condition, which ORs
 * every condition of the entry (not only the repeated ones).  Profiles in
 * the wild rely on this, e.g. to allow a syscall for either of two flag
 * values. */
static int
add_syscall (scmp_filter_ctx ctx, const struct sv_seccomp_rule *r, int nr)
{
  if (!r->shared_index)
    {
      struct scmp_arg_cmp cmp[MAX_SYSCALL_ARGS];
      for (size_t j = 0; j < r->n_args; j++)
        cmp[j] = to_cmp (&r->args[j]);
      return seccomp_rule_add_array (ctx, r->action, nr, (unsigned int)r->n_args, cmp);
    }
  for (size_t j = 0; j < r->n_args; j++)
    {
      struct scmp_arg_cmp cmp = to_cmp (&r->args[j]);
      int ret = seccomp_rule_add_array (ctx, r->action, nr, 1, &cmp);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* syscalls[I] for every name this libseccomp knows.  An unknown name is
 * skipped, as runc and crun do: profiles list syscalls of newer kernels. */
static int
add_rule (scmp_filter_ctx ctx, const struct sv_seccomp *s, size_t i, struct sv_err **err)
{
  const struct sv_seccomp_rule *r = &s->rules[i];
  /* Same action as the default: a no-op, and libseccomp refuses it. */
  if (r->action == s->default_action)
    return 0;
  for (char **name = r->names; *name; name++)
    {
      int nr = seccomp_syscall_resolve_name (*name);
      if (nr == __NR_SCMP_ERROR)
        continue;
      int ret = add_syscall (ctx, r, nr);
      if (ret < 0)
        return sv_err_make (err, -ret, "%s.syscalls[%zu]: add rule for `%s`", s->path, i, *name);
    }
  return 0;
}

/* The native architecture is always in a new filter (EEXIST); the profile's
 * list adds the others, e.g. x86 and x32 next to x86_64. */
static int
add_arches (scmp_filter_ctx ctx, const struct sv_seccomp *s, struct sv_err **err)
{
  for (size_t i = 0; i < s->n_arches; i++)
    {
      int ret = seccomp_arch_add (ctx, s->arches[i]);
      if (ret < 0 && ret != -EEXIST)
        return sv_err_make (err, -ret, "%s.architectures[%zu]: add architecture", s->path, i);
    }
  return 0;
}

static int
read_all_at (int fd, void *buf, size_t len, struct sv_err **err)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = pread (fd, (char *)buf + done, len - done, (off_t)done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sv_err_errno (err, "read seccomp program");
      if (n == 0)
        return sv_err_make (err, EIO, "read seccomp program: short read");
      done += (size_t)n;
    }
  return 0;
}

/* libseccomp 2.5 exports only to an fd: go through a memfd. */
static int
export_bpf (scmp_filter_ctx ctx, unsigned int load_flags, struct sv_seccomp_bpf **out,
            struct sv_err **err)
{
  _cleanup_close_ int fd = memfd_create ("servin-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "memfd_create");
  int ret = seccomp_export_bpf (ctx, fd);
  if (ret < 0)
    return sv_err_make (err, -ret, "seccomp_export_bpf");
  off_t size = lseek (fd, 0, SEEK_END);
  if (size < 0)
    return sv_err_errno (err, "lseek seccomp program");
  size_t len = (size_t)size / sizeof (struct sock_filter);
  if (len == 0 || (size_t)size % sizeof (struct sock_filter) != 0)
    return sv_err_make (err, EIO, "seccomp program has a bad size (%jd bytes)", (intmax_t)size);
  if (len > BPF_MAXINSNS)
    return sv_err_make (err, E2BIG, "seccomp program has %zu instructions, the kernel takes %d",
                        len, BPF_MAXINSNS);
  _cleanup_free_ struct sock_filter *insns = xmalloc ((size_t)size);
  ret = read_all_at (fd, insns, (size_t)size, err);
  if (ret < 0)
    return ret;
  struct sv_seccomp_bpf *bpf = xmalloc0 (sizeof *bpf);
  bpf->insns = steal_pointer (&insns);
  bpf->len = (unsigned short)len;
  bpf->flags = load_flags;
  *out = bpf;
  return 0;
}

int
sv_seccomp_compile (const struct sv_seccomp *s, struct sv_seccomp_bpf **out, struct sv_err **err)
{
  _cleanup_ (ctx_releasep) scmp_filter_ctx ctx = seccomp_init (s->default_action);
  if (ctx == NULL)
    return sv_err_make (err, EINVAL, "%s.defaultAction: refused by libseccomp or the kernel",
                        s->path);
  /* The runtime sets no_new_privs itself, when process.noNewPrivileges says so. */
  int ret = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (ret < 0)
    return sv_err_make (err, -ret, "seccomp: clear SCMP_FLTATR_CTL_NNP");
  /* Best effort: older libseccomp has no binary tree, a linear filter works too. */
  if (s->n_rules > OPTIMIZE_THRESHOLD)
    (void)seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  ret = add_arches (ctx, s, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < s->n_rules; i++)
    {
      ret = add_rule (ctx, s, i, err);
      if (ret < 0)
        return ret;
    }
  return export_bpf (ctx, s->flags, out, err);
}

int
sv_seccomp_load (const struct sv_seccomp_bpf *bpf, struct sv_err **err)
{
  struct sock_fprog prog = { .len = bpf->len, .filter = bpf->insns };
  long ret = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, bpf->flags, &prog);
  if (ret < 0)
    return sv_err_errno (err, "seccomp(SECCOMP_SET_MODE_FILTER)");
  /* With SECCOMP_FILTER_FLAG_TSYNC, a positive result is a thread that
   * could not be synchronized. */
  if (ret > 0)
    return sv_err_make (err, ESRCH, "seccomp: thread %ld cannot take the filter (TSYNC)", ret);
  return 0;
}

const char *
sv_seccomp_source (const struct sv_seccomp *s)
{
  return s->source;
}

struct sv_seccomp_bpf *
sv_seccomp_bpf_new (const void *insns, unsigned short len, unsigned int load_flags)
{
  struct sv_seccomp_bpf *bpf = xmalloc0 (sizeof *bpf);
  bpf->insns = xmalloc ((size_t)len * sizeof (struct sock_filter));
  memcpy (bpf->insns, insns, (size_t)len * sizeof (struct sock_filter));
  bpf->len = len;
  bpf->flags = load_flags;
  return bpf;
}

void
sv_seccomp_bpf_get (const struct sv_seccomp_bpf *bpf, const void **insns, unsigned short *len,
                    unsigned int *load_flags)
{
  *insns = bpf->insns;
  *len = bpf->len;
  *load_flags = bpf->flags;
}
