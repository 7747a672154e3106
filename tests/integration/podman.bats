#!/usr/bin/env bats
# Acceptance: podman drives the runtime under test (--runtime $RUNTIME) with its own
# containers.conf and storage in the test directory, on an image built locally from
# busybox-static (rootfs tar -> podman import). No network: netns "none".

load helpers

setup_file() {
  export PM_DIR=$BATS_FILE_TMPDIR/podman
  mkdir -p "$PM_DIR/tmp"
  cat >"$PM_DIR/containers.conf" <<CONF
[containers]
# this machine's hard limits are lower than podman's defaults
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM_DIR/events.log"
tmp_dir = "$PM_DIR/tmp"
CONF
  export CONTAINERS_CONF=$PM_DIR/containers.conf
  export PM_IMAGE=localhost/servin-busybox:test
  command -v podman >/dev/null || return 0
  [[ -x $RUNTIME ]] || return 0
  bash "$REPO/scripts/make-rootfs.sh" "$PM_DIR/rootfs" >&2
  tar -C "$PM_DIR/rootfs" -cf "$PM_DIR/rootfs.tar" .
  pm import --change 'CMD ["sh"]' "$PM_DIR/rootfs.tar" "$PM_IMAGE" >/dev/null
}

teardown_file() {
  command -v podman >/dev/null || return 0
  pm rm -af -t 0 >/dev/null 2>&1 || true
  pm system reset -f >/dev/null 2>&1 || true
  # nothing of podman's storage may stay mounted
  if grep -q " $PM_DIR" /proc/self/mountinfo; then
    grep " $PM_DIR" /proc/self/mountinfo >&2
    grep " $PM_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l
    return 1
  fi
}

pm() {
  podman --root "$PM_DIR/storage" --runroot "$PM_DIR/runroot" --storage-driver vfs \
    --runtime "$RUNTIME" "$@"
}

setup() {
  common_setup
  require_cmd podman conmon
  # conmon writes an `oom` file into its working directory when a container
  # is OOM-killed: keep that out of the source tree
  cd "$TESTDIR"
}

teardown() {
  pm rm -af -t 0 >/dev/null 2>&1 3>&- || true
  common_teardown
}

@test "podman: run --rm echo hi" {
  run pm run --rm "$PM_IMAGE" echo hi
  assert_success
  assert_output hi
  run pm ps -aq
  assert_output ""
}

@test "podman: exit status passes through" {
  run pm run --rm "$PM_IMAGE" sh -c 'exit 42'
  assert_equal "$status" 42
}

@test "podman: run -d, exec, ps, stop, rm" {
  cid=$(pm run -d --name "$CID" "$PM_IMAGE" sleep 1000 </dev/null 3>&-)
  [[ -n $cid ]]
  run pm ps --format '{{.Names}} {{.Status}}'
  assert_success
  assert_line --regexp "^$CID Up"
  run pm exec "$CID" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
  assert_success
  assert_line in-exec
  assert_line --regexp '^sleep 1000'
  run pm exec -e FOO=bar -w /tmp "$CID" sh -c 'echo $FOO; pwd'
  assert_output "bar
/tmp"
  run pm stop -t 1 "$CID"
  assert_success
  run pm ps -a --format '{{.Names}} {{.Status}}'
  assert_line --regexp "^$CID Exited"
  run pm rm "$CID"
  assert_success
  run pm ps -aq
  assert_output ""
}

@test "podman: run -t gets a terminal through the console socket" {
  require_cmd script
  # script(1) gives podman a tty even without one (CI has no stdin)
  run script -qec "podman --root $PM_DIR/storage --runroot $PM_DIR/runroot --storage-driver vfs --runtime $RUNTIME run --rm -t $PM_IMAGE sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo IS-TTY'" /dev/null </dev/null
  assert_success
  run tr -d '\r' <<<"$output"
  assert_line --regexp '^/dev/(pts/[0-9]+|console)$'
  assert_line IS-TTY
}

@test "podman: --memory 32m is enforced" {
  run pm run --rm --memory 32m --memory-swap 32m "$PM_IMAGE" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; head -c 67108864 /dev/zero | tail > /dev/null; echo exit=$?'
  assert_line --index 0 33554432
  # the 64 MiB allocation is OOM-killed: tail dies (exit=137), or, when the
  # kernel picks the shell, the whole container ends with status 137
  [[ $status -eq 137 ]] || assert_line exit=137
}

@test "podman: user, env and hostname options reach the process" {
  run pm run --rm --user 1000:1000 --hostname pmhost -e ABC=xyz "$PM_IMAGE" sh -c 'id -u; hostname; echo $ABC'
  assert_success
  assert_output "1000
pmhost
xyz"
}

@test "podman: pause and unpause" {
  pm run -d --name "$CID" "$PM_IMAGE" sleep 1000 </dev/null >/dev/null 3>&-
  run pm pause "$CID"
  assert_success
  run pm ps -a --format '{{.Names}} {{.Status}}'
  assert_output --regexp "^$CID Paused"
  run pm unpause "$CID"
  assert_success
  run pm ps -a --format '{{.Names}} {{.Status}}'
  assert_output --regexp "^$CID Up"
}
