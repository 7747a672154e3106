#!/usr/bin/env bats
# servin attach/top/stats/cp/export/commit/pause/unpause/port: commands on a
# container that exists.  Images come from `servin import` of a busybox
# rootfs (no registry needed).

load helpers
load engine-helpers

setup() {
  engine_setup
  busybox_tar
  import_busybox
}

teardown() {
  engine_teardown
}

# wait_for CMD...: retry CMD for up to 5 s
wait_for() {
  local _
  for _ in $(seq 50); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

@test "attach to a detached container sees its output and gets its exit code" {
  sv run -d --name talker busybox sh -c 'while [ ! -e /go ]; do sleep 0.1; done; echo to-out; echo to-err >&2; exit 7' >/dev/null
  "$SERVIN" --root "$SROOT" --runroot "$SRUN" attach talker >"$TESTDIR/attach.out" 2>&1 3>&- &
  apid=$!
  # output reaches clients the monitor knows: wait for the attach connection
  wait_for bash -c "ls -l /proc/$apid/fd | grep -q socket:"
  sleep 0.2
  sv exec talker touch /go
  wait $apid && status=0 || status=$?
  [[ $status == 7 ]]
  grep -qx to-out "$TESTDIR/attach.out"
  grep -qx to-err "$TESTDIR/attach.out"
  run sv attach talker
  [[ $status == 125 ]]
  assert_output --partial 'You cannot attach to a stopped container'
}

@test "top lists the container's processes, and only them" {
  # "; true": the shell stays, it does not exec its last command
  sv run -d --name topper busybox sh -c 'sleep 31 & sleep 32; true' >/dev/null
  wait_for sv exec topper sh -c 'ps | grep -q "[s]leep 32"'
  run sv top topper
  assert_success
  assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
  assert_line --partial 'sleep 31'
  assert_line --partial 'sleep 32'
  [[ ${#lines[@]} == 4 ]]
  refute_output --partial 'servin-monitor'
  run sv top topper -o pid,comm
  assert_success
  assert_line --index 0 --regexp '^ *PID +COMMAND$'
  [[ ${#lines[@]} == 4 ]]
  sv stop -t 0 topper >/dev/null
  run sv top topper
  [[ $status == 125 ]]
}

@test "stats --no-stream shows the memory limit and the pids of the container" {
  sv run -d --name hungry -m 48m busybox sh -c 'sleep 30 & sleep 31; true' >/dev/null
  wait_for sv exec hungry sh -c 'ps | grep -q "[s]leep 31"'
  run sv stats --no-stream
  assert_success
  assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +PIDS$'
  assert_line --index 1 --regexp '^[0-9a-f]{12} +hungry +[0-9.]+% +[0-9.]+[KM]iB / 48MiB +[0-9.]+% +3$'
  run sv stats --no-stream --format json hungry
  assert_success
  [[ $(jq -r .MemUsage <<<"$output") == *" / 48MiB" ]]
  [[ $(jq -r .Name <<<"$output") == hungry ]]
  run sv stats --no-stream --format '{{.Name}} {{.PIDs}}' hungry
  assert_output 'hungry 3'
}

@test "cp copies files and directories both ways, running or stopped, keeping modes" {
  mkdir -p "$TESTDIR/host/dir/sub"
  echo file-content >"$TESTDIR/host/file"
  chmod 0640 "$TESTDIR/host/file"
  echo deep >"$TESTDIR/host/dir/sub/deep"
  chmod 0751 "$TESTDIR/host/dir/sub"
  sv run -d --name box busybox sh -c 'mkdir -p /made/inner; echo made-at-run >/made/inner/f; chmod 600 /made/inner/f; sleep 60' >/dev/null
  wait_for sv exec box test -e /made/inner/f

  # into a running container: a file into a directory, a directory as a new name
  sv cp "$TESTDIR/host/file" box:/tmp/
  sv cp "$TESTDIR/host/dir" box:/copied
  run sv exec box sh -c 'cat /tmp/file; stat -c %a /tmp/file; cat /copied/sub/deep; stat -c %a /copied/sub'
  assert_output $'file-content\n640\ndeep\n751'

  # out of a running container
  sv cp box:/made "$TESTDIR/out"
  [[ $(cat "$TESTDIR/out/inner/f") == made-at-run ]]
  [[ $(stat -c %a "$TESTDIR/out/inner/f") == 600 ]]
  sv cp box:/made/inner/f "$TESTDIR/single"
  [[ $(cat "$TESTDIR/single") == made-at-run ]]
  # a tar stream on stdout and from stdin
  run bash -c "'$SERVIN' --root '$SROOT' --runroot '$SRUN' cp box:/made - | tar -t"
  assert_line made/inner/f
  tar -C "$TESTDIR/host" -cf - file | sv cp - box:/made
  run sv exec box cat /made/file
  assert_output file-content

  # a stopped container: its root is mounted for the copy, then unmounted
  sv stop -t 0 box >/dev/null
  sv cp "$TESTDIR/host/file" box:/while-stopped
  sv cp box:/while-stopped "$TESTDIR/back"
  [[ $(cat "$TESTDIR/back") == file-content ]]
  ! grep -q " $SRUN" /proc/self/mountinfo
  sv start box >/dev/null
  run sv exec box cat /while-stopped
  assert_output file-content

  run sv cp box:/nonexistent "$TESTDIR/x"
  [[ $status == 125 ]]
  assert_output --partial 'Could not find the file /nonexistent'
}

@test "cp never follows a symlink of the container onto the host" {
  sv run -d --name evil busybox sh -c 'ln -s / /escape; ln -s ../../../../../../ /up; sleep 60' >/dev/null
  wait_for sv exec evil test -L /up
  echo payload >"$TESTDIR/payload"
  marker=/tmp/servin-cp-escape-$$
  rm -f "$marker"
  sv cp "$TESTDIR/payload" "evil:/escape$marker"
  sv cp "$TESTDIR/payload" "evil:/up$marker" || true
  [[ ! -e $marker ]]
  # both landed inside the container's root instead
  run sv exec evil cat "$marker"
  assert_output payload
  # copying the symlink out gives a symlink, not the host's root
  sv cp evil:/escape "$TESTDIR/link"
  [[ -L $TESTDIR/link && $(readlink "$TESTDIR/link") == / ]]
}

@test "export writes the container's whole filesystem, files made at run time included" {
  sv run --name exp busybox sh -c 'echo at-run >/runtime-file; rm /bin/true' >/dev/null
  sv export exp >"$TESTDIR/exp.tar"
  run tar -tf "$TESTDIR/exp.tar"
  assert_line runtime-file
  assert_line bin/busybox
  refute_line bin/true
  [[ $(tar -xOf "$TESTDIR/exp.tar" runtime-file) == at-run ]]
  sv export -o "$TESTDIR/exp2.tar" exp
  cmp "$TESTDIR/exp.tar" "$TESTDIR/exp2.tar"
  ! ls "$TESTDIR"/exp2.tar.tmp-* 2>/dev/null
  ! grep -q " $SRUN" /proc/self/mountinfo
}

@test "commit makes an image with the container's changes: added, deleted, opaque dir, -c CMD" {
  sv run --name changer -e FROM_RUN=yes busybox sh -c '
    echo added >/added; rm /bin/true; rm -rf /home; mkdir /home; echo only >/home/only' >/dev/null
  run sv commit -m 'my change' -a tester -c 'CMD ["cat", "/added"]' changer committed:v1
  assert_success
  [[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
  run sv run --rm committed:v1
  assert_output added
  run sv run --rm committed:v1 sh -c 'test -e /bin/true && echo true-is-back; ls /home; echo $FROM_RUN'
  assert_output $'only\nyes'
  run sv history --format json committed:v1
  [[ $(head -1 <<<"$output" | jq -r .Comment) == 'my change' ]]
  [[ $(head -1 <<<"$output" | jq -r .CreatedBy) == sh\ -c\ * ]]
  run sv image inspect --format '{{.Author}}' committed:v1
  assert_output tester
  # a running container is committed too (and keeps running)
  sv run -d --name live busybox sh -c 'echo live >/live; sleep 60' >/dev/null
  wait_for sv exec live test -e /live
  sv commit live committed:live >/dev/null
  run sv run --rm committed:live cat /live
  assert_output live
  run sv inspect --format '{{.State.Status}}' live
  assert_output running
}

@test "pause freezes the container's processes, unpause thaws them, stop works while paused" {
  sv run -d --name sleeper busybox sh -c 'while true; do date +%s%N >/tick; sleep 0.05; done' >/dev/null
  wait_for sv exec sleeper test -e /tick
  run sv pause sleeper
  assert_output sleeper
  run sv ps --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^sleeper Up .* \(Paused\)$'
  run sv inspect --format '{{.State.Status}} {{.State.Paused}}' sleeper
  assert_output 'paused true'
  # frozen: the ticks stop
  a=$(cat "$SRUN/containers/$(sv inspect --format '{{.Id}}' sleeper)/rootfs/tick")
  sleep 0.3
  b=$(cat "$SRUN/containers/$(sv inspect --format '{{.Id}}' sleeper)/rootfs/tick")
  [[ $a == "$b" ]]
  run sv pause sleeper
  [[ $status == 1 ]]
  run sv unpause sleeper
  assert_output sleeper
  # thawed: the ticks go on (within 5 s, however loaded the machine is)
  tick=$SRUN/containers/$(sv inspect --format '{{.Id}}' sleeper)/rootfs/tick
  wait_for bash -c "[[ \$(cat '$tick') != '$b' ]]"
  sv pause sleeper >/dev/null
  run timeout 20 "$SERVIN" --root "$SROOT" --runroot "$SRUN" stop -t 1 sleeper
  assert_success
  run sv inspect --format '{{.State.Status}}' sleeper
  assert_output exited
  # kill and rm -f of a paused container
  sv run -d --name p2 busybox sleep 60 >/dev/null
  sv pause p2 >/dev/null
  run timeout 20 "$SERVIN" --root "$SROOT" --runroot "$SRUN" rm -f p2
  assert_success
  sv run -d --name p3 busybox sleep 60 >/dev/null
  sv pause p3 >/dev/null
  run timeout 20 "$SERVIN" --root "$SROOT" --runroot "$SRUN" kill p3
  assert_success
  wait_for bash -c "[[ \$('$SERVIN' --root '$SROOT' --runroot '$SRUN' inspect --format '{{.State.Status}}' p3) == exited ]]"
}

@test "port prints nothing for a container without published ports" {
  sv run -d --name noports busybox sleep 30 >/dev/null
  run sv port noports
  assert_success
  assert_output ''
  run sv port noports 80/tcp
  [[ $status == 1 ]]
  run sv port nosuch
  [[ $status == 125 ]]
  assert_output --partial 'No such container'
}
