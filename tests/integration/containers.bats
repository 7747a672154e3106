#!/usr/bin/env bats
# servin run/create/start/stop/kill/rm/ps/logs/wait/inspect/exec: the engine
# with a monitor per container, state in SQLite, docker's exit codes.  Images
# come from `servin import` of a busybox rootfs (no registry needed).

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

@test "run prints the container's output and exits with its status" {
  run sv run --rm busybox sh -c 'echo out; echo err >&2; exit 3'
  [[ $status == 3 ]]
  assert_line out
  assert_line err
  # --rm: nothing is left
  run sv ps -aq
  assert_output ''
}

@test "exit codes: 125 for servin's errors, 126 not executable, 127 not found" {
  run sv run --rm busybox /nonexistent
  [[ $status == 127 ]]
  run sv run --rm busybox /etc/passwd
  [[ $status == 126 ]]
  run sv run --rm --pull never nosuchimage true
  [[ $status == 125 ]]
  assert_output --partial 'no such image'
  run sv run --rm -m 12x busybox true
  [[ $status == 125 ]]
  assert_output --partial "invalid"
  run sv run --bogus busybox true
  [[ $status == 125 ]]
  run sv ps -aq
  assert_output ''
}

@test "run -d, ps, logs, stop, start, rm; the CLI may exit between commands" {
  run sv run -d --name web busybox sh -c 'echo hello; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done'
  assert_success
  id=$output
  [[ $id =~ ^[0-9a-f]{64}$ ]]
  run sv ps
  assert_line --index 1 --regexp "^${id:0:12} +busybox +.*Up .* web$"
  sleep 0.3
  run sv logs web
  assert_output hello
  run sv stop -t 5 web
  assert_success
  run sv ps -a --format '{{.Names}} {{.State}}'
  assert_output 'web exited'
  run sv logs web
  assert_output $'hello\nbye'
  run sv inspect --format '{{.State.ExitCode}} {{.State.Running}}' web
  assert_output '0 false'
  run sv start web
  assert_success
  run sv inspect --format '{{.State.Status}}' web
  assert_output running
  run sv rm web
  assert_failure
  assert_output --partial 'cannot remove a running container'
  run sv rm -f web
  assert_success
  run sv ps -aq
  assert_output ''
}

@test "names are unique; a generated name is given otherwise" {
  sv create --name one busybox true >/dev/null
  run sv create --name one busybox true
  [[ $status == 125 ]]
  assert_output --partial 'Conflict. The container name "/one" is already in use'
  id=$(sv create busybox true)
  run sv inspect --format '{{.Name}}' "${id:0:12}"
  assert_output --regexp '^/[a-z]+_[a-z]+$'
  # more containers than plain adjective_name pairs: every create still succeeds
  for _ in $(seq 600); do sv create busybox true >/dev/null; done
  [[ $(sv ps -aq | wc -l) == 602 ]]
  [[ $(sv ps -a --format '{{.Names}}' | sort -u | wc -l) == 602 ]]
}

@test "logs -f follows a container started by another CLI until it stops; wait gives its code" {
  sv run -d --name counter busybox sh -c 'for i in 1 2 3; do echo $i; sleep 0.2; done; exit 4' >/dev/null
  run sv logs -f counter
  assert_output $'1\n2\n3'
  run sv wait counter
  assert_output 4
  run sv logs --tail 1 -t counter
  assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z 3$'
}

@test "the container sees docker's environment: hostname, hosts, env, user, workdir" {
  run sv run --rm -h box -e A=1 --env-file <(printf 'B=2\n# c\n') -u user -w /tmp busybox \
    sh -c 'echo $(hostname) $A $B $(id -u):$(id -g) $(pwd) $HOSTNAME; grep -c localhost /etc/hosts'
  assert_success
  assert_line 'box 1 2 1000:1000 /tmp box'
  assert_line 2
  run sv run --rm --entrypoint /bin/echo busybox hi there
  assert_output 'hi there'
}

@test "docker's default capabilities and seccomp profile apply, --privileged and --cap-drop change them" {
  run sv run --rm busybox sh -c 'grep CapEff /proc/self/status'
  assert_output $'CapEff:\t00000000a80425fb'
  run sv run --rm busybox unshare -U true
  assert_failure
  run sv run --rm --cap-drop ALL busybox sh -c 'grep CapEff /proc/self/status'
  assert_output $'CapEff:\t0000000000000000'
  run sv run --rm --security-opt seccomp=unconfined --cap-add SYS_ADMIN busybox unshare -U true
  assert_success
  run sv run --rm --read-only busybox touch /x
  assert_failure
  run sv run --rm --read-only --tmpfs /scratch busybox sh -c 'touch /scratch/x && echo ok'
  assert_output ok
}

@test "resource limits reach the cgroup: memory, pids, cpus" {
  run sv run --rm -m 32m --pids-limit 20 --cpus 0.5 busybox sh -c '
    cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max
    cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max
    cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max'
  assert_success
  assert_line --index 0 33554432
  assert_line --index 1 20
  assert_line --index 2 50000
}

@test "-m 32m OOM-kills a 64 MiB allocation and inspect says OOMKilled" {
  run sv run --name hog -m 32m --memory-swap 32m busybox sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo survived'
  [[ $status == 137 ]]
  refute_output --partial survived
  run sv inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' hog
  assert_output 'true 137'
}

@test "volumes: a bind mount, a named volume that persists, :ro" {
  mkdir -p "$TESTDIR/host"
  echo from-host >"$TESTDIR/host/f"
  run sv run --rm -v "$TESTDIR/host:/h:ro" busybox sh -c 'cat /h/f; touch /h/g'
  assert_line from-host
  assert_failure
  sv run --rm -v data:/data busybox sh -c 'echo kept >/data/f'
  run sv run --rm -v data:/data busybox cat /data/f
  assert_output kept
}

@test "exec runs in the container with its environment; -e, -u, -w and exit codes" {
  sv run -d --name box -e K=v busybox sleep 30 >/dev/null
  run sv exec box sh -c 'echo $K $(hostname)'
  assert_output "v $(sv inspect --format '{{.Config.Hostname}}' box)"
  run sv exec -e K=w -u 1000 -w /tmp box sh -c 'echo $K $(id -u) $(pwd)'
  assert_output 'w 1000 /tmp'
  run sv exec box sh -c 'exit 5'
  [[ $status == 5 ]]
  run sv exec box /nonexistent
  [[ $status == 127 ]]
  sv rm -f box >/dev/null
  run sv exec box true
  [[ $status == 125 ]]
}

@test "--restart on-failure:2 restarts twice" {
  sv run -d --name flaky --restart on-failure:2 busybox sh -c 'echo run; exit 1' >/dev/null
  for _ in $(seq 100); do
    [[ $(sv inspect --format '{{.State.Status}} {{.RestartCount}}' flaky) == "exited 2" ]] && break
    sleep 0.1
  done
  run sv inspect --format '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' flaky
  assert_output 'exited 2 1'
  run sv logs flaky
  assert_output $'run\nrun\nrun'
}

@test "--init reaps zombies and forwards signals" {
  run sv run --rm --init busybox sh -c 'ps -o pid,comm | sed -n 2p'
  assert_output --regexp '^ *1 servin-init$'
}

@test "state survives killed monitors and lost mounts: ps shows exited, start brings it back" {
  sv run -d --name survivor busybox sleep 60 >/dev/null
  pid=$(sv inspect --format '{{.State.Pid}}' survivor)
  # as after a reboot: every servin process and the container gone, overlays unmounted
  monitors=$(root_monitors)
  [[ -n $monitors ]]
  kill -9 $monitors "$pid"
  umount -l "$SRUN"/containers/*/rootfs 2>/dev/null || true
  run sv ps -a --format '{{.Names}} {{.State}}'
  assert_output 'survivor exited'
  run sv start survivor
  assert_success
  run sv inspect --format '{{.State.Status}}' survivor
  assert_output running
}

@test "50 parallel run -d all succeed with distinct ids and names" {
  local pids=()
  for i in $(seq 50); do
    sv run -d busybox sleep 30 >"$TESTDIR/id.$i" 2>"$TESTDIR/err.$i" &
    pids+=($!)
  done
  # only our jobs: a bare `wait` also waits for bats' own timeout watcher
  wait "${pids[@]}"
  cat "$TESTDIR"/err.* >&2
  [[ $(cat "$TESTDIR"/id.* | sort -u | wc -l) == 50 ]]
  [[ $(sv ps -q | wc -l) == 50 ]]
  [[ $(sv ps --format '{{.Names}}' | sort -u | wc -l) == 50 ]]
}

@test "-it drives a shell through a pseudo-terminal" {
  require_cmd script
  run script -qec "printf 'echo typed-\$((6*7))\nexit 9\n' | $SERVIN --root $SROOT --runroot $SRUN run --rm -it busybox sh" /dev/null
  assert_output --partial typed-42
}
