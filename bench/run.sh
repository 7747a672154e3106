#!/bin/bash
# bench/run.sh: the container engine against podman, side by side in one run (issue 4):
#   1. `run --rm busybox true` on each engine's default network (hyperfine -N, BENCH_RUNS
#      runs each);
#   2. 100 containers created, started and removed in a row (`create`, `start`, `rm -f`
#      each), one shell loop per engine, timed by hyperfine (BENCH_LOOP_RUNS runs);
#   3. `ps -a` with 1,000 exited containers in each engine (made with `run -d --name psN
#      busybox true`, two at a time, before the timing; BENCH_PS_RUNS runs each).
# Prints the means, the servin/podman ratios (target: each <= 0.1) and the load average
# seen before each measurement (the machine is shared: differences under ~15% are noise).
#
#   bash bench/run.sh                 # BENCH_RUNS=30 BENCH_LOOP_RUNS=3 BENCH_PS_RUNS=10
#   BENCH_RUNS=100 BENCH_PODMAN_LOOP_RUNS=1 bash bench/run.sh
#   SERVIN=/path/to/servin bash bench/run.sh
#
# Knobs: BENCH_RUNS, BENCH_WARMUP (3), BENCH_LOOP_N (100), BENCH_LOOP_RUNS (3),
# BENCH_PODMAN_LOOP_RUNS (= BENCH_LOOP_RUNS), BENCH_PS_N (1000), BENCH_PS_RUNS (10),
# BENCH_PODMAN_DRIVER (overlay), BENCH_TMP (/var/tmp: where the temporary roots go).
#
# Servin is measured as shipped: a release build (-O3, stripped) in build-release, unless
# SERVIN names a binary (servin-init is taken from next to it).  Podman is Debian's podman
# with its default OCI runtime (crun), the overlay storage driver, its own --root and
# --runroot in the temporary directory and its own containers.conf (this machine's
# ulimits, cgroupfs, an events file).  Both engines get their image from an import of the
# same busybox rootfs tarball (scripts/make-rootfs.sh); nothing is downloaded.
# Everything goes at the end: the containers, podman's storage (`system reset -f`), any
# mount left under the temporary directory, and any conmon or servin-monitor of ours.
#
# GLOBAL CHANGE (as bench/runtime.sh): crun 1.8 refuses this host's hybrid cgroup layout
# unless hugetlb is mounted as a v1 hierarchy.  When /sys/fs/cgroup/hugetlb is not
# mounted, this script mounts it (and says so) and leaves it mounted: once cgroups exist in
# a v1 hierarchy, unmounting it does not give the controller back to the unified one.
# SV and PM are command lines, split on purpose
# shellcheck disable=SC2086
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
LOOP_N=${BENCH_LOOP_N:-100}
LOOP_RUNS=${BENCH_LOOP_RUNS:-3}
PM_LOOP_RUNS=${BENCH_PODMAN_LOOP_RUNS:-$LOOP_RUNS}
PS_N=${BENCH_PS_N:-1000}
PS_RUNS=${BENCH_PS_RUNS:-10}
DRIVER=${BENCH_PODMAN_DRIVER:-overlay}

source "$REPO/bench/engines.sh"

S_RUN="$SV run --rm busybox true"
P_RUN="$PM run --rm busybox true"
# both must work before anything is timed
for c in "$P_RUN" "$S_RUN"; do
    $c </dev/null || { echo "bench: '$c' fails" >&2; exit 1; }
done

mean() { jq -r --arg c "$1" '.results[] | select(.command == $c) | .mean' "$2"; }
sdev() { jq -r --arg c "$1" '.results[] | select(.command == $c) | .stddev // 0' "$2"; }
declare -A res ld

# --- 1. run --rm busybox true, no network --------------------------------------------------
ld[run]=$(load)
echo
echo "== 1. run --rm busybox true, default network ($RUNS runs each after $WARMUP warmups; load ${ld[run]})"
hyperfine -N --style basic -w "$WARMUP" -r "$RUNS" --export-json "$work/run.json" \
  -n servin "$S_RUN" -n podman "$P_RUN"
for n in servin podman; do res[run-$n]=$(mean "$n" "$work/run.json"); done

# --- 2. N x create + start + rm -f ---------------------------------------------------------------
# one loop per engine, the same commands in each (podman's rm -f gets -t 0: kill at once,
# which is what docker's and servin's rm -f do)
cat >"$work/loop-servin.sh" <<EOF
#!/bin/bash
set -e
for ((i = 0; i < $LOOP_N; i++)); do
  id=\$($SV create busybox true)
  $SV start "\$id" >/dev/null
  $SV rm -f "\$id" >/dev/null
done
EOF
cat >"$work/loop-podman.sh" <<EOF
#!/bin/bash
set -e
for ((i = 0; i < $LOOP_N; i++)); do
  id=\$($PM create busybox true)
  $PM start "\$id" >/dev/null
  $PM rm -f -t 0 "\$id" >/dev/null
done
EOF
ld[loop]=$(load)
echo
echo "== 2. $LOOP_N x (create, start, rm -f) in a row (servin $LOOP_RUNS runs, podman $PM_LOOP_RUNS; load ${ld[loop]})"
hyperfine -N --style basic -r "$LOOP_RUNS" --export-json "$work/loop-servin.json" \
  -n servin "bash $work/loop-servin.sh"
hyperfine -N --style basic -r "$PM_LOOP_RUNS" --export-json "$work/loop-podman.json" \
  -n podman "bash $work/loop-podman.sh"
for n in servin podman; do res[loop-$n]=$(mean "$n" "$work/loop-$n.json"); done
[[ -z $($SV ps -aq) && -z $($PM ps -aq) ]] || { echo "bench: the loops left containers" >&2; exit 1; }

# --- 3. ps -a with N exited containers ------------------------------------------------------------
echo
echo "== 3. making $PS_N exited containers in each engine (run -d --name psN busybox true, 2 at a time)"
# named: servin's generated names (24 adjectives x 22 names) run out after 528 containers
t0=$(date +%s.%N)
seq "$PS_N" | xargs -P2 -I{} $SV run -d --name ps{} busybox true >/dev/null
t1=$(date +%s.%N)
seq "$PS_N" | xargs -P2 -I{} $PM run -d --name ps{} busybox true >/dev/null
t2=$(date +%s.%N)
printf '   servin %.1f s, podman %.1f s\n' "$(echo "$t1 - $t0" | bc -l)" "$(echo "$t2 - $t1" | bc -l)"
# wait_exited N ENGINE...: until all N containers have exited (at most ~60 s); a container
# that stays "running" is reported, and ps -a is still timed over all N
wait_exited() {
  local n=$1 k=0
  shift
  for _ in $(seq 300); do
    k=$("$@" ps -a --filter status=exited -q | wc -l)
    ((k == n)) && return 0
    sleep 0.2
  done
  echo "bench: WARNING: ${1##*/}: only $k of $n containers exited (busybox true); the others:" >&2
  "$@" ps -a --filter status=running --format '{{.Names}} {{.Status}}' | head -5 >&2
  echo "   (ps -a is timed over all $n anyway)" >&2
}
wait_exited "$PS_N" $SV
wait_exited "$PS_N" $PM
for e in SV PM; do
  k=$(${!e} ps -a -q | wc -l)
  ((k == PS_N)) || { echo "bench: ${!e%% *}: $k containers, not $PS_N" >&2; exit 1; }
done
ld[ps]=$(load)
echo "== 3. ps -a with $PS_N exited containers ($PS_RUNS runs each after $WARMUP warmups; load ${ld[ps]})"
hyperfine -N --style basic -w "$WARMUP" -r "$PS_RUNS" --export-json "$work/ps.json" \
  -n servin "$SV ps -a" -n podman "$PM ps -a"
for n in servin podman; do res[ps-$n]=$(mean "$n" "$work/ps.json"); done

# --- the table ---------------------------------------------------------------------------------------
ms() { printf '%.1f ms' "$(echo "$1 * 1000" | bc -l)"; }
ratio() { printf '%.3f' "$(echo "$1 / $2" | bc -l)"; }
echo
echo "== summary (means; servin release build, podman $(podman --version | awk '{print $3}') + crun, $DRIVER)"
printf '%-44s %16s %16s %14s  %s\n' "" servin podman servin/podman "load (1/5/15 min)"
printf '%-44s %16s %16s %14s  %s\n' "run --rm busybox true, default network" \
  "$(ms "${res[run-servin]}")" "$(ms "${res[run-podman]}")" \
  "$(ratio "${res[run-servin]}" "${res[run-podman]}")" "${ld[run]}"
printf '%-44s %16s %16s %14s  %s\n' "$LOOP_N x create+start+rm -f: total" \
  "$(printf '%.2f s' "${res[loop-servin]}")" "$(printf '%.2f s' "${res[loop-podman]}")" \
  "$(ratio "${res[loop-servin]}" "${res[loop-podman]}")" "${ld[loop]}"
printf '%-44s %16s %16s %14s\n' "  per container" \
  "$(ms "$(echo "${res[loop-servin]} / $LOOP_N" | bc -l)")" \
  "$(ms "$(echo "${res[loop-podman]} / $LOOP_N" | bc -l)")" ""
printf '%-44s %16s %16s %14s  %s\n' "ps -a with $PS_N exited containers" \
  "$(ms "${res[ps-servin]}")" "$(ms "${res[ps-podman]}")" \
  "$(ratio "${res[ps-servin]}" "${res[ps-podman]}")" "${ld[ps]}"
echo "(target: each servin/podman <= 0.1)"
