#!/usr/bin/env bats
# process: args, env, cwd, user, umask, rlimits, capabilities, noNewPrivileges,
# oomScoreAdj, seccomp.

load helpers

setup() {
  common_setup
  make_bundle
}

teardown() {
  common_teardown
}

@test "env: only the configured environment, nothing from the host" {
  export SERVIN_HOST_ONLY=leak
  update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
  set_cmd 'echo "FOO=$FOO"; env | sort'
  run_ctr
  assert_success
  assert_line --index 0 "FOO=bar baz"
  assert_line "EMPTY="
  assert_line "PATH=/bin:/usr/bin"
  refute_output --partial SERVIN_HOST_ONLY
  refute_output --partial BATS_
}

@test "args: passed verbatim, PATH lookup of a relative command" {
  update_config '.process.env = ["PATH=/usr/bin:/bin"]'
  set_args printf '[%s]\n' 'a b' '' '$HOME' '*'
  run_ctr
  assert_success
  assert_output "[a b]
[]
[\$HOME]
[*]"
}

@test "cwd: process starts in process.cwd, created if missing" {
  update_config '.process.cwd = "/work/dir"'
  set_args pwd
  run_ctr
  assert_success
  assert_output /work/dir
}

@test "user: uid, gid and additionalGids via id" {
  update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [29, 5000]}'
  set_cmd 'id -u; id -g; id -G; id -un; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  run_ctr
  assert_success
  assert_line --index 0 1000
  assert_line --index 1 1000
  assert_line --index 3 user
  [[ " ${lines[2]} " == *" 29 "* && " ${lines[2]} " == *" 5000 "* ]]
  assert_line --regexp '^Uid:\s+1000\s+1000\s+1000\s+1000$'
  assert_line --regexp '^Gid:\s+1000\s+1000\s+1000\s+1000$'
  assert_line --regexp '^Groups:\s+29 5000\s*$'
}

@test "user: an unprivileged user cannot write root's files" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_cmd 'echo x > /etc/passwd && echo WROTE; touch /home/user/ok && echo home-ok'
  run_ctr
  refute_line WROTE
  assert_line home-ok
  assert_output --partial 'Permission denied'
}

@test "umask: process.user.umask applies" {
  update_config '.process.user.umask = 63'
  set_cmd 'umask; touch /tmp/f; stat -c %a /tmp/f'
  run_ctr
  assert_success
  assert_line --index 0 0077
  assert_line --index 1 600
}

@test "rlimits: RLIMIT_NOFILE soft and hard via ulimit -n" {
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}, {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]'
  set_cmd 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu'
  run_ctr
  assert_success
  assert_output "512
1024
300
400"
}

@test "rlimits: an unknown rlimit type is an error" {
  update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
  run_ctr
  assert_failure
  assert_output --partial RLIMIT_BOGUS
}

@test "capabilities: exactly the configured sets in CapEff, CapPrm, CapBnd" {
  update_config '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"], "permitted": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
      "inheritable": [], "ambient": []}'
  set_cmd 'grep -E "^Cap(Eff|Prm|Bnd|Inh|Amb):" /proc/self/status; chown 1000 /tmp && echo chown-ok; chroot / true && echo CHROOT'
  run_ctr
  assert_line --regexp '^CapEff:\s+0000000000000401$'
  assert_line --regexp '^CapPrm:\s+0000000000000401$'
  assert_line --regexp '^CapBnd:\s+0000000000000401$'
  assert_line --regexp '^CapInh:\s+0000000000000000$'
  assert_line --regexp '^CapAmb:\s+0000000000000000$'
  assert_line chown-ok
  refute_line CHROOT
}

@test "capabilities: ambient caps survive exec for a non-root user" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}'
  set_cmd 'grep -E "^Cap(Eff|Amb):" /proc/self/status'
  run_ctr
  assert_success
  assert_line --regexp '^CapEff:\s+0000000000000400$'
  assert_line --regexp '^CapAmb:\s+0000000000000400$'
}

@test "capabilities: an unknown capability name is reported" {
  # the OCI spec asks for an error to be logged; runc warns and goes on, an error is fine too
  update_config '.process.capabilities.bounding += ["CAP_NOT_A_CAP"]'
  run_ctr
  assert_output --partial CAP_NOT_A_CAP
}

@test "noNewPrivileges: true gives NoNewPrivs 1, false gives 0" {
  update_config '.process.noNewPrivileges = true'
  set_cmd 'grep NoNewPrivs /proc/self/status'
  run_ctr
  assert_success
  assert_output --regexp '^NoNewPrivs:\s+1$'
  update_config '.process.noNewPrivileges = false'
  new_id id2
  run_ctr "$id2"
  assert_success
  assert_output --regexp '^NoNewPrivs:\s+0$'
}

@test "oomScoreAdj: applied to the container process" {
  update_config '.process.oomScoreAdj = 500'
  set_cmd 'cat /proc/self/oom_score_adj'
  run_ctr
  assert_success
  assert_output 500
}

@test "seccomp: filter installed (Seccomp: 2), blocked syscall fails with the configured errno" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                 {"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  set_cmd 'grep -E "^Seccomp:" /proc/self/status; mkdir /tmp/newdir && echo MKDIR; [ -d /tmp/newdir ] || echo no-dir; touch /tmp/file && echo touch-ok'
  run_ctr
  assert_line --regexp '^Seccomp:\s+2$'
  refute_line MKDIR
  assert_line no-dir
  # errno 13 = EACCES
  assert_output --partial 'Permission denied'
  assert_line touch-ok
}

@test "seccomp: default action errno with an allow list" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  set_cmd 'pwd -P || echo pwd-failed; cd /tmp; /bin/pwd || echo binpwd-failed'
  run_ctr
  assert_line binpwd-failed
  # 38 = ENOSYS
  assert_output --partial 'not implemented'
}

@test "seccomp: an unknown syscall name or action is an error" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}'
  run_ctr
  assert_failure
}

@test "sysctl: linux.sysctl is applied in the container's namespaces" {
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.domainname": "svdomain"}'
  set_cmd 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname'
  run_ctr
  assert_success
  assert_output "1
svdomain"
  [[ $(cat /proc/sys/kernel/domainname) != svdomain ]]
}
