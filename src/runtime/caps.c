/* Capabilities: the name table, parsing process.capabilities, and applying
 * the five sets with raw capget/capset and prctl. */
#include "runtime/caps.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <linux/capability.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP_BIT(c) (UINT64_C (1) << (c))

/* Indexed by capability number (include/uapi/linux/capability.h). */
static const char *const cap_names[] = {
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

#define N_CAPS ((int)(sizeof cap_names / sizeof cap_names[0]))

/* The five sets by their runtime-spec key. */
static const struct
{
  const char *key;
  size_t offset;
} cap_sets[] = {
  { "bounding", offsetof (struct sv_caps, bounding) },
  { "effective", offsetof (struct sv_caps, effective) },
  { "inheritable", offsetof (struct sv_caps, inheritable) },
  { "permitted", offsetof (struct sv_caps, permitted) },
  { "ambient", offsetof (struct sv_caps, ambient) },
};

#define N_SETS (sizeof cap_sets / sizeof cap_sets[0])

static uint64_t *
cap_set_field (struct sv_caps *c, size_t i)
{
  return (uint64_t *)((char *)c + cap_sets[i].offset);
}

static uint64_t
cap_set_value (const struct sv_caps *c, size_t i)
{
  return *(const uint64_t *)((const char *)c + cap_sets[i].offset);
}

int
sv_cap_from_name (const char *name)
{
  if (name == NULL)
    return -1;
  const char *bare = strncasecmp (name, "CAP_", 4) == 0 ? name + 4 : name;
  for (int i = 0; i < N_CAPS; i++)
    if (strcasecmp (bare, cap_names[i] + 4) == 0)
      return i;
  return -1;
}

const char *
sv_cap_name (int cap)
{
  if (cap < 0 || cap >= N_CAPS)
    return NULL;
  return cap_names[cap];
}

/* Probe the bounding set when /proc is not available: PR_CAPBSET_READ
 * fails with EINVAL past the last capability. */
static int
cap_last_cap_probe (void)
{
  int cap = 0;
  while (cap < 63 && prctl (PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
    cap++;
  return cap;
}

int
sv_cap_last_cap (void)
{
  static int cached = -1;
  if (cached >= 0)
    return cached;
  _cleanup_fclose_ FILE *f = fopen ("/proc/sys/kernel/cap_last_cap", "re");
  int v = -1;
  if (f == NULL || fscanf (f, "%d", &v) != 1 || v < 0 || v > 63)
    v = cap_last_cap_probe ();
  cached = v;
  return v;
}

int
sv_caps_mask_from_names (char **names, const char *path, uint64_t *out, struct sv_err **err)
{
  uint64_t mask = 0;
  for (size_t i = 0; names && names[i]; i++)
    {
      int cap = sv_cap_from_name (names[i]);
      if (cap < 0)
        return sv_err_make (err, EINVAL, "%s[%zu]: unknown capability `%s`", path, i, names[i]);
      mask |= CAP_BIT (cap);
    }
  *out = mask;
  return 0;
}

static int
caps_parse_set (json_t *obj, const char *path, const char *key, uint64_t *out, struct sv_err **err)
{
  _cleanup_strv_ char **names = NULL;
  int ret = sv_json_get_strv (obj, path, key, &names, err);
  if (ret <= 0)
    return ret;
  _cleanup_free_ char *field = xasprintf ("%s%s%s", path, *path ? "." : "", key);
  return sv_caps_mask_from_names (names, field, out, err);
}

int
sv_caps_parse (json_t *obj, const char *path, struct sv_caps **out, struct sv_err **err)
{
  if (path == NULL)
    path = "";
  if (!json_is_object (obj))
    return sv_err_make (err, EINVAL, "%s: expected an object", path);
  _cleanup_free_ struct sv_caps *c = xmalloc0 (sizeof *c);
  for (size_t i = 0; i < N_SETS; i++)
    {
      int ret = caps_parse_set (obj, path, cap_sets[i].key, cap_set_field (c, i), err);
      if (ret < 0)
        return ret;
    }
  *out = steal_pointer (&c);
  return 0;
}

int
sv_caps_apply_bounding (const struct sv_caps *c, struct sv_err **err)
{
  int last = sv_cap_last_cap ();
  for (int cap = 0; cap <= last; cap++)
    {
      if (c->bounding & CAP_BIT (cap))
        continue;
      if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
        continue; /* not in the bounding set, or unknown to this kernel */
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return sv_err_errno (err, "drop %s from the bounding set",
                             sv_cap_name (cap) ? sv_cap_name (cap) : "capability");
    }
  return 0;
}

/* The three sets of the calling thread as 64-bit masks. */
struct cap_state
{
  uint64_t effective, permitted, inheritable;
};

static int
caps_get (struct cap_state *st, struct sv_err **err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2] = { 0 };
  if (syscall (SYS_capget, &hdr, data) < 0)
    return sv_err_errno (err, "capget");
  st->effective = data[0].effective | ((uint64_t)data[1].effective << 32);
  st->permitted = data[0].permitted | ((uint64_t)data[1].permitted << 32);
  st->inheritable = data[0].inheritable | ((uint64_t)data[1].inheritable << 32);
  return 0;
}

static int
caps_set (const struct cap_state *st, struct sv_err **err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2] = {
    { (uint32_t)st->effective, (uint32_t)st->permitted, (uint32_t)st->inheritable },
    { (uint32_t)(st->effective >> 32), (uint32_t)(st->permitted >> 32),
      (uint32_t)(st->inheritable >> 32) },
  };
  if (syscall (SYS_capset, &hdr, data) < 0)
    return sv_err_errno (err, "capset (effective %#llx, permitted %#llx, inheritable %#llx)",
                         (unsigned long long)st->effective, (unsigned long long)st->permitted,
                         (unsigned long long)st->inheritable);
  return 0;
}

static uint64_t
bounding_mask (int last)
{
  uint64_t mask = 0;
  for (int cap = 0; cap <= last; cap++)
    if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
      mask |= CAP_BIT (cap);
  return mask;
}

/* Clear the ambient set, then raise each capability of MASK. */
static int
caps_apply_ambient (uint64_t mask, int last, struct sv_err **err)
{
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      if (errno == EINVAL && mask == 0)
        return 0; /* kernel without ambient capabilities, none requested */
      return sv_err_errno (err, "clear the ambient capability set");
    }
  for (int cap = 0; cap <= last; cap++)
    if ((mask & CAP_BIT (cap)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return sv_err_errno (err, "raise ambient %s",
                           sv_cap_name (cap) ? sv_cap_name (cap) : "capability");
  return 0;
}

/* The kernel lets capset set permitted only within the old permitted set,
 * effective only within the new permitted set, and inheritable only within
 * old inheritable | (bounding & (old permitted, or everything when
 * CAP_SETPCAP is effective)).  Ambient needs a capability in both new
 * permitted and new inheritable.  Anything else, and anything above
 * cap_last_cap, is left out: the runtime cannot grant what it does not
 * hold.  Returns 0, or < 0 when a syscall fails. */
int
sv_caps_apply (const struct sv_caps *c, struct sv_err **err)
{
  int last = sv_cap_last_cap ();
  uint64_t valid = last >= 63 ? UINT64_MAX : CAP_BIT (last + 1) - 1;
  struct cap_state old = { 0 };
  int ret = caps_get (&old, err);
  if (ret < 0)
    return ret;
  uint64_t bset = bounding_mask (last);
  uint64_t inh_from = (old.effective & CAP_BIT (CAP_SETPCAP)) ? valid : old.permitted;
  uint64_t inh_allowed = old.inheritable | (bset & inh_from);
  struct cap_state st = {
    .permitted = c->permitted & old.permitted & valid,
    .inheritable = c->inheritable & inh_allowed & valid,
  };
  st.effective = c->effective & st.permitted;
  ret = caps_set (&st, err);
  if (ret < 0)
    return ret;
  return caps_apply_ambient (c->ambient & st.permitted & st.inheritable, last, err);
}

static json_t *
caps_mask_to_json (uint64_t mask)
{
  json_t *arr = json_array ();
  for (int cap = 0; cap < N_CAPS; cap++)
    if (mask & CAP_BIT (cap))
      json_array_append_new (arr, json_string (cap_names[cap]));
  return arr;
}

json_t *
sv_caps_to_json (const struct sv_caps *c)
{
  json_t *obj = json_object ();
  for (size_t i = 0; i < N_SETS; i++)
    json_object_set_new (obj, cap_sets[i].key, caps_mask_to_json (cap_set_value (c, i)));
  return obj;
}
