#!/usr/bin/env bats
# create / start / state / run / kill / delete / list, and CLI errors.

load helpers

setup() {
  common_setup
  make_bundle
}

teardown() {
  common_teardown
}

@test "create: process set up but not started; state is created" {
  set_cmd 'echo ran > /ranfile; sleep 100'
  create_ctr
  run rt state "$CID"
  assert_success
  assert_equal "$(jq -r .status <<<"$output")" created
  pid=$(jq -r .pid <<<"$output")
  [[ $pid -gt 0 ]]
  # the init process exists but the user program has not run yet
  [[ -d /proc/$pid ]]
  [[ ! -e $BUNDLE/rootfs/ranfile ]]
}

@test "start: runs the user program; state is running" {
  set_cmd 'echo ran > /ranfile; sleep 100'
  create_ctr
  run rt start "$CID"
  assert_success
  wait_for_file "$BUNDLE/rootfs/ranfile"
  assert_equal "$(cat "$BUNDLE/rootfs/ranfile")" ran
  run rt state "$CID"
  assert_success
  assert_equal "$(jq -r .status <<<"$output")" running
  # start twice is an error
  run rt start "$CID"
  assert_failure
}

@test "state: JSON has ociVersion, id, pid, status, bundle, rootfs, created, owner, annotations" {
  set_args sleep 100
  update_config '.annotations = {"org.servin.test": "yes", "other": "a b"}'
  create_ctr
  run rt state "$CID"
  assert_success
  echo "$output"
  jq -e . <<<"$output" >/dev/null
  assert_equal "$(jq -r .ociVersion <<<"$output" | cut -d. -f1)" 1
  assert_equal "$(jq -r .id <<<"$output")" "$CID"
  assert_equal "$(jq -r .status <<<"$output")" created
  assert_equal "$(jq -r .bundle <<<"$output")" "$BUNDLE"
  assert_equal "$(jq -r .rootfs <<<"$output")" "$BUNDLE/rootfs"
  # runc leaves owner "" for a rootful container; "root" is fine too
  jq -e 'has("owner")' <<<"$output" >/dev/null
  [[ $(jq -r .owner <<<"$output") == "" || $(jq -r .owner <<<"$output") == root ]]
  assert_equal "$(jq -r '.annotations["org.servin.test"]' <<<"$output")" yes
  assert_equal "$(jq -r '.annotations.other' <<<"$output")" "a b"
  pid=$(jq -r .pid <<<"$output")
  # pid is the container's init as seen from the host
  [[ $(readlink /proc/$pid/root) == "$BUNDLE/rootfs" || $(readlink /proc/$pid/root) == / ]]
  # created is an RFC 3339 timestamp within the last minute
  created=$(jq -r .created <<<"$output")
  [[ $created =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2} ]]
  t=$(date -d "$created" +%s)
  now=$(date +%s)
  ((now - t < 60 && now - t >= -2))
}

@test "state of an unknown container fails" {
  run rt state nosuchcontainer
  assert_failure
  assert_output --regexp '(not exist|not found|No such)'
}

@test "run: foreground, output and exit status pass through, state removed" {
  set_cmd 'echo hello from $(hostname); exit 7'
  update_config '.hostname = "box"'
  run_ctr
  assert_equal "$status" 7
  assert_output --partial "hello from box"
  run rt state "$CID"
  assert_failure
  [[ ! -e $ROOT/$CID ]]
}

@test "run: exit status of a container killed by a signal is 128+signo" {
  # pid 1 of a pid namespace cannot be SIGKILLed from inside, so kill it from the host
  set_cmd 'touch /tmp/ready; exec sleep 100'
  ( rc=0; rt run --bundle "$BUNDLE" "$CID" </dev/null >"$TESTDIR/out" 2>&1 || rc=$?; echo $rc >"$TESTDIR/rc" ) 3>&- &
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  wait_for_status "$CID" running
  kill -9 "$(ctr_pid)"
  wait_for_file "$TESTDIR/rc"
  assert_equal "$(cat "$TESTDIR/rc")" 137
}

@test "run -d: detaches, the container keeps running" {
  set_cmd 'echo detached > /tmp/d; exec sleep 100'
  # not through bats' `run`: its command substitution would be the container's parent
  rt run -d --bundle "$BUNDLE" "$CID" </dev/null >"$TESTDIR/out" 2>&1 3>&- || { cat "$TESTDIR/out"; false; }
  wait_for_status "$CID" running
  wait_for_file "$BUNDLE/rootfs/tmp/d"
  pid=$(ctr_pid)
  grep -q sleep "/proc/$pid/cmdline"
}

@test "kill: by name (TERM) and by number (10 = USR1), trapped inside" {
  set_cmd 'trap "echo term >> /tmp/sigs" TERM; trap "echo usr1 >> /tmp/sigs" USR1; touch /tmp/ready; while :; do sleep 0.1; done'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  run rt kill "$CID" 10
  assert_success
  sleep 0.5
  run rt kill "$CID" TERM
  assert_success
  sleep 0.5
  run rt kill "$CID" SIGUSR1
  assert_success
  sleep 0.5
  run cat "$BUNDLE/rootfs/tmp/sigs"
  assert_output "usr1
term
usr1"
}

@test "kill: default signal is TERM" {
  set_cmd 'trap "echo term > /tmp/sig; exit 0" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  run rt kill "$CID"
  assert_success
  wait_for_status "$CID" stopped
  assert_equal "$(cat "$BUNDLE/rootfs/tmp/sig")" term
}

@test "kill: unknown signal is an error" {
  set_args sleep 100
  start_detached
  run rt kill "$CID" NOTASIGNAL
  assert_failure
  run rt state "$CID"
  assert_equal "$(jq -r .status <<<"$output")" running
}

@test "kill --all: every process of the container gets the signal" {
  set_cmd 'sleep 1000 & sleep 1001 & touch /tmp/ready; wait'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  pid=$(ctr_pid)
  kids=$(pgrep -P "$pid")
  [[ $(wc -w <<<"$kids") -eq 2 ]]
  run rt kill --all "$CID" KILL
  assert_success
  wait_for_status "$CID" stopped
  for k in $kids; do
    proc_gone "$k"
  done
}

@test "delete: refused while running, --force kills and deletes" {
  set_args sleep 100
  start_detached
  pid=$(ctr_pid)
  run rt delete "$CID"
  assert_failure
  run rt state "$CID"
  assert_success
  assert_equal "$(jq -r .status <<<"$output")" running
  [[ -d /proc/$pid ]]
  run rt delete --force "$CID"
  assert_success
  proc_gone "$pid"
  run rt state "$CID"
  assert_failure
}

@test "delete: a created (never started) container" {
  set_args sleep 100
  create_ctr
  pid=$(ctr_pid)
  run rt delete --force "$CID"
  assert_success
  proc_gone "$pid"
  run rt state "$CID"
  assert_failure
}

@test "state: a container whose process exited is stopped, and delete works without --force" {
  set_args true
  start_detached
  wait_for_status "$CID" stopped
  run rt state "$CID"
  assert_success
  assert_equal "$(jq -r .status <<<"$output")" stopped
  run rt delete "$CID"
  assert_success
  run rt state "$CID"
  assert_failure
}

@test "state: a container whose process was killed from outside is stopped" {
  set_args sleep 100
  start_detached
  kill -9 "$(ctr_pid)"
  wait_for_status "$CID" stopped
}

@test "create: duplicate id is refused" {
  set_args sleep 100
  create_ctr
  run_create --bundle "$BUNDLE" "$CID"
  assert_failure
  assert_output --regexp '(exist|already|in use)'
}

@test "list: table, -q and --format json" {
  set_args sleep 100
  new_id other
  start_detached
  create_ctr "$other"
  run rt list
  assert_success
  assert_line --regexp "^ID +PID +STATUS"
  assert_line --regexp "^$CID +[0-9]+ +running +$BUNDLE"
  assert_line --regexp "^$other +[0-9]+ +created"
  run rt list -q
  assert_success
  assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$CID" "$other" | sort)"
  run rt list --format json
  assert_success
  assert_equal "$(jq -r 'length' <<<"$output")" 2
  assert_equal "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .status' <<<"$output")" running
  assert_equal "$(jq -r --arg id "$other" '.[] | select(.id == $id) | .status' <<<"$output")" created
  assert_equal "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .bundle' <<<"$output")" "$BUNDLE"
}

@test "list: empty root prints only the header, json prints an empty array or null" {
  run rt list -q
  assert_success
  assert_output ""
  run rt list --format json
  assert_success
  # runc prints "null"; an empty array is the better answer
  [[ $output == "null" || $(jq -r length <<<"$output") == 0 ]]
}

@test "cli: unknown command is an error" {
  run rt frobnicate
  assert_failure
  [[ -n $output ]]
}

@test "cli: unknown flag is an error" {
  run rt state --no-such-flag "$CID"
  assert_failure
  [[ -n $output ]]
  run "$RUNTIME" --no-such-global-flag list
  assert_failure
}

@test "cli: missing container id is an error" {
  run rt start
  assert_failure
  run_create --bundle "$BUNDLE"
  assert_failure
}

@test "cli: --log file with --log-format json gets JSON lines" {
  set_args /does/not/exist
  run "$RUNTIME" --root "$ROOT" --log "$TESTDIR/log.json" --log-format json run --bundle "$BUNDLE" "$CID" </dev/null 3>&-
  assert_failure
  [[ -s $TESTDIR/log.json ]]
  # every line is a JSON object with a level and a message
  while read -r l; do
    jq -e 'has("level") and has("msg")' <<<"$l" >/dev/null || { echo "bad log line: $l"; false; }
  done <"$TESTDIR/log.json"
  grep -q 'exist' "$TESTDIR/log.json"
}

@test "run: a missing executable fails create with a message naming it" {
  set_args /no/such/binary
  run_ctr
  assert_failure
  assert_output --partial /no/such/binary
  [[ ! -e $ROOT/$CID ]]
}
