# Shared helpers of Servin's bats integration tests.
#
# RUNTIME is the OCI runtime under test: $SERVIN_RUNTIME, or build/servin-runtime.
# The tests also pass against runc (SERVIN_RUNTIME=$(command -v runc)); where runc
# differs from what we expect of Servin a comment says so.
#
# Each test gets:
#   TESTDIR   its own temporary directory
#   ROOT      a --root state directory inside it
#   BUNDLE    $TESTDIR/bundle (made by make_bundle)
#   CID       a unique container id (new_id makes more)
# and teardown kills and deletes whatever the test left behind, then fails the test
# if a mount under TESTDIR, a cgroup directory named after one of its ids, or a
# process of its containers is left.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BATS_LIB=${BATS_LIB:-/usr/lib/bats}
load "$BATS_LIB/bats-support/load"
load "$BATS_LIB/bats-assert/load"

RUNTIME=${SERVIN_RUNTIME:-$REPO/build/servin-runtime}
# The engine CLI and the --init binary of the same build as the runtime.
SERVIN=${SERVIN:-$(dirname "$RUNTIME")/servin}
SERVIN_INIT=${SERVIN_INIT:-$(dirname "$RUNTIME")/servin-init}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# rt ARGS...: the runtime with this test's --root.
rt() {
  "$RUNTIME" --root "$ROOT" "$@"
}

# runtime_is NAME: true when the runtime under test is NAME (runc, crun, servin)
runtime_is() {
  local b
  b=$(basename "$RUNTIME")
  case $1 in
    servin) [[ $b == servin-runtime* ]] ;;
    *) [[ $b == "$1"* ]] ;;
  esac
}

# require_cmd CMD...: skip loudly unless each command exists
require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "needs '$c' (not installed; run scripts/deps.sh)"
  done
}

_IDS=()
# new_id: print a fresh container id and remember it for teardown.
# (call as `id=$(new_id)` loses the record, so use `new_id VAR`)
new_id() {
  local __v=$1
  local id="sv${BATS_TEST_NUMBER}-$$-${RANDOM}${RANDOM}"
  _IDS+=("$id")
  printf -v "$__v" '%s' "$id"
}

common_setup() {
  [[ $(id -u) -eq 0 ]] || skip "integration tests need root (creating namespaces, cgroups, mounts)"
  [[ -x $RUNTIME ]] || skip "runtime under test not built: $RUNTIME does not exist (build with meson, or set SERVIN_RUNTIME)"
  [[ -x $BUSYBOX ]] || skip "needs $BUSYBOX (apt-get install busybox-static)"
  TESTDIR=$(mktemp -d /tmp/servin-bats.XXXXXX)
  # user-namespaced containers must be able to reach their rootfs
  chmod 0755 "$TESTDIR"
  ROOT=$TESTDIR/state
  BUNDLE=$TESTDIR/bundle
  mkdir -p "$ROOT"
  _IDS=()
  new_id CID
}

# fd 3 is bats' own output: every background container must close it or bats waits
# for it forever. All container invocations below close it.

common_teardown() {
  [[ -n ${TESTDIR:-} && -d $TESTDIR ]] || return 0
  local id leaks=() ids=("${_IDS[@]}")
  # containers the runtime knows about under our --root
  if [[ -d $ROOT ]]; then
    local d
    for d in "$ROOT"/*/; do
      [[ -d $d ]] && ids+=("$(basename "$d")")
    done
  fi
  for id in $(printf '%s\n' "${ids[@]}" | sort -u); do
    [[ -n $id ]] || continue
    "$RUNTIME" --root "$ROOT" resume "$id" >/dev/null 2>&1 3>&- || true
    "$RUNTIME" --root "$ROOT" kill "$id" KILL >/dev/null 2>&1 3>&- || true
    "$RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 3>&- || true
  done
  # leaks: mounts under the test dir
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    grep -q " $TESTDIR" /proc/self/mountinfo || break
    sleep 0.1
  done
  if grep -q " $TESTDIR" /proc/self/mountinfo; then
    leaks+=("mounts: $(grep " $TESTDIR" /proc/self/mountinfo | awk '{print $5}' | tr '\n' ' ')")
    grep " $TESTDIR" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  fi
  # cgroup directories named after an id
  for id in "${_IDS[@]}"; do
    local cg
    cg=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "*$id*" 2>/dev/null | head -n 5)
    if [[ -n $cg ]]; then
      leaks+=("cgroups: $cg")
      echo "$cg" | while read -r c; do rmdir "$c" 2>/dev/null || true; done
    fi
  done
  # processes still running from the test's bundle (a killed process may
  # need a moment to finish exiting after delete removed its cgroup)
  local pids
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    pids=$(_pids_in_testdir)
    [[ -z $pids ]] && break
    sleep 0.1
  done
  if [[ -n $pids ]]; then
    leaks+=("processes: $(for p in $pids; do echo -n "$p($(tr "\0" " " </proc/$p/cmdline 2>/dev/null)) "; done)")
    kill -9 $pids 2>/dev/null || true
  fi
  # state left for deleted containers
  for id in "${_IDS[@]}"; do
    [[ -e $ROOT/$id ]] && leaks+=("state dir: $ROOT/$id")
  done
  rm -rf --one-file-system "$TESTDIR" 2>/dev/null || true
  if ((${#leaks[@]})) && [[ -z ${SERVIN_ALLOW_LEAKS:-} ]]; then
    printf 'LEAK after test: %s\n' "${leaks[@]}" >&2
    return 1
  fi
}

# pids of processes in a cgroup named after one of the test's container ids
# (a pivot_root'ed process's /proc/PID/root does not show its rootfs, so cgroups it is)
_pids_in_testdir() {
  local p re
  ((${#_IDS[@]})) || return 0
  re=$(IFS='|'; echo "${_IDS[*]}")
  for p in /proc/[0-9]*; do
    grep -qE "($re)" "$p/cgroup" 2>/dev/null || continue
    # zombies wait for the host's init to reap them; they hold nothing
    grep -q '^State:.*Z' "$p/status" 2>/dev/null && continue
    echo -n "${p#/proc/} "
  done
  return 0
}

# make_bundle [DIR]: a busybox bundle at DIR (default $BUNDLE): rootfs from the host's
# busybox-static plus a config.json from `$RUNTIME spec`, edited to be non-interactive,
# writable, and run `true`.
make_bundle() {
  local b=${1:-$BUNDLE}
  local tmpl=${BATS_RUN_TMPDIR:-$TESTDIR}/rootfs-template
  if [[ ! -e $tmpl/.done ]]; then
    rm -rf "$tmpl"
    bash "$REPO/scripts/make-rootfs.sh" "$tmpl" >&2 || return 1
    touch "$tmpl/.done"
  fi
  mkdir -p "$b"
  cp -a "$tmpl" "$b/rootfs"
  rm -f "$b/rootfs/.done"
  (cd "$b" && "$RUNTIME" spec 3>&-) || { echo "'$RUNTIME spec' failed" >&2; return 1; }
  [[ -s $b/config.json ]] || { echo "'$RUNTIME spec' wrote no config.json" >&2; return 1; }
  update_config '.process.terminal = false
    | .root.readonly = false
    | .process.args = ["true"]' "$b"
}

# update_config JQ [BUNDLE]: edit config.json with a jq filter
update_config() {
  local b=${2:-$BUNDLE}
  jq "$1" "$b/config.json" >"$b/config.json.new" || { echo "jq failed: $1" >&2; return 1; }
  mv "$b/config.json.new" "$b/config.json"
}

# set_args ARG...: set process.args
set_args() {
  local j
  j=$(jq -cn '$ARGS.positional' --args -- "$@")
  update_config ".process.args = $j"
}

# set_cmd 'shell command': process.args = ["sh","-c",CMD]
set_cmd() {
  set_args sh -c "$1"
}

# run_ctr [ID]: `run` the bundle in the foreground with bats' `run` (output+status)
run_ctr() {
  local id=${1:-$CID}
  run "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$id" </dev/null 3>&-
}

# create_ctr [ID] [BUNDLE]: `create` with stdout/stderr into files; fails the test on error
create_ctr() {
  local id=${1:-$CID} b=${2:-$BUNDLE}
  if ! "$RUNTIME" --root "$ROOT" create --bundle "$b" "$id" \
    </dev/null >"$TESTDIR/$id.out" 2>"$TESTDIR/$id.err" 3>&-; then
    echo "create $id failed:" >&2
    cat "$TESTDIR/$id.err" "$TESTDIR/$id.out" >&2
    return 1
  fi
}

# start_detached [ID] [BUNDLE]: create + start a long-running container
start_detached() {
  local id=${1:-$CID}
  create_ctr "$@" || return 1
  rt start "$id" 3>&- || return 1
}

# ctr_out [ID]: what the container printed (create/run -d write to files)
ctr_out() {
  cat "$TESTDIR/${1:-$CID}.out"
}

# wait_for_status ID STATUS [TRIES]: poll `state` until status is STATUS
wait_for_status() {
  local id=$1 want=$2 tries=${3:-50} s
  while ((tries-- > 0)); do
    s=$(rt state "$id" 2>/dev/null | jq -r .status 2>/dev/null)
    [[ $s == "$want" ]] && return 0
    sleep 0.1
  done
  echo "container $id status is '$s', expected '$want'" >&2
  return 1
}

# wait_for_file FILE [TRIES]
wait_for_file() {
  local f=$1 tries=${2:-50}
  while ((tries-- > 0)); do
    [[ -e $f ]] && return 0
    sleep 0.1
  done
  echo "timed out waiting for $f" >&2
  return 1
}

# ctr_pid ID: pid of the container's init process
ctr_pid() {
  rt state "${1:-$CID}" | jq -r .pid
}

# cgroup_dir PID CONTROLLER: the v1 cgroup directory of PID for CONTROLLER
# ("" = the unified hierarchy)
cgroup_dir() {
  local pid=$1 ctl=$2 line
  if [[ -z $ctl ]]; then
    line=$(grep '^0::' "/proc/$pid/cgroup") || return 1
    echo "/sys/fs/cgroup/unified${line#0::}"
    return
  fi
  line=$(grep -E "^[0-9]+:([^:]*,)?$ctl(,[^:]*)?:" "/proc/$pid/cgroup") || return 1
  echo "/sys/fs/cgroup/$ctl${line#*:*:}"
}

cgroup_v1() {
  grep -q ' /sys/fs/cgroup/memory ' /proc/self/mountinfo
}

# proc_gone PID [TRIES]: wait until PID no longer runs (gone, or a zombie nobody reaps)
proc_gone() {
  local p=$1 tries=${2:-50}
  while ((tries-- > 0)); do
    [[ -e /proc/$p ]] || return 0
    grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "process $p still running: $(grep State "/proc/$p/status" 2>/dev/null)" >&2
  return 1
}

# run_create ARGS...: like `run rt create ARGS...`, but the output goes through a file:
# a container created when the test expected an error must make the test fail, not
# hang bats by holding its output pipe open
run_create() {
  local rc=0
  rt create "$@" </dev/null >"$TESTDIR/create.out" 2>&1 3>&- || rc=$?
  run cat "$TESTDIR/create.out"
  status=$rc
}
