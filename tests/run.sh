#!/bin/bash
# The single test command of Servin (see README.md).
#
#   1. installs missing dependencies (scripts/deps.sh, quiet when satisfied)
#   2. builds `build` with --werror, runs the cmocka unit tests (meson test --suite unit)
#      and the bats integration tests (tests/integration/*.bats, TAP) against
#      build/servin-runtime, inside a private network namespace
#   3. builds `build-asan` (-Db_sanitize=address,undefined) and runs unit + integration
#      tests again against the sanitized binary
#
# Ends with exactly one line `N passed, M failed[, K skipped]` counting unit and
# integration tests of both passes, and exits non-zero if anything failed.
#
# Environment:
#   SERVIN_TEST_FILTER   regex passed to `bats --filter`
#   SERVIN_TEST_FILES    space-separated .bats files to run instead of all
#   SERVIN_SKIP_ASAN=1   skip the sanitizer pass (counted as one skipped item)
#   SERVIN_ASAN_LEAKS=0  run the sanitizer pass without LeakSanitizer
#   BATS_TEST_TIMEOUT    seconds before a hanging bats test is failed (default 180)
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

PASS=0 FAIL=0 SKIP=0
FAILED_NAMES=()
LOGDIR=$(mktemp -d /tmp/servin-testrun.XXXXXX)

say() { printf '==> %s\n' "$*"; }

note_fail() { FAIL=$((FAIL + 1)); FAILED_NAMES+=("$1"); }

# --- 1. dependencies --------------------------------------------------------
if ! bash scripts/deps.sh; then
  say "scripts/deps.sh failed"
  note_fail "deps"
fi

# --- helpers ------------------------------------------------------------------
# build DIR [meson options...]: configure (or reconfigure) and build; returns non-zero
# on failure after printing the log tail.
build() {
  local dir=$1; shift
  if [[ -f $dir/build.ninja ]]; then
    meson configure "$dir" -Dwerror=true "$@" >"$LOGDIR/$dir-configure.log" 2>&1 ||
      meson setup --wipe "$dir" --werror "$@" >"$LOGDIR/$dir-configure.log" 2>&1
  else
    meson setup "$dir" --werror "$@" >"$LOGDIR/$dir-configure.log" 2>&1
  fi || { say "meson setup $dir failed:"; tail -n 40 "$LOGDIR/$dir-configure.log"; return 1; }
  if ! meson compile -C "$dir" >"$LOGDIR/$dir-build.log" 2>&1; then
    say "build of $dir failed:"
    grep -E 'error|warning' "$LOGDIR/$dir-build.log" | head -n 60
    tail -n 20 "$LOGDIR/$dir-build.log"
    return 1
  fi
}

# counts "passed failed skipped" from meson's testlog.json (one JSON object a line)
UNIT_JQ='
    map(
      (.stdout // "") as $o
      | ($o | [scan("(?m)^ok [0-9]+[^\n]*")]) as $ok
      | ($o | [scan("(?m)^not ok [0-9]+[^\n]*")]) as $nok
      | if ($ok|length) + ($nok|length) > 0 then
          # cmocka prints a skipped case as "not ok N # SKIP name"
          { p: ($ok | map(select(test("# *(SKIP|skip)") | not)) | length),
            s: ($ok + $nok | map(select(test("# *(SKIP|skip)"))) | length),
            f: ($nok | map(select(test("# *(SKIP|skip)") | not)) | length),
            # a crash after some cases passed still fails the executable
            x: (if (.result == "OK" or .result == "SKIP" or .result == "EXPECTEDFAIL") then 0 else 1 end) }
        else
          { p: (if .result == "OK" or .result == "EXPECTEDFAIL" then 1 else 0 end),
            s: (if .result == "SKIP" then 1 else 0 end),
            f: (if .result == "OK" or .result == "EXPECTEDFAIL" or .result == "SKIP" then 0 else 1 end),
            x: 0 }
        end
     
    ) as $r
    | "\($r | map(.p) | add // 0) \($r | map(.f + (if .f == 0 then .x else 0 end)) | add // 0) \($r | map(.s) | add // 0)"
  '

# unit DIR LABEL: run meson's unit suite and count results. cmocka's TAP output
# (CMOCKA_MESSAGE_OUTPUT=TAP) lets us count individual test cases; an executable
# whose output has no TAP lines counts as one test with meson's verdict.
unit() {
  local dir=$1 label=$2
  if ! meson introspect --tests "$dir" | jq -e 'map(select(.suite | map(test("(^|:)unit$")) | any)) | length > 0' >/dev/null 2>&1; then
    # a suite that doesn't exist yet is reported, not silently ignored
    say "[$label] no unit tests registered in $dir (suite 'unit' is empty)"
    return 0
  fi
  rm -f "$dir/meson-logs/testlog.json"
  CMOCKA_MESSAGE_OUTPUT=TAP meson test -C "$dir" --suite unit --no-rebuild --print-errorlogs \
    >"$LOGDIR/$label-unit.log" 2>&1
  local rc=$?
  if [[ ! -s $dir/meson-logs/testlog.json ]]; then
    say "[$label] meson test produced no testlog (rc=$rc):"; tail -n 30 "$LOGDIR/$label-unit.log"
    note_fail "$label:unit"; return
  fi
  local counts
  counts=$(jq -rs "$UNIT_JQ" "$dir/meson-logs/testlog.json") || { note_fail "$label:unit(parse)"; return; }
  local p f s
  read -r p f s <<<"$counts"
  jq -r 'select(.result != "OK" and .result != "SKIP" and .result != "EXPECTEDFAIL") | .name' \
    "$dir/meson-logs/testlog.json" | while read -r n; do echo "FAILED unit: $label:$n"; done
  [[ $f -gt 0 ]] && { say "[$label] unit failures:"; grep -E '^(not ok|FAIL|ERROR)|\[  (FAILED|ERROR) ' "$LOGDIR/$label-unit.log" | head -n 40; FAILED_NAMES+=("$label:unit($f)"); }
  PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
  say "[$label] unit: $p passed, $f failed, $s skipped"
}

# integ LABEL RUNTIME: run the bats files against RUNTIME and count TAP lines.
integ() {
  local label=$1 runtime=$2
  local files
  if [[ -n ${SERVIN_TEST_FILES:-} ]]; then
    read -ra files <<<"$SERVIN_TEST_FILES"
  else
    files=(tests/integration/*.bats)
  fi
  local filter=()
  [[ -n ${SERVIN_TEST_FILTER:-} ]] && filter=(--filter "$SERVIN_TEST_FILTER")
  local tap=$LOGDIR/$label-bats.tap
  # a test that hangs fails instead of stalling the run
  export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-180}
  # bats is given no stdin: tests must not depend on a terminal
  # in a network namespace of the run's own (loopback up): containers on
  # the default network, registries on 127.0.0.1 and the peers' networks
  # never touch the machine's network
  SERVIN_RUNTIME=$runtime unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh \
    bats --tap "${filter[@]}" "${files[@]}" </dev/null 2>&1 | tee "$tap"
  local p f s
  p=$(grep -E '^ok [0-9]+' "$tap" | grep -viE '# skip' | wc -l)
  s=$(grep -E '^ok [0-9]+' "$tap" | grep -ciE '# skip')
  f=$(grep -cE '^not ok [0-9]+' "$tap")
  local plan
  plan=$(grep -m1 -oE '^1\.\.[0-9]+' "$tap" | cut -d. -f3)
  if [[ -n $plan ]] && ((p + s + f < plan)); then
    # bats died part way: the tests that never reported count as failed
    say "[$label] bats reported $((p + s + f)) of $plan planned tests"
    f=$((plan - p - s))
  elif [[ -z $plan ]]; then
    say "[$label] bats printed no plan"; f=$((f + 1))
  fi
  grep -E '^not ok [0-9]+' "$tap" | sed "s/^/FAILED integration [$label]: /"
  ((f > 0)) && FAILED_NAMES+=("$label:integration($f)")
  PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
  say "[$label] integration: $p passed, $f failed, $s skipped"
}

# asan_reports DIR LABEL: sanitizer reports (one file per reporting process) are
# grouped by the project frames of their first stack; each distinct one is a failure.
asan_reports() {
  local dir=$1 label=$2 f sig n=0
  declare -A seen=()
  for f in "$dir"/*; do
    [[ -s $f ]] || continue
    sig=$(grep -m1 -E 'ERROR: |runtime error' "$f" | sed -E 's/==[0-9]+==//; s/0x[0-9a-f]+//g; s/[0-9]+ byte\(s\)//g')
    # the first project frames past the allocation/error helpers tell the leak sites apart
    sig+=" @ $(grep -oE 'in [A-Za-z0-9_]+ [^ ]*src/[^ :]+' "$f" | grep -vE 'libsanitizer|src/util/(xalloc|err)\.c' | head -n 3 | tr '\n' ' ')"
    [[ -n ${seen[$sig]:-} ]] && { seen[$sig]=$((seen[$sig] + 1)); continue; }
    seen[$sig]=1
    n=$((n + 1))
    say "[$label] sanitizer finding $n (first seen in $f):"
    head -n 30 "$f"
  done
  for sig in "${!seen[@]}"; do
    echo "FAILED sanitizer [$label] (${seen[$sig]} report(s)): $sig"
  done
  if ((n > 0)); then FAIL=$((FAIL + n)); FAILED_NAMES+=("$label:sanitizer($n distinct)")
  else PASS=$((PASS + 1)); fi
  say "[$label] sanitizer: $n distinct finding(s) in $(find "$dir" -type f -size +0 | wc -l) report(s)"
}

# --- 2. normal build ---------------------------------------------------------
say "building build/ (--werror)"
if build build; then
  unit build plain
  if [[ -x build/servin-runtime ]]; then
    integ plain "$REPO/build/servin-runtime"
  else
    say "SKIP integration [plain]: build/servin-runtime was not built (no CLI sources yet)"
    SKIP=$((SKIP + 1))
  fi
else
  note_fail "build"
fi

# --- 3. sanitizer build ------------------------------------------------------
if [[ ${SERVIN_SKIP_ASAN:-0} == 1 ]]; then
  say "SKIP sanitizer pass: SERVIN_SKIP_ASAN=1"
  SKIP=$((SKIP + 1))
else
  say "building build-asan/ (-Db_sanitize=address,undefined, --werror)"
  if build build-asan -Db_sanitize=address,undefined; then
    ASAN_LOGS=$LOGDIR/asan
    mkdir -p "$ASAN_LOGS"
    # reports go to files (not the container's stderr) and each report fails the run
    # SERVIN_ASAN_LEAKS=0 turns LeakSanitizer off
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=${SERVIN_ASAN_LEAKS:-1}:log_path=$ASAN_LOGS/asan:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:log_path=$ASAN_LOGS/ubsan}
    unit build-asan asan
    if [[ -x build-asan/servin-runtime ]]; then
      integ asan "$REPO/build-asan/servin-runtime"
    else
      say "SKIP integration [asan]: build-asan/servin-runtime was not built (no CLI sources yet)"
      SKIP=$((SKIP + 1))
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS
    asan_reports "$ASAN_LOGS" asan
  else
    note_fail "build-asan"
  fi
fi

if ((FAIL > 0)); then
  say "failures: ${FAILED_NAMES[*]}"
  say "logs kept in $LOGDIR"
else
  rm -rf "$LOGDIR"
fi
line="$PASS passed, $FAIL failed"
((SKIP > 0)) && line+=", $SKIP skipped"
echo "$line"
((FAIL == 0))
