#!/bin/bash
# bench/net.sh: networking against podman, side by side in one run (issue 5):
#   1. `run --rm busybox true` on each engine's default network (hyperfine -N,
#      BENCH_RUNS runs each; target: servin <= 0.1 x podman's time);
#   2. TCP throughput from one container to another on each engine's default network:
#      `iperf3 -s` in one container, `iperf3 -c ADDRESS -t BENCH_IPERF_SECONDS -J` in a
#      second, BENCH_IPERF_ROUNDS rounds alternating engines (target: servin >= 0.95 x
#      podman's throughput).
# Everything runs in a private network namespace (bench/engines.sh): both engines' bridges
# and NAT rules live and die there.  The image is the busybox rootfs of scripts/make-rootfs.sh
# plus the host's iperf3 with the shared libraries it needs (from ldd); nothing is
# downloaded.
#
#   bash bench/net.sh                 # BENCH_RUNS=30 BENCH_IPERF_SECONDS=5 BENCH_IPERF_ROUNDS=3
#   SERVIN=/path/to/servin bash bench/net.sh
#
# Knobs: BENCH_RUNS, BENCH_WARMUP (3), BENCH_IPERF_SECONDS, BENCH_IPERF_ROUNDS,
# BENCH_PODMAN_DRIVER (overlay), BENCH_TMP (/var/tmp).
# SV and PM are command lines, split on purpose
# shellcheck disable=SC2086
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
IPERF_SECONDS=${BENCH_IPERF_SECONDS:-5}
IPERF_ROUNDS=${BENCH_IPERF_ROUNDS:-3}

command -v iperf3 >/dev/null || { echo "bench: iperf3 is not installed (scripts/deps.sh)" >&2; exit 1; }

# iperf3 and its libraries, at the same paths as on the host
bench_rootfs_hook() {
  local root=$1 lib
  install -D -m 0755 "$(command -v iperf3)" "$root/usr/bin/iperf3"
  for lib in $(ldd "$(command -v iperf3)" | grep -oE '/[^ ]+'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

source "$REPO/bench/engines.sh"

mean() { jq -r --arg c "$1" '.results[] | select(.command == $c) | .mean' "$2"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# --- 1. run --rm busybox true, default network ----------------------------------------------
S_RUN="$SV run --rm busybox true"
P_RUN="$PM run --rm busybox true"
for c in "$P_RUN" "$S_RUN"; do
  $c </dev/null || { echo "bench: '$c' fails" >&2; exit 1; }
done
ld_run=$(load)
echo
echo "== 1. run --rm busybox true, default network ($RUNS runs each after $WARMUP warmups; load $ld_run)"
hyperfine -N --style basic -w "$WARMUP" -r "$RUNS" --export-json "$work/run.json" \
  -n servin "$S_RUN" -n podman "$P_RUN"
run_s=$(mean servin "$work/run.json")
run_p=$(mean podman "$work/run.json")

# --- 2. iperf3 container to container -------------------------------------------------------
# iperf ENGINE-COMMAND NAME: one round; prints bits per second received
iperf() {
  local e=$1 name=$2 ip bps
  $e run -d --name "$name" busybox iperf3 -s -1 >/dev/null
  ip=$($e inspect --format '{{.NetworkSettings.IPAddress}}' "$name")
  for _ in $(seq 50); do
    $e exec "$name" sh -c 'netstat -ltn | grep -q ":5201 "' && break
    sleep 0.1
  done
  bps=$($e run --rm busybox iperf3 -c "$ip" -t "$IPERF_SECONDS" -J |
    jq -r '.end.sum_received.bits_per_second')
  $e rm -f "$name" >/dev/null
  echo "$bps"
}
ld_iperf=$(load)
echo
echo "== 2. TCP throughput container -> container, iperf3 ${IPERF_SECONDS}s x $IPERF_ROUNDS rounds per engine (load $ld_iperf)"
sum_s=0 sum_p=0
for r in $(seq "$IPERF_ROUNDS"); do
  s=$(iperf "$SV" "iperf-s-$r")
  p=$(iperf "$PM" "iperf-p-$r")
  printf '   round %d: servin %.2f Gbit/s, podman %.2f Gbit/s\n' "$r" \
    "$(echo "$s / 1000000000" | bc -l)" "$(echo "$p / 1000000000" | bc -l)"
  sum_s=$(echo "$sum_s + $s" | bc -l)
  sum_p=$(echo "$sum_p + $p" | bc -l)
done

# --- the table ---------------------------------------------------------------------------------
ms() { printf '%.1f ms' "$(echo "$1 * 1000" | bc -l)"; }
gbit() { printf '%.2f Gbit/s' "$(echo "$1 / $IPERF_ROUNDS / 1000000000" | bc -l)"; }
echo
echo "== summary (means; servin release build, podman $(podman --version | awk '{print $3}') + crun + netavark)"
printf '%-44s %16s %16s %14s  %s\n' "" servin podman servin/podman "load (1/5/15 min)"
printf '%-44s %16s %16s %14s  %s\n' "run --rm busybox true, default network" \
  "$(ms "$run_s")" "$(ms "$run_p")" "$(printf '%.3f' "$(echo "$run_s / $run_p" | bc -l)")" "$ld_run"
printf '%-44s %16s %16s %14s  %s\n' "iperf3 TCP container -> container" \
  "$(gbit "$sum_s")" "$(gbit "$sum_p")" "$(printf '%.3f' "$(echo "$sum_s / $sum_p" | bc -l)")" "$ld_iperf"
echo "(targets: run <= 0.1; throughput >= 0.95)"
