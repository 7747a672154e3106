#!/usr/bin/env bats
# exec into a running container.

load helpers

setup() {
  common_setup
  make_bundle
  update_config '.hostname = "exec-host"'
  set_cmd 'touch /tmp/ready; exec sleep 1000'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
}

teardown() {
  common_teardown
}

@test "exec: plain args run in the container's namespaces, output and exit status pass through" {
  pid=$(ctr_pid)
  run rt exec "$CID" sh -c 'hostname; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; exit 5'
  assert_equal "$status" 5
  assert_line --index 0 exec-host
  assert_line --index 1 "$(readlink /proc/$pid/ns/pid)"
  assert_line --index 2 "$(readlink /proc/$pid/ns/mnt)"
}

@test "exec: the process is in the container's cgroup" {
  pid=$(ctr_pid)
  run rt exec "$CID" cat /proc/self/cgroup
  assert_success
  for c in pids memory; do
    want=$(grep -E "^[0-9]+:$c:" /proc/$pid/cgroup)
    assert_line --regexp "^[0-9]+:$c:$(cut -d: -f3 <<<"$want")\$"
  done
}

@test "exec: --process file with args, env, cwd and user" {
  cat >"$TESTDIR/process.json" <<'P'
{"terminal": false, "user": {"uid": 1000, "gid": 1000, "additionalGids": [29]},
 "args": ["sh", "-c", "echo X=$X; pwd; id -u; id -g; id -G"],
 "env": ["PATH=/bin", "X=fromfile"], "cwd": "/home/user"}
P
  run rt exec --process "$TESTDIR/process.json" "$CID"
  assert_success
  assert_output "X=fromfile
/home/user
1000
1000
1000 29"
}

@test "exec: -e, --cwd and -u" {
  run rt exec -e A=one -e B=two --cwd /tmp -u 1000:1000 "$CID" sh -c 'echo "$A $B"; pwd; id -u; id -g'
  assert_success
  assert_output "one two
/tmp
1000
1000"
}

@test "exec: -d with --pid-file detaches; the pid is the host pid of the process" {
  # not through bats' `run`: the detached process would hold its output pipe open
  rt exec -d --pid-file "$TESTDIR/exec.pid" "$CID" sleep 777 </dev/null >"$TESTDIR/exec.out" 2>&1 3>&-
  p=$(cat "$TESTDIR/exec.pid")
  [[ $p -gt 1 ]]
  grep -q 777 "/proc/$p/cmdline"
  # same pid namespace as the container's init
  assert_equal "$(readlink /proc/$p/ns/pid)" "$(readlink /proc/$(ctr_pid)/ns/pid)"
}

@test "exec: --preserve-fds passes extra fds" {
  echo fd3-content >"$TESTDIR/f3"
  echo fd4-content >"$TESTDIR/f4"
  # ls's own directory fd is the lowest free one: 5
  run rt exec --preserve-fds 2 "$CID" sh -c 'cat <&3; cat <&4; exec ls /proc/self/fd' 3<"$TESTDIR/f3" 4<"$TESTDIR/f4" 5</etc/hostname
  assert_success
  assert_equal "$(echo $output)" "fd3-content fd4-content 0 1 2 3 4 5"
}

@test "exec: without --preserve-fds no extra fd gets in" {
  run rt exec "$CID" ls /proc/self/fd 5</etc/hostname 7>/dev/null
  assert_success
  assert_equal "$(echo $output)" "0 1 2 3"
}

@test "exec: the process gets the container's capabilities and no more" {
  run rt exec "$CID" grep -E '^Cap(Eff|Bnd):' /proc/self/status
  assert_success
  want_bnd=$(awk '/^CapBnd:/ {print $2}' /proc/$(ctr_pid)/status)
  assert_line --regexp "^CapBnd:\s+$want_bnd\$"
}

@test "exec: into a stopped container fails" {
  rt kill "$CID" KILL
  wait_for_status "$CID" stopped
  run rt exec "$CID" true
  assert_failure
}

@test "exec: a missing executable is an error that names it" {
  run rt exec "$CID" /no/such/prog
  assert_failure
  assert_output --partial /no/such/prog
}
