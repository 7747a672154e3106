#!/usr/bin/env bats
# Namespaces: uts/hostname, pid, ipc, net, user, cgroup, time, joining by path.

load helpers

setup() {
  common_setup
  make_bundle
}

teardown() {
  common_teardown
}

# ns_inode PID TYPE
ns_inode() {
  readlink "/proc/$1/ns/$2"
}

@test "uts: hostname from config, own uts namespace" {
  update_config '.hostname = "servin-ns"'
  set_cmd 'hostname; readlink /proc/self/ns/uts'
  run_ctr
  assert_success
  assert_line --index 0 servin-ns
  refute_line --index 1 "$(ns_inode $$ uts)"
  [[ $(hostname) != servin-ns ]]
}

@test "uts: changing the hostname inside does not touch the host" {
  host_before=$(hostname)
  update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
  set_cmd 'hostname changed-inside && hostname'
  run_ctr
  assert_success
  assert_output changed-inside
  assert_equal "$(hostname)" "$host_before"
}

@test "pid: the process is pid 1 and sees only its own processes" {
  set_cmd 'echo pid=$$; ls -d /proc/[0-9]* | wc -l'
  run_ctr
  assert_success
  assert_line --index 0 pid=1
  # sh, ls, wc (and maybe the subshell): far fewer than the host has
  [[ ${lines[1]} -le 5 ]]
}

@test "pid: no pid namespace shares the host's" {
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  set_cmd 'echo $$; readlink /proc/self/ns/pid'
  run_ctr
  assert_success
  [[ ${lines[0]} -ne 1 ]]
  assert_line --index 1 "$(ns_inode $$ pid)"
}

@test "ipc: own ipc namespace, host's System V objects are invisible" {
  require_cmd ipcmk ipcrm
  qid=$(ipcmk -Q | grep -oE '[0-9]+$')
  set_cmd 'readlink /proc/self/ns/ipc; cat /proc/sysvipc/msg | wc -l'
  run_ctr
  ipcrm -q "$qid"
  assert_success
  refute_line --index 0 "$(ns_inode $$ ipc)"
  # only the header line
  assert_line --index 1 1
}

@test "net: new network namespace has only lo" {
  set_cmd 'ls /sys/class/net; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; readlink /proc/self/ns/net'
  run_ctr
  assert_success
  assert_line --index 0 lo
  assert_line --index 1 lo
  assert_equal "${#lines[@]}" 3
  refute_line --index 2 "$(ns_inode $$ net)"
}

@test "net: a network namespace created by the test is joined by path" {
  require_cmd ip
  ns=svt$$$RANDOM
  ip netns add "$ns"
  ip -n "$ns" link add svA type veth peer name svB
  update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/var/run/netns/$ns\" else . end)"
  set_cmd 'ls /sys/class/net; stat -L -c %i /proc/self/ns/net'
  run_ctr
  want=$(stat -L -c %i "/var/run/netns/$ns")
  ip netns del "$ns"
  assert_success
  assert_line svA
  assert_line svB
  assert_line "$want"
}

@test "user: uid_map/gid_map from config, root inside is unprivileged outside" {
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.namespaces |= map(select(.type != "cgroup"))
    | .mounts |= map(select(.type != "cgroup"))'
  set_cmd 'cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/mine; sleep 100'
  start_detached
  pid=$(ctr_pid)
  wait_for_file "$BUNDLE/rootfs/tmp/mine"
  read -r a b c < <(head -n1 "/proc/$pid/uid_map")
  assert_equal "$a $b $c" "0 100000 65536"
  read -r a b c < <(head -n1 "/proc/$pid/gid_map")
  assert_equal "$a $b $c" "0 100000 65536"
  # the host sees the container's root as uid 100000
  run awk '/^Uid:/ {print $2}' "/proc/$pid/status"
  assert_output 100000
  # a file created inside is owned by 100000 on the host
  assert_equal "$(stat -c %u "$BUNDLE/rootfs/tmp/mine")" 100000
  run cat "$TESTDIR/$CID.out"
  assert_line --index 2 0
}

@test "cgroup: own cgroup namespace shows the container's cgroup as root" {
  update_config '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
  set_cmd 'cat /proc/self/cgroup; readlink /proc/self/ns/cgroup'
  run_ctr
  assert_success
  refute_line --partial "$(ns_inode $$ cgroup)"
  # every hierarchy line ends in ":/"
  run grep -vE ':/$' <<<"$(grep -E '^[0-9]+:' <<<"$output")"
  assert_output ""
}

@test "time: boottime and monotonic offsets move /proc/uptime" {
  if runtime_is runc; then
    skip "runc 1.1 does not support time namespaces (linux.timeOffsets) - known runc deviation"
  fi
  [[ -e /proc/self/ns/time ]] || skip "kernel without time namespaces"
  update_config '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"boottime": {"secs": 31536000, "nanosecs": 0}, "monotonic": {"secs": 86400, "nanosecs": 0}}'
  set_cmd 'cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time'
  run_ctr
  assert_success
  host_up=$(cut -d. -f1 /proc/uptime)
  # a year ahead of the host's uptime
  ((${lines[0]} >= host_up + 31536000 - 5))
  ((${lines[0]} <= host_up + 31536000 + 60))
  refute_line --index 1 "$(ns_inode $$ time)"
}

@test "join: a second container joins the first one's uts, ipc and net namespaces by path" {
  update_config '.hostname = "first"
    | .process.capabilities.bounding += ["CAP_NET_ADMIN"] | .process.capabilities.effective += ["CAP_NET_ADMIN"] | .process.capabilities.permitted += ["CAP_NET_ADMIN"]'
  # (runc brings lo up by itself in a new network namespace; the spec does not ask for it)
  set_cmd 'ip link set lo up; touch /tmp/ready; sleep 100'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  pid=$(ctr_pid)
  new_id second
  b2=$TESTDIR/bundle2
  make_bundle "$b2"
  update_config ".linux.namespaces |= map(
      if .type == \"uts\" then .path = \"/proc/$pid/ns/uts\"
      elif .type == \"network\" then .path = \"/proc/$pid/ns/net\"
      elif .type == \"ipc\" then .path = \"/proc/$pid/ns/ipc\"
      else . end)
    | del(.hostname)" "$b2"
  jq -c '.process.args = ["sh", "-c", "hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; cat /sys/class/net/lo/operstate"]' \
    "$b2/config.json" >"$b2/c" && mv "$b2/c" "$b2/config.json"
  run "$RUNTIME" --root "$ROOT" run --bundle "$b2" "$second" </dev/null 3>&-
  assert_success
  assert_line --index 0 first
  assert_line --index 1 "$(ns_inode "$pid" net)"
  assert_line --index 2 "$(ns_inode "$pid" ipc)"
  # lo was brought up by the first container
  assert_line --index 3 --regexp '^(up|unknown)$'
}

@test "join: a namespace path that is not a namespace is an error" {
  update_config '.linux.namespaces |= map(if .type == "network" then .path = "/etc/hostname" else . end)'
  run_ctr
  assert_failure
  [[ ! -e $ROOT/$CID ]]
}
