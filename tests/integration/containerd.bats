#!/usr/bin/env bats
# Acceptance: containerd (started by the test with its own root, state, socket and
# config, CRI disabled) runs an OCI image built locally (busybox rootfs -> umoci ->
# oci-archive -> ctr images import) with `ctr run --runc-binary $RUNTIME`.

load helpers

setup_file() {
  export CT_DIR=$BATS_FILE_TMPDIR/containerd
  export CT_SOCK=$CT_DIR/containerd.sock
  export CT_IMAGE=localhost/servin-busybox:test
  command -v containerd >/dev/null && command -v ctr >/dev/null && command -v umoci >/dev/null || return 0
  [[ -x $RUNTIME ]] || return 0
  mkdir -p "$CT_DIR"
  cat >"$CT_DIR/config.toml" <<CONF
version = 2
root = "$CT_DIR/root"
state = "$CT_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CT_SOCK"
[ttrpc]
  address = "$CT_SOCK.ttrpc"
[debug]
  address = ""
CONF
  containerd --config "$CT_DIR/config.toml" </dev/null >"$CT_DIR/containerd.log" 2>&1 3>&- &
  echo $! >"$CT_DIR/pid"
  local i
  for i in $(seq 50); do
    ctr -a "$CT_SOCK" version >/dev/null 2>&1 && break
    sleep 0.1
  done
  # image: busybox rootfs as one layer of an OCI image made with umoci
  bash "$REPO/scripts/make-rootfs.sh" "$CT_DIR/rootfs" >&2
  (
    cd "$CT_DIR"
    umoci init --layout oci
    umoci new --image oci:test
    umoci unpack --image oci:test ub >/dev/null
    cp -a rootfs/. ub/rootfs/
    umoci repack --image oci:test ub
    umoci config --image oci:test --config.cmd sh
    tar -C oci -cf image.tar .
  ) >&2
  ctr -a "$CT_SOCK" images import --base-name localhost/servin-busybox "$CT_DIR/image.tar" >&2
}

teardown_file() {
  [[ -s ${CT_DIR:-/nonexistent}/pid ]] || return 0
  local c
  for c in $(ctr -a "$CT_SOCK" containers ls -q 2>/dev/null); do
    ctr -a "$CT_SOCK" tasks kill -s KILL "$c" >/dev/null 2>&1 || true
    ctr -a "$CT_SOCK" tasks rm -f "$c" >/dev/null 2>&1 || true
    ctr -a "$CT_SOCK" containers rm "$c" >/dev/null 2>&1 || true
  done
  ctr -a "$CT_SOCK" images rm "$CT_IMAGE" >/dev/null 2>&1 || true
  kill "$(cat "$CT_DIR/pid")" 2>/dev/null || true
  sleep 0.5
  if grep -q " $CT_DIR" /proc/self/mountinfo; then
    grep " $CT_DIR" /proc/self/mountinfo >&2
    grep " $CT_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l
    return 1
  fi
}

c() {
  ctr -a "$CT_SOCK" "$@"
}

setup() {
  common_setup
  require_cmd containerd ctr containerd-shim-runc-v2 umoci
  c version >/dev/null || { cat "$CT_DIR/containerd.log" >&2; false; }
}

teardown() {
  c tasks kill -s KILL "$CID" >/dev/null 2>&1 || true
  c tasks rm -f "$CID" >/dev/null 2>&1 || true
  c containers rm "$CID" >/dev/null 2>&1 || true
  common_teardown
}

@test "containerd: image imported from a local oci-archive" {
  run c images ls -q
  assert_success
  assert_line "$CT_IMAGE"
}

@test "containerd: ctr run --runc-binary RUNTIME --rm IMG echo hi" {
  run c run --runc-binary "$RUNTIME" --rm "$CT_IMAGE" "$CID" echo hi </dev/null 3>&-
  assert_success
  assert_output hi
  run c containers ls -q
  [[ $output != *"$CID"* ]]
}

@test "containerd: exit status and env pass through" {
  run c run --runc-binary "$RUNTIME" --rm --env FOO=bar "$CT_IMAGE" "$CID" sh -c 'echo $FOO; id -u; exit 3' </dev/null 3>&-
  assert_equal "$status" 3
  assert_output "bar
0"
}

@test "containerd: detached task, exec, kill" {
  c run --runc-binary "$RUNTIME" -d "$CT_IMAGE" "$CID" sleep 1000 </dev/null >/dev/null 2>&1 3>&-
  run c tasks ls
  assert_line --regexp "^$CID +[0-9]+ +RUNNING"
  run c tasks exec --exec-id e1 "$CID" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "' </dev/null 3>&-
  assert_success
  assert_line in-exec
  assert_line --regexp '^sleep 1000'
  run c tasks kill -s KILL "$CID"
  assert_success
  for _ in $(seq 50); do
    c tasks ls | grep -qE "^$CID .*STOPPED" && break
    sleep 0.1
  done
  run c tasks ls
  assert_line --regexp "^$CID +[0-9]+ +STOPPED"
}
