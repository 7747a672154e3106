#!/bin/bash
# bench/runtime.sh: `run` of a busybox bundle running /bin/true, side by side in one
# hyperfine run: servin-runtime, crun and runc (each with its own --root and a unique
# container id per run), plus each runtime's peak RSS from /usr/bin/time -v.
#
#   bash bench/runtime.sh            # BENCH_RUNS=50 runs each after 5 warmups
#   SERVIN=/path/to/servin-runtime BENCH_RUNS=200 bash bench/runtime.sh
#
# Servin is measured as shipped: a release build (-O3, stripped) in build-release,
# unless SERVIN names a binary.
#
# GLOBAL CHANGE: crun 1.8 refuses this host's hybrid cgroup layout unless hugetlb is
# mounted as a v1 hierarchy. When crun is benchmarked and /sys/fs/cgroup/hugetlb is
# not mounted, this script mounts it (and says so) and leaves it mounted: once
# cgroups exist in a v1 hierarchy, unmounting it does not give the controller back
# to the unified hierarchy, so an unmount would leave hugetlb usable by nobody.
# Set BENCH_NO_CRUN=1 to leave crun (and the host) alone.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-50}
WARMUP=${BENCH_WARMUP:-5}

bash "$REPO/scripts/deps.sh"
if [[ -z ${SERVIN:-} ]]; then
  (cd "$REPO" && { [[ -f build-release/build.ninja ]] ||
    meson setup build-release -Dbuildtype=release -Dtests=false -Dc_link_args=-s >/dev/null; } &&
    ninja -C build-release servin-runtime >/dev/null)
  SERVIN=$REPO/build-release/servin-runtime
fi
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root" >&2; exit 1; }

work=$(mktemp -d /tmp/servin-bench.XXXXXX)
# state roots live on tmpfs, where every runtime keeps them by default (/run)
roots=$(mktemp -d /run/servin-bench.XXXXXX)
cleanup() {
  local r
  for r in "$roots"/root-*; do
    [[ -d $r ]] || continue
    local rt=${r##*/root-}
    local bin
    case $rt in servin) bin=$SERVIN ;; *) bin=$(command -v "$rt") ;; esac
    for id in $("$bin" --root "$r" list -q 2>/dev/null); do
      "$bin" --root "$r" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
  rm -rf --one-file-system "$work" "$roots"
}
trap cleanup EXIT

# --- which runtimes ------------------------------------------------------------
names=() bins=()
if [[ -x $SERVIN ]]; then names+=(servin); bins+=("$SERVIN")
else echo "bench: $SERVIN not built - servin left out" >&2; fi
if [[ -z ${BENCH_NO_CRUN:-} ]] && command -v crun >/dev/null; then names+=(crun); bins+=("$(command -v crun)"); fi
if command -v runc >/dev/null; then names+=(runc); bins+=("$(command -v runc)"); fi
((${#names[@]})) || { echo "bench: no runtime to measure" >&2; exit 1; }

# --- crun needs a v1 hugetlb hierarchy on this hybrid host ----------------------------
if [[ " ${names[*]} " == *" crun "* ]] && [[ -d /sys/fs/cgroup/unified ]] &&
  ! grep -q ' /sys/fs/cgroup/hugetlb ' /proc/self/mountinfo; then
  echo "bench: GLOBAL CHANGE: mounting the hugetlb cgroup v1 hierarchy at /sys/fs/cgroup/hugetlb (crun 1.8 needs it on this hybrid host); it stays mounted" >&2
  mkdir -p /sys/fs/cgroup/hugetlb
  mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
fi

# --- the bundle: busybox rootfs, config from runc's `spec` -----------------------------
# (runc writes ociVersion 1.0.2-dev, which all three accept; crun 1.8 refuses 1.2.0)
bash "$REPO/scripts/make-rootfs.sh" "$work/bundle/rootfs"
spec_bin=$(command -v runc || echo "${bins[0]}")
(cd "$work/bundle" && "$spec_bin" spec)
jq '.process.terminal = false | .process.args = ["/bin/true"] | .root.readonly = true' \
  "$work/bundle/config.json" >"$work/bundle/c.json"
mv "$work/bundle/c.json" "$work/bundle/config.json"

# every runtime must actually run it before we time it
cmds=()
for i in "${!names[@]}"; do
  n=${names[$i]} b=${bins[$i]}
  mkdir -p "$roots/root-$n"
  if ! "$b" --root "$roots/root-$n" run --bundle "$work/bundle" "check-$n" </dev/null; then
    echo "bench: $n cannot run the bundle; left out" >&2
    unset 'names[i]' 'bins[i]'
    continue
  fi
  # `run` deletes the container when it exits, so one id serves every run and
  # hyperfine needs no shell (-N), which would add the same cost to every runtime
  cmds+=(-n "$n run" "$b --root $roots/root-$n run --bundle $work/bundle bench-$n")
done
names=("${names[@]}") bins=("${bins[@]}")

echo "== hyperfine: run of a busybox bundle running /bin/true ($RUNS runs each)"
hyperfine -N --style basic -w "$WARMUP" -r "$RUNS" --export-json "$work/hf.json" "${cmds[@]}"

echo
echo "== peak RSS (max of 10 runs, /usr/bin/time -v 'Maximum resident set size')"
declare -A mean rss
for i in "${!names[@]}"; do
  n=${names[$i]} b=${bins[$i]} max=0
  for k in $(seq 10); do
    kb=$(/usr/bin/time -v "$b" --root "$roots/root-$n" run --bundle "$work/bundle" "rss$k" </dev/null 2>&1 >/dev/null |
      awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
    ((kb > max)) && max=$kb
  done
  rss[$n]=$max
  mean[$n]=$(jq -r --arg c "$n run" '.results[] | select(.command == $c) | .mean * 1000' "$work/hf.json")
  printf '%-8s mean %8.2f ms   peak RSS %6.1f MB\n' "$n" "${mean[$n]}" "$(echo "$max / 1024" | bc -l)"
done

if [[ -n ${mean[servin]:-} ]]; then
  echo
  for peer in crun runc; do
    [[ -n ${mean[$peer]:-} ]] || continue
    printf 'ratio servin/%s: time %.2f   peak RSS %.2f\n' "$peer" \
      "$(echo "${mean[servin]} / ${mean[$peer]}" | bc -l)" \
      "$(echo "${rss[servin]} / ${rss[$peer]}" | bc -l)"
  done
fi
