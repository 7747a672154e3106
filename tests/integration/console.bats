#!/usr/bin/env bats
# terminal: true with --console-socket: the pty master arrives over SCM_RIGHTS.

load helpers

setup() {
  common_setup
  require_cmd python3
  make_bundle
  SOCK=$TESTDIR/console.sock
}

teardown() {
  [[ -n ${RECV_PID:-} ]] && kill "$RECV_PID" 2>/dev/null
  common_teardown
}

start_receiver() {
  python3 "$BATS_TEST_DIRNAME/recvtty.py" "$SOCK" "$TESTDIR/console.out" "$@" </dev/null >"$TESTDIR/recv.log" 2>&1 3>&- &
  RECV_PID=$!
  wait_for_file "$SOCK.ready"
}

@test "console: container gets a pty as stdin/stdout/stderr and a controlling terminal" {
  update_config '.process.terminal = true | .process.consoleSize = {"height": 40, "width": 100} | .process.env += ["TERM=xterm"]'
  set_cmd 'tty; stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; echo "TERM=$TERM"; ls -l /proc/self/fd/0 | sed "s/.*-> //"'
  start_receiver
  run_create --console-socket "$SOCK" --bundle "$BUNDLE" "$CID"
  assert_success
  wait_for_file "$TESTDIR/console.out.got-fd"
  rt start "$CID"
  wait "$RECV_PID"
  RECV_PID=
  run tr -d '\r' <"$TESTDIR/console.out"
  assert_line --regexp '^/dev/(pts/[0-9]+|console)$'
  assert_line "40 100"
  assert_line all-tty
  assert_line TERM=xterm
}

@test "console: input typed on the master reaches the container" {
  update_config '.process.terminal = true'
  set_cmd 'read line; echo "got:$line"'
  start_receiver $'hello-tty\n'
  run_create --console-socket "$SOCK" --bundle "$BUNDLE" "$CID"
  assert_success
  rt start "$CID"
  wait "$RECV_PID"
  RECV_PID=
  run tr -d '\r' <"$TESTDIR/console.out"
  assert_line got:hello-tty
}

@test "console: terminal true without --console-socket on create is an error" {
  update_config '.process.terminal = true'
  set_args true
  run_create --bundle "$BUNDLE" "$CID"
  assert_failure
  run rt state "$CID"
  assert_failure
}

@test "console: --console-socket to a socket nobody listens on fails cleanly" {
  update_config '.process.terminal = true'
  set_args true
  run_create --console-socket "$TESTDIR/nobody.sock" --bundle "$BUNDLE" "$CID"
  assert_failure
  run rt state "$CID"
  assert_failure
}

@test "console: exec -t with --console-socket" {
  set_args sleep 100
  start_detached
  start_receiver
  rt exec -t --console-socket "$SOCK" -d "$CID" sh -c 'tty; echo exec-tty' </dev/null >"$TESTDIR/exec.out" 2>&1 3>&-
  wait "$RECV_PID"
  RECV_PID=
  run tr -d '\r' <"$TESTDIR/console.out"
  assert_line --regexp '^/dev/pts/[0-9]+$'
  assert_line exec-tty
}

@test "run: without --console-socket the runtime relays the terminal itself" {
  require_cmd script
  update_config '.process.terminal = true | .process.args = ["sh"]'
  # script(1) gives the runtime a terminal; what is typed reaches the
  # container's shell through the relay, and its exit status comes back
  run script -qec "$RUNTIME --root $ROOT run --bundle $BUNDLE $CID" /dev/null \
    < <(sleep 0.5; printf 'tty; echo typed-$((6*7)); exit 3\n'; sleep 1) 3>&-
  assert_equal "$status" 3
  assert_output --regexp 'typed-42'
  assert_output --regexp '/dev/pts/[0-9]+'
}

@test "run -d: a terminal without --console-socket is refused" {
  update_config '.process.terminal = true'
  run rt run -d --bundle "$BUNDLE" "$CID" </dev/null 3>&-
  assert_failure
  assert_output --partial console-socket
  run rt state "$CID"
  assert_failure
}
