# bench/engines.sh: what bench/run.sh and bench/net.sh share; sourced, not run.
#
# Runs the calling script again inside a private network namespace (loopback up), so
# that both engines' bridges, veths and nftables rules live and die there and never touch
# the machine's network.  Then: a release build of servin (or $SERVIN), a temporary
# directory $work with a data root for each engine ($SV and $PM are their command lines),
# podman's own containers.conf, a `busybox` image imported into both from one rootfs
# tarball (bench_rootfs_hook, when defined, may add files to $work/rootfs first), and a
# cleanup at exit that removes every container and fails loudly on a leaked process or
# mount.  Podman's first container runs before servin's: netavark does not look for a
# free subnet, servin does, so the two default networks never overlap.
#
# GLOBAL CHANGE (as bench/runtime.sh): crun 1.8 refuses this host's hybrid cgroup layout
# unless hugetlb is mounted as a v1 hierarchy.  When /sys/fs/cgroup/hugetlb is not
# mounted, this mounts it (and says so) and leaves it mounted: once cgroups exist in a v1
# hierarchy, unmounting it does not give the controller back to the unified one.
# SV and PM are command lines, split on purpose
# shellcheck disable=SC2086,SC2034
if [[ -z ${BENCH_IN_NETNS:-} ]]; then
  exec env BENCH_IN_NETNS=1 unshare --net -- bash -c 'ip link set lo up && exec bash "$@"' \
    bash "$0" "$@"
fi
DRIVER=${BENCH_PODMAN_DRIVER:-overlay}
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root" >&2; exit 1; }
bash "$REPO/scripts/deps.sh"
command -v podman >/dev/null || { echo "bench: podman is not installed" >&2; exit 1; }

if [[ -z ${SERVIN:-} ]]; then
  (cd "$REPO" && { [[ -f build-release/build.ninja ]] ||
    meson setup build-release -Dbuildtype=release -Dtests=false -Dc_link_args=-s >/dev/null; } &&
    ninja -C build-release servin servin-runtime servin-init >/dev/null)
  SERVIN=$REPO/build-release/servin
fi
[[ -x $SERVIN ]] || { echo "bench: $SERVIN not built" >&2; exit 1; }

work=$(mktemp -d "${BENCH_TMP:-/var/tmp}/servin-bench.XXXXXX")
SV="$SERVIN --root $work/servin/data --runroot $work/servin/run"
PM="podman --root $work/podman/root --runroot $work/podman/run --storage-driver $DRIVER"

# the processes of ours: servin monitors holding something under $work open, and conmons
# whose command line names $work
our_procs() {
  local p
  for p in $(pgrep -x servin-monitor) $(pgrep -x conmon); do
    if tr '\0' ' ' 2>/dev/null </proc/"$p"/cmdline | grep -q "$work/" ||
      find /proc/"$p"/fd -mindepth 1 -printf '%l\n' 2>/dev/null | grep -q "^$work/"; then
      echo "$p"
    fi
  done
  return 0
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  echo
  echo "== cleanup"
  if [[ -d $work/servin/data ]]; then
    $SV rm -f --all >/dev/null 2>&1 || echo "bench: servin rm -f --all failed" >&2
  fi
  if [[ -d $work/podman ]]; then
    $PM rm -af -t 0 >/dev/null 2>&1
    $PM system reset -f >/dev/null 2>&1 || echo "bench: podman system reset failed" >&2
  fi
  # monitors and conmons end with their containers; give them a moment, then end them
  local p left
  for _ in $(seq 50); do
    left=$(our_procs)
    [[ -z $left ]] && break
    sleep 0.1
  done
  for p in $left; do
    echo "bench: LEAK: $(ps -o pid=,comm= -p "$p") still running; killing it" >&2
    kill -9 "$p" 2>/dev/null
  done
  local mnts
  mnts=$(awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  if [[ -n $mnts ]]; then
    echo "bench: LEAK: mounts left under $work; unmounting:" >&2
    echo "$mnts" >&2
    echo "$mnts" | xargs -r -n1 umount -l
  fi
  rm -rf --one-file-system "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load() { cut -d' ' -f1-3 /proc/loadavg; }

# --- crun needs a v1 hugetlb hierarchy on this hybrid host ----------------------------
if [[ -d /sys/fs/cgroup/unified ]] && ! grep -q ' /sys/fs/cgroup/hugetlb ' /proc/self/mountinfo; then
  echo "bench: GLOBAL CHANGE: mounting the hugetlb cgroup v1 hierarchy at /sys/fs/cgroup/hugetlb (crun 1.8, podman's runtime, needs it on this hybrid host); it stays mounted" >&2
  mkdir -p /sys/fs/cgroup/hugetlb
  mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
fi

# --- podman's own configuration ---------------------------------------------------------
mkdir -p "$work/podman/tmp"
cat >"$work/containers.conf" <<EOF
[containers]
# this machine's hard limits are lower than podman's defaults
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/podman/events.log"
tmp_dir = "$work/podman/tmp"
EOF
export CONTAINERS_CONF=$work/containers.conf

# --- the image: one busybox rootfs tarball, imported into both -------------------------------
bash "$REPO/scripts/make-rootfs.sh" "$work/rootfs"
if declare -F bench_rootfs_hook >/dev/null; then bench_rootfs_hook "$work/rootfs"; fi
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
$SV import --change 'CMD ["/bin/sh"]' "$work/rootfs.tar" busybox >/dev/null
$PM import -q --change 'CMD ["/bin/sh"]' "$work/rootfs.tar" localhost/busybox >/dev/null
# podman first (see above)
$PM run --rm busybox true </dev/null >/dev/null || { echo "bench: podman run fails" >&2; exit 1; }
printf '== servin %s (%s)\n== %s, runtime %s, storage driver %s\n' \
  "$($SV version 2>/dev/null | awk 'NR == 1 {print $NF}')" "$SERVIN" "$(podman --version)" \
  "$($PM info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}' | head -1)" \
  "$($PM info --format '{{.Store.GraphDriverName}}')"

