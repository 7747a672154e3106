#!/usr/bin/env bats
# Safety: no fd leaks into containers, the host runtime binary cannot be overwritten
# from inside (CVE-2019-5736), malformed configs fail cleanly, repeated cycles leak
# nothing.

load helpers

setup() {
  common_setup
  make_bundle
}

teardown() {
  common_teardown
}

@test "fds: the container's init has only 0, 1, 2 even when the caller has more open" {
  # ls execs in place of pid 1, so it has pid 1's fds plus its own directory fd (3)
  set_cmd 'exec ls /proc/self/fd'
  exec 5</etc/hostname 7>/dev/null
  run_ctr
  exec 5<&- 7>&-
  assert_success
  assert_equal "$(echo $output)" "0 1 2 3"
}

@test "fds: a created-then-started container's process has only 0, 1, 2" {
  set_args sleep 100
  exec 5</etc/hostname
  create_ctr
  rt start "$CID" 5<&-
  exec 5<&-
  pid=$(ctr_pid)
  run ls "/proc/$pid/fd"
  assert_equal "$(sort -n <<<"$output" | tr '\n' ' ')" "0 1 2 "
}

@test "fds: run --preserve-fds passes exactly the extra fds" {
  echo three >"$TESTDIR/f3"
  echo four >"$TESTDIR/f4"
  # ls's own directory fd is the lowest free one: 5
  set_cmd 'cat <&3; cat <&4; exec ls /proc/self/fd'
  run "$RUNTIME" --root "$ROOT" run --preserve-fds 2 --bundle "$BUNDLE" "$CID" </dev/null 3<"$TESTDIR/f3" 4<"$TESTDIR/f4" 5</etc/hostname
  assert_success
  assert_equal "$(echo $output)" "three four 0 1 2 3 4 5"
}

@test "CVE-2019-5736: a container cannot overwrite the host's runtime binary" {
  # a copy of the runtime under test, so a successful attack harms nothing else
  mkdir -p "$TESTDIR/bin"
  cp "$RUNTIME" "$TESTDIR/bin/"
  RUNTIME=$TESTDIR/bin/$(basename "$RUNTIME")
  before=$(sha256sum <"$RUNTIME")

  # the attacker (container init): grab an fd to the exe of every foreign process in
  # the container (the runtime's exec helper, or the runtime image run through a
  # '#!/proc/self/exe' interpreter), wait for that process to go, then reopen the fd
  # for writing and write through it. Shell builtins only, to be fast.
  cat >"$BUNDLE/rootfs/attack.sh" <<'A'
#!/bin/sh
: > /tmp/attempts
touch /tmp/ready
while [ ! -e /tmp/stop ]; do
  for d in /proc/[0-9]*; do
    [ "$d" = /proc/1 ] && continue
    [ "$d" = "/proc/$$" ] && continue
    [ "$d/exe" -ef /bin/busybox ] && continue
    exec 5<"$d/exe" 2>/dev/null || continue
    echo "opened $d" >> /tmp/attempts
    while [ -e "$d/exe" ] && [ "$d/exe" -ef /proc/self/fd/5 ] && [ ! -e /tmp/stop ]; do :; done
    if { { echo PWNED >&6; } 6>>/proc/self/fd/5; } 2>>/tmp/attempts; then
      echo "WROTE via $d" >> /tmp/attempts
    fi
    exec 5<&-
  done
done
A
  chmod +x "$BUNDLE/rootfs/attack.sh"
  # executing this inside the container runs whatever /proc/self/exe is at that moment
  printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil"
  chmod +x "$BUNDLE/rootfs/evil"
  set_args /attack.sh
  # stricter than the original CVE: the attacker may even ptrace-read other processes
  update_config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .process.capabilities.effective += ["CAP_SYS_PTRACE"] | .process.capabilities.permitted += ["CAP_SYS_PTRACE"]'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  for i in $(seq 15); do
    rt exec "$CID" /evil </dev/null >/dev/null 2>&1 3>&- || true
    rt exec "$CID" true </dev/null >/dev/null 2>&1 3>&- || true
  done
  touch "$BUNDLE/rootfs/tmp/stop"
  sleep 0.5
  echo "attacker log:"; cat "$BUNDLE/rootfs/tmp/attempts" || true
  after=$(sha256sum <"$RUNTIME")
  assert_equal "$after" "$before"
  # writes may land in a private copy (a sealed memfd refuses them) at most; the host
  # file is what matters
  # the runtime still works
  run "$RUNTIME" --version
  assert_success
}

# malformed configs: each must fail create, name the problem, leave no state
bad_config() { # JQ EXPECTED-SUBSTRING
  update_config "$1"
  run_create --bundle "$BUNDLE" "$CID"
  assert_failure
  assert_output --partial "$2"
  [[ ! -e $ROOT/$CID ]]
  run rt list -q
  assert_output ""
}

@test "malformed config: not JSON" {
  echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
  run_create --bundle "$BUNDLE" "$CID"
  assert_failure
  # runc says only "unexpected EOF" (known runc deviation); Servin must name the file
  runtime_is runc || assert_output --partial config.json
  [[ ! -e $ROOT/$CID ]]
}

@test "malformed config: missing config.json" {
  rm "$BUNDLE/config.json"
  run_create --bundle "$BUNDLE" "$CID"
  assert_failure
  assert_output --partial config.json
  [[ ! -e $ROOT/$CID ]]
}

@test "malformed config: process.args of the wrong type names the field" {
  # runc's Go decoder names the Go type ("Process.args"); Servin should name "args"
  bad_config '.process.args = "true"' args
}

@test "malformed config: process.user.uid of the wrong type names the field" {
  bad_config '.process.user.uid = "root"' uid
}

@test "malformed config: unknown namespace type names it" {
  bad_config '.linux.namespaces += [{"type": "bogusns"}]' bogusns
}

@test "malformed config: rootfs that does not exist names it" {
  bad_config '.root.path = "no-such-rootfs"' no-such-rootfs
}

@test "malformed config: relative mount destination is refused" {
  # runc 1.1 accepts relative destinations with a warning; it must not create state
  update_config '.mounts += [{"destination": "../../escape", "type": "tmpfs", "source": "tmpfs"}]'
  run_create --bundle "$BUNDLE" "$CID"
  if runtime_is runc; then
    rt delete --force "$CID" 2>/dev/null || true
    [[ ! -e $TESTDIR/escape ]]
  else
    assert_failure
    assert_output --partial destination
    [[ ! -e $ROOT/$CID ]]
  fi
}

@test "malformed config: invalid container id is refused" {
  set_args true
  run_create --bundle "$BUNDLE" "../escape"
  assert_failure
  [[ ! -e $TESTDIR/escape ]]
  run_create --bundle "$BUNDLE" ""
  assert_failure
}

@test "cycles: 100 create/start/delete cycles leave no mount, cgroup, state or process" {
  set_args true
  mounts_before=$(wc -l </proc/self/mountinfo)
  for i in $(seq 100); do
    id=$CID-c$i
    rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$TESTDIR/err" 3>&- || { cat "$TESTDIR/err"; false; }
    rt start "$id" 3>&-
    wait_for_status "$id" stopped
    rt delete "$id" 3>&-
  done
  assert_equal "$(wc -l </proc/self/mountinfo)" "$mounts_before"
  assert_equal "$(ls -A "$ROOT")" ""
  run find /sys/fs/cgroup -maxdepth 6 -type d -name "$CID*"
  assert_output ""
  run rt list -q
  assert_output ""
}
