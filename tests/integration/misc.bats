#!/usr/bin/env bats
# pause/resume, ps, update, spec, features.

load helpers

setup() {
  common_setup
  make_bundle
}

teardown() {
  common_teardown
}

@test "pause/resume: freezer state follows, the process stops and goes on" {
  cgroup_v1 || skip "reads the v1 freezer"
  set_cmd 'i=0; while :; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/counter"
  run rt pause "$CID"
  assert_success
  run rt state "$CID"
  assert_equal "$(jq -r .status <<<"$output")" paused
  d=$(cgroup_dir "$(ctr_pid)" freezer)
  assert_equal "$(cat "$d/freezer.state")" FROZEN
  a=$(cat "$BUNDLE/rootfs/tmp/counter")
  sleep 0.5
  b=$(cat "$BUNDLE/rootfs/tmp/counter")
  assert_equal "$b" "$a"
  # a paused container cannot be paused again, nor deleted without --force
  run rt pause "$CID"
  assert_failure
  run rt resume "$CID"
  assert_success
  run rt state "$CID"
  assert_equal "$(jq -r .status <<<"$output")" running
  assert_equal "$(cat "$d/freezer.state")" THAWED
  sleep 0.5
  c=$(cat "$BUNDLE/rootfs/tmp/counter")
  ((c > b))
}

@test "pause: of a stopped container fails; resume of a running one fails" {
  set_args sleep 100
  start_detached
  run rt resume "$CID"
  assert_failure
  rt kill "$CID" KILL
  wait_for_status "$CID" stopped
  run rt pause "$CID"
  assert_failure
}

@test "pause: a paused container can be killed and deleted with --force" {
  set_args sleep 100
  start_detached
  pid=$(ctr_pid)
  rt pause "$CID"
  run rt delete --force "$CID"
  assert_success
  proc_gone "$pid"
}

@test "ps: lists the container's processes" {
  set_cmd 'sleep 501 & sleep 502 & touch /tmp/ready; wait'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  run rt ps "$CID"
  assert_success
  assert_line --index 0 --regexp 'PID'
  assert_output --partial 'sleep 501'
  assert_output --partial 'sleep 502'
  run rt ps --format json "$CID"
  assert_success
  assert_equal "$(jq -r length <<<"$output")" 3
  # host pids
  jq -e --argjson p "$(ctr_pid)" 'index($p) != null' <<<"$output"
}

@test "spec: writes a valid default config.json, refuses to overwrite" {
  mkdir "$TESTDIR/s"
  cd "$TESTDIR/s"
  run "$RUNTIME" spec
  assert_success
  jq -e '.ociVersion and .process.args and .root.path == "rootfs" and (.linux.namespaces | map(.type) | index("pid") and index("mount"))' config.json
  run "$RUNTIME" spec
  assert_failure
  run "$RUNTIME" spec --bundle "$TESTDIR/s2"
  mkdir -p "$TESTDIR/s2"
  run "$RUNTIME" spec --bundle "$TESTDIR/s2"
  assert_success
  [[ -s $TESTDIR/s2/config.json ]]
}

@test "features: JSON describing hooks, namespaces, capabilities, cgroup and seccomp" {
  run "$RUNTIME" features
  assert_success
  jq -e . <<<"$output" >/dev/null
  assert_equal "$(jq -r .ociVersionMin <<<"$output" | cut -d. -f1)" 1
  assert_equal "$(jq -r .ociVersionMax <<<"$output" | cut -d. -f1)" 1
  for h in prestart createRuntime createContainer startContainer poststart poststop; do
    jq -e --arg h "$h" '.hooks | index($h) != null' <<<"$output" >/dev/null || { echo "hook $h missing"; false; }
  done
  for n in cgroup ipc mount network pid user uts; do
    jq -e --arg n "$n" '.linux.namespaces | index($n) != null' <<<"$output" >/dev/null || { echo "ns $n missing"; false; }
  done
  jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null and index("CAP_CHOWN") != null' <<<"$output"
  jq -e '.linux.cgroup.v1 == true and .linux.cgroup.v2 == true' <<<"$output"
  jq -e '.linux.seccomp.enabled == true and (.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null)' <<<"$output"
  jq -e '.mountOptions | index("rbind") != null and index("ro") != null' <<<"$output"
}

@test "version: --version prints a version" {
  run "$RUNTIME" --version
  assert_success
  assert_output --regexp '[0-9]+\.[0-9]+'
}
