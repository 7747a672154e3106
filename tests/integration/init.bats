#!/usr/bin/env bats
# servin-init, the init of `servin run --init`, as PID 1 of a real container:
# it reaps orphans, forwards signals to its child, and exits with the child's
# status (docker-init / tini behaviour).

load helpers

INIT=$SERVIN_INIT

setup() {
  common_setup
  [[ -x $INIT ]] || skip "servin-init not built: $INIT does not exist (build with meson, or set SERVIN_INIT)"
  make_bundle
  # bind-mounted read-only, as the engine does for --init
  update_config ".mounts += [{\"destination\": \"/sbin/servin-init\",
    \"type\": \"bind\", \"source\": $(jq -n --arg p "$INIT" '$p'), \"options\": [\"bind\", \"ro\"]}]"
}

teardown() {
  common_teardown
}

# init_cmd 'shell command': process.args = servin-init -- sh -c CMD
init_cmd() {
  set_args /sbin/servin-init -- sh -c "$1"
}

# run_bg: `run` the bundle in the background; its exit status lands in $TESTDIR/rc
run_bg() {
  (
    rc=0
    rt run --bundle "$BUNDLE" "$CID" </dev/null >"$TESTDIR/out" 2>&1 || rc=$?
    echo $rc >"$TESTDIR/rc"
  ) 3>&- &
}

# run_fg: like run_ctr, for statuses bats' `run` treats specially (it warns
# about 127 on fd 3, which run_ctr closes)
run_fg() {
  local rc=0
  rt run --bundle "$BUNDLE" "$CID" </dev/null >"$TESTDIR/out" 2>&1 3>&- || rc=$?
  run cat "$TESTDIR/out"
  status=$rc
}

@test "init: is PID 1 and reaps orphaned children that exit" {
  # Each ( ... &) leaves an orphan that the kernel reparents to PID 1; they exit
  # after 0.1 s and stay zombies unless PID 1 waits for them.
  init_cmd '(sleep 0.1 &); (sleep 0.1 &); (sleep 0.1 &); sleep 1; ps -o stat,pid,ppid,comm; true'
  run_ctr
  assert_success
  assert_line --regexp '^S +1 +0 +servin-init$'
  assert_line --regexp ' 1 +sh$'
  refute_line --regexp '^Z'
  refute_line --partial sleep
}

@test "init: SIGTERM sent to the container reaches the child" {
  # Without forwarding the TERM would stop at servin-init, which blocks it,
  # and the container would run until the test's timeout.
  init_cmd 'trap "echo got TERM; exit 3" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
  run_bg
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  wait_for_status "$CID" running
  run rt kill "$CID" TERM
  assert_success
  wait_for_file "$TESTDIR/rc"
  assert_equal "$(cat "$TESTDIR/rc")" 3
  run cat "$TESTDIR/out"
  assert_output "got TERM"
}

@test "init: other signals (USR1, HUP) are forwarded too" {
  init_cmd 'trap "echo usr1" USR1; trap "echo hup; exit 0" HUP; touch /tmp/ready; while :; do sleep 0.1; done'
  run_bg
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  wait_for_status "$CID" running
  rt kill "$CID" USR1 3>&-
  sleep 0.5
  rt kill "$CID" HUP 3>&-
  wait_for_file "$TESTDIR/rc"
  assert_equal "$(cat "$TESTDIR/rc")" 0
  run cat "$TESTDIR/out"
  assert_output "usr1
hup"
}

@test "init: the child's exit status is the container's" {
  init_cmd 'exit 7'
  run_ctr
  assert_equal "$status" 7
}

@test "init: a child killed by a signal gives 128+signo" {
  init_cmd 'kill -KILL $$'
  run_ctr
  assert_equal "$status" 137
}

@test "init: a missing command exits 127, a non-executable one 126" {
  set_args /sbin/servin-init -- /no/such/command
  run_fg
  assert_equal "$status" 127
  assert_output --partial "servin-init: exec /no/such/command: No such file or directory"

  set_args /sbin/servin-init /etc/passwd
  new_id CID
  run_ctr
  assert_equal "$status" 126
  assert_output --partial "servin-init: exec /etc/passwd: Permission denied"
}
