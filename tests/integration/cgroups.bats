#!/usr/bin/env bats
# cgroups (this host: v1 controllers + an almost empty cgroup2 at /sys/fs/cgroup/unified).

load helpers

setup() {
  common_setup
  cgroup_v1 || skip "these tests read cgroup v1 files; this host has no v1 memory hierarchy"
  make_bundle
}

teardown() {
  common_teardown
}

@test "memory: limit written to the container's cgroup" {
  update_config '.linux.resources.memory = {"limit": 33554432, "reservation": 16777216}'
  set_cmd 'touch /tmp/ready; sleep 100'
  start_detached
  pid=$(ctr_pid)
  d=$(cgroup_dir "$pid" memory)
  [[ $d == *"$CID"* ]]
  assert_equal "$(cat "$d/memory.limit_in_bytes")" 33554432
  assert_equal "$(cat "$d/memory.soft_limit_in_bytes")" 16777216
  # and the process is really in it
  grep -qx "$pid" "$d/cgroup.procs"
}

@test "memory: allocating past the limit gets the process OOM-killed" {
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  # busybox tail keeps the last "line" in memory: 64 MiB of zeros with no newline
  set_cmd 'head -c 67108864 /dev/zero | tail > /dev/null; echo "exit=$?"; touch /tmp/done; sleep 100'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/done" 300
  run ctr_out
  assert_output exit=137
  d=$(cgroup_dir "$(ctr_pid)" memory)
  cat "$d/memory.failcnt" "$d/memory.oom_control" "$d/memory.max_usage_in_bytes"
  # the cgroup hit its limit (usage peaked at it) and the kernel's OOM killer acted
  [[ $(cat "$d/memory.max_usage_in_bytes") -le 33554432 ]]
  [[ $(cat "$d/memory.max_usage_in_bytes") -ge 25000000 ]]
  if grep -q '^oom_kill ' "$d/memory.oom_control"; then
    [[ $(awk '/^oom_kill / {print $2}' "$d/memory.oom_control") -ge 1 ]]
  fi
}

@test "memory: allocation below the limit succeeds" {
  update_config '.linux.resources.memory = {"limit": 67108864}'
  set_cmd 'head -c 8388608 /dev/zero | tail > /dev/null; echo "exit=$?"'
  run_ctr
  assert_success
  assert_output exit=0
}

@test "pids: limit stops a fork loop" {
  update_config '.linux.resources.pids = {"limit": 10}'
  # a child shell forks until it fails (ash exits on a failed fork); after that
  # nothing can fork, so only builtins and exec
  set_cmd 'sh -c "i=0; while [ \$i -lt 30 ]; do sleep 100 & i=\$((i+1)); done" 2>/tmp/errs; echo done > /tmp/done; exec sleep 100'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/done" 100
  d=$(cgroup_dir "$(ctr_pid)" pids)
  assert_equal "$(cat "$d/pids.max")" 10
  [[ $(cat "$d/pids.current") -le 10 ]]
  # some forks failed
  grep -qiE "(fork|resource temporarily unavailable)" "$BUNDLE/rootfs/tmp/errs"
  [[ $(wc -l <"$d/cgroup.procs") -le 10 ]]
  [[ $(wc -l <"$d/cgroup.procs") -ge 5 ]]
}

@test "cpu: shares, quota and period written to the cgroup" {
  update_config '.linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000}'
  set_args sleep 100
  start_detached
  d=$(cgroup_dir "$(ctr_pid)" cpu)
  assert_equal "$(cat "$d/cpu.shares")" 512
  assert_equal "$(cat "$d/cpu.cfs_quota_us")" 50000
  assert_equal "$(cat "$d/cpu.cfs_period_us")" 100000
}

@test "update: changes a running container's memory and pids limits" {
  update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 50}'
  set_args sleep 100
  start_detached
  pid=$(ctr_pid)
  dm=$(cgroup_dir "$pid" memory)
  dp=$(cgroup_dir "$pid" pids)
  assert_equal "$(cat "$dm/memory.limit_in_bytes")" 33554432
  run rt update --memory 67108864 --pids-limit 77 "$CID"
  assert_success
  assert_equal "$(cat "$dm/memory.limit_in_bytes")" 67108864
  assert_equal "$(cat "$dp/pids.max")" 77
  # and from a resources file
  echo '{"memory": {"limit": 50331648}, "pids": {"limit": 33}}' >"$TESTDIR/res.json"
  run rt update -r "$TESTDIR/res.json" "$CID"
  assert_success
  assert_equal "$(cat "$dm/memory.limit_in_bytes")" 50331648
  assert_equal "$(cat "$dp/pids.max")" 33
}

@test "update: of a stopped or unknown container fails" {
  run rt update --memory 67108864 nosuchcontainer
  assert_failure
}

@test "cgroupsPath: custom path is used, and every cgroup dir is removed on delete" {
  update_config ".linux.cgroupsPath = \"/servin-test/$CID\""
  set_args sleep 100
  start_detached
  pid=$(ctr_pid)
  dirs=()
  for c in memory pids cpu freezer devices; do
    d=$(cgroup_dir "$pid" "$c")
    [[ $d == "/sys/fs/cgroup/$c/servin-test/$CID" ]] || { echo "$c: $d"; false; }
    dirs+=("$d")
  done
  run rt delete --force "$CID"
  assert_success
  for d in "${dirs[@]}"; do
    [[ ! -e $d ]] || { echo "left: $d"; false; }
  done
  for c in memory pids cpu freezer devices; do rmdir "/sys/fs/cgroup/$c/servin-test" 2>/dev/null || true; done
}

@test "cgroups: default cgroup dir is removed when a foreground run ends" {
  set_cmd 'cat /proc/self/cgroup > /tmp/cg'
  run_ctr
  assert_success
  mempath=$(grep -E '^[0-9]+:memory:' "$BUNDLE/rootfs/tmp/cg" | cut -d: -f3)
  pidspath=$(grep -E '^[0-9]+:pids:' "$BUNDLE/rootfs/tmp/cg" | cut -d: -f3)
  [[ -n $mempath && -n $pidspath ]]
  # the container had its own cgroup (not the root) - unless a cgroup ns hid the path
  if [[ $pidspath != / ]]; then
    [[ ! -e /sys/fs/cgroup/pids$pidspath ]]
    [[ ! -e /sys/fs/cgroup/memory$mempath ]]
  fi
}
