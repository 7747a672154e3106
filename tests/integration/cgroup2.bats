#!/usr/bin/env bats
# A pure cgroup v2 host, made by mounting cgroup2 alone on /sys/fs/cgroup in a
# private mount namespace (this machine is hybrid, so only the controllers not
# bound to v1 are available there; the tests use what v2 always has: the
# hierarchy itself, cgroup.procs, cgroup.freeze, cgroup.kill).

load helpers

setup() {
  common_setup
  require_cmd unshare
  grep -q ' - cgroup2 ' /proc/self/mountinfo || [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]] ||
    skip "no cgroup2 hierarchy on this host"
  make_bundle
  # runc's default cgroup mount: on v2 it becomes a cgroup2 mount
  update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
}

teardown() {
  common_teardown
}

# in_v2 'shell script': run the script in a private mount namespace where
# /sys/fs/cgroup is a lone cgroup2 mount.  $RT is the runtime with our --root.
in_v2() {
  run unshare -m env RT="$RUNTIME --root $ROOT" BUNDLE="$BUNDLE" CID="$CID" sh -euc "
    mount --make-rprivate /
    mount -t cgroup2 none /sys/fs/cgroup
    $1" </dev/null 3>&-
}

# the host's view of the v2 hierarchy
v2_root() {
  if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then echo /sys/fs/cgroup; else echo /sys/fs/cgroup/unified; fi
}

@test "cgroup v2: the container runs in its own v2 cgroup, removed on delete" {
  set_cmd 'grep "^0::" /proc/self/cgroup; grep " /sys/fs/cgroup " /proc/self/mountinfo | grep -c cgroup2'
  in_v2 '$RT run --bundle "$BUNDLE" "$CID"'
  assert_success
  assert_line --index 0 "0::/servin/$CID"
  # the container's /sys/fs/cgroup is a cgroup2 mount as well
  assert_line --index 1 1
  [[ ! -e $(v2_root)/servin/$CID ]]
}

@test "cgroup v2: with a cgroup namespace the container sees itself at the root" {
  update_config '.linux.namespaces += [{"type": "cgroup"}]'
  set_cmd 'grep "^0::" /proc/self/cgroup'
  in_v2 '$RT run --bundle "$BUNDLE" "$CID"'
  assert_success
  assert_output "0::/"
}

@test "cgroup v2: pause freezes through cgroup.freeze, resume thaws, delete --force kills" {
  set_cmd 'while true; do sleep 0.1; done'
  in_v2 '
    $RT create --bundle "$BUNDLE" "$CID" >/dev/null
    $RT start "$CID"
    $RT pause "$CID"
    $RT state "$CID" | grep -q "\"status\": \"paused\""
    cat /sys/fs/cgroup/servin/$CID/cgroup.freeze
    $RT resume "$CID"
    $RT state "$CID" | grep -q "\"status\": \"running\""
    cat /sys/fs/cgroup/servin/$CID/cgroup.freeze
    $RT delete --force "$CID"
    test ! -e /sys/fs/cgroup/servin/$CID && echo gone'
  assert_success
  assert_output "1
0
gone"
}

@test "cgroup v2: a limit for a controller v2 does not have here is a clear error" {
  grep -qw memory "$(v2_root)/cgroup.controllers" && skip "memory is available on v2 here"
  update_config '.linux.resources.memory = {"limit": 33554432}'
  in_v2 '$RT run --bundle "$BUNDLE" "$CID"'
  assert_failure
  assert_output --partial "memory controller is not available"
  [[ ! -e $(v2_root)/servin/$CID ]]
}
