# Helpers of the engine's bats files (containers, container-ops, volumes,
# system).  Load after helpers.bash.  Gives:
#   engine_setup      SROOT/SRUN (data and run roots) under this test's TESTDIR
#   busybox_tar       $TESTDIR/rootfs (busybox from scripts/make-rootfs.sh);
#                     call import_busybox after changing it
#   import_busybox    `servin import` of $TESTDIR/rootfs as `busybox`, CMD sh
#   sv ARGS...        servin with this test's roots
#   root_monitors     pids of the monitors of this test's roots
#   engine_teardown   removes every container, then fails on a leaked monitor
#                     or mount of this test's roots, then common_teardown

engine_setup() {
  common_setup
  [[ -x $SERVIN ]] || skip "servin not built: $SERVIN"
  SROOT=$TESTDIR/data
  SRUN=$TESTDIR/run
}

busybox_tar() {
  "$REPO/scripts/make-rootfs.sh" "$TESTDIR/rootfs" >/dev/null
}

import_busybox() {
  tar -C "$TESTDIR/rootfs" -cf "$TESTDIR/rootfs.tar" .
  sv import --change 'CMD ["/bin/sh"]' "$TESTDIR/rootfs.tar" busybox >/dev/null
}

sv() {
  "$SERVIN" --root "$SROOT" --runroot "$SRUN" "$@"
}

# the monitors of this test's root: they hold their run directory open
root_monitors() {
  local p
  for p in $(pgrep -x servin-monitor); do
    ls -l /proc/$p/fd 2>/dev/null | grep -q " $SRUN/" && echo "$p"
  done
  return 0
}

# no monitor or mount of this root may outlive its containers
check_engine_leaks() {
  local leaks=() p i
  # a monitor deletes its container's veth pairs after reporting the exit
  for i in $(seq 30); do
    [[ -z $(root_monitors) ]] && break
    sleep 0.1
  done
  for p in $(root_monitors); do leaks+=("monitor $p"); done
  grep -q " $SRUN" /proc/self/mountinfo && leaks+=("mounts: $(grep " $SRUN" /proc/self/mountinfo | awk '{print $5}')")
  ((${#leaks[@]} == 0)) || { printf 'ENGINE LEAK: %s\n' "${leaks[@]}" >&2; return 1; }
}

engine_teardown() {
  if [[ -x $SERVIN && -d ${SROOT:-/nonexistent} ]]; then
    sv rm -f --all >/dev/null 2>&1 || true
  fi
  local ret=0
  check_engine_leaks || ret=1
  common_teardown || ret=1
  return $ret
}
