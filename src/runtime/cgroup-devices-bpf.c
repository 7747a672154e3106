/* Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program built
 * from the rules and attached with BPF_CGROUP_DEVICE.  The kernel runs it
 * on every open/mknod of a device node; it returns 1 to allow, 0 to deny.
 *
 * The program loads type, access, major and minor from the context once,
 * then checks the rules last to first, so the last matching rule wins as
 * with cgroup v1's devices.allow/deny; nothing matching denies. */
#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Registers the program uses: R1 context, then the loaded fields. */
enum
{
  R0 = BPF_REG_0,
  R_CTX = BPF_REG_1,
  R_TYPE = BPF_REG_2,
  R_ACCESS = BPF_REG_3,
  R_MAJOR = BPF_REG_4,
  R_MINOR = BPF_REG_5,
  R_TMP = BPF_REG_1, /* the context is not needed after the loads */
};

static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

struct prog
{
  struct bpf_insn *insns;
  size_t n;
};

static void
emit (struct prog *p, struct bpf_insn i)
{
  p->insns = xreallocarray (p->insns, p->n + 1, sizeof *p->insns);
  p->insns[p->n++] = i;
}

static void
emit_prologue (struct prog *p)
{
  /* access_type = (access << 16) | type */
  emit (p, insn (BPF_LDX | BPF_MEM | BPF_W, R_TYPE, R_CTX,
                 offsetof (struct bpf_cgroup_dev_ctx, access_type), 0));
  emit (p, insn (BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff));
  emit (p, insn (BPF_LDX | BPF_MEM | BPF_W, R_ACCESS, R_CTX,
                 offsetof (struct bpf_cgroup_dev_ctx, access_type), 0));
  emit (p, insn (BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16));
  emit (p, insn (BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, R_CTX,
                 offsetof (struct bpf_cgroup_dev_ctx, major), 0));
  emit (p, insn (BPF_LDX | BPF_MEM | BPF_W, R_MINOR, R_CTX,
                 offsetof (struct bpf_cgroup_dev_ctx, minor), 0));
}

static void
emit_return (struct prog *p, int verdict)
{
  emit (p, insn (BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, verdict));
  emit (p, insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static unsigned
access_to_bpf (unsigned acc)
{
  return ((acc & SV_DEV_ACC_MKNOD) ? BPF_DEVCG_ACC_MKNOD : 0)
         | ((acc & SV_DEV_ACC_READ) ? BPF_DEVCG_ACC_READ : 0)
         | ((acc & SV_DEV_ACC_WRITE) ? BPF_DEVCG_ACC_WRITE : 0);
}

/* Instructions of one rule's block: the checks it needs, then a return. */
static size_t
rule_checks (const struct sv_dev_rule *r)
{
  return (r->type != 'a') + 3 * ((r->access & SV_DEV_ACC_ALL) != SV_DEV_ACC_ALL) + (r->major >= 0)
         + (r->minor >= 0);
}

/* Emit one rule: each check jumps past the block (to the next rule) on a
 * mismatch; falling through all of them returns the rule's verdict. */
static void
emit_rule (struct prog *p, const struct sv_dev_rule *r)
{
  int16_t left = (int16_t)(rule_checks (r) + 2); /* instructions still to come, incl. return */
  if (r->type != 'a')
    {
      int type = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
      emit (p, insn (BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, --left, type));
    }
  if ((r->access & SV_DEV_ACC_ALL) != SV_DEV_ACC_ALL)
    {
      /* allowed only when (requested & rule) == requested */
      emit (p, insn (BPF_ALU | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0));
      left--;
      emit (p, insn (BPF_ALU | BPF_AND | BPF_K, R_TMP, 0, 0, (int32_t)access_to_bpf (r->access)));
      left--;
      emit (p, insn (BPF_JMP | BPF_JNE | BPF_X, R_TMP, R_ACCESS, --left, 0));
    }
  if (r->major >= 0)
    emit (p, insn (BPF_JMP | BPF_JNE | BPF_K, R_MAJOR, 0, --left, (int32_t)r->major));
  if (r->minor >= 0)
    emit (p, insn (BPF_JMP | BPF_JNE | BPF_K, R_MINOR, 0, --left, (int32_t)r->minor));
  emit_return (p, r->allow ? 1 : 0);
}

void
sv_devices_bpf_build (const struct sv_dev_rule *rules, size_t n_rules, void **out, size_t *n)
{
  struct prog p = { 0 };
  emit_prologue (&p);
  bool done = false;
  for (size_t i = n_rules; i-- > 0 && !done;)
    {
      emit_rule (&p, &rules[i]);
      /* A rule matching everything ends the search: earlier ones are dead. */
      done = rule_checks (&rules[i]) == 0;
    }
  if (!done)
    emit_return (&p, 0);
  *out = p.insns;
  *n = p.n;
}

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

static int
prog_load (const struct bpf_insn *insns, size_t n, struct sv_err **err)
{
  static char log[8192];
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  log[0] = '\0';
  int fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd < 0 && errno == ENOSPC)
    {
      /* The verifier log did not fit; load again without one. */
      attr.log_buf = 0;
      attr.log_size = 0;
      attr.log_level = 0;
      fd = sys_bpf (BPF_PROG_LOAD, &attr);
    }
  if (fd < 0)
    return sv_err_errno (err, "load the device BPF program%s%s", log[0] ? ": " : "", log);
  return fd;
}

/* Ids of the device programs attached to DFD now (malloc'ed). */
static int
query_attached (int dfd, uint32_t **ids, uint32_t *n, struct sv_err **err)
{
  uint32_t cap = 64;
  _cleanup_free_ uint32_t *buf = xmalloc (cap * sizeof *buf);
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t)dfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)buf;
  attr.query.prog_cnt = cap;
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    return sv_err_errno (err, "query the device BPF programs of the cgroup");
  *n = attr.query.prog_cnt;
  *ids = steal_pointer (&buf);
  return 0;
}

static int
detach_id (int dfd, uint32_t id, struct sv_err **err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_id = id;
  _cleanup_close_ int prog = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
  if (prog < 0)
    return errno == ENOENT ? 0 : sv_err_errno (err, "get BPF program %u", id);
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)dfd;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
    return sv_err_errno (err, "detach BPF program %u", id);
  return 0;
}

int
sv_devices_bpf_apply (int dfd, const struct sv_dev_rule *rules, size_t n_rules, struct sv_err **err)
{
  _cleanup_free_ struct bpf_insn *insns = NULL;
  size_t n = 0;
  sv_devices_bpf_build (rules, n_rules, (void **)&insns, &n);
  _cleanup_close_ int prog = prog_load (insns, n, err);
  if (prog < 0)
    return -1;
  _cleanup_free_ uint32_t *old = NULL;
  uint32_t n_old = 0;
  if (query_attached (dfd, &old, &n_old, err) < 0)
    return -1;
  /* Attach the new program before detaching the old ones, so the cgroup is
   * never without a filter. */
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)dfd;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return sv_err_errno (err, "attach the device BPF program");
  for (uint32_t i = 0; i < n_old; i++)
    if (detach_id (dfd, old[i], err) < 0)
      return -1;
  return 0;
}
