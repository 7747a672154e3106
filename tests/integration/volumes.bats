#!/usr/bin/env bats
# servin volume create/ls/inspect/rm/prune, volumes in containers: data that
# outlives containers, docker's in-use rule, copy-up of the image's content
# into a new volume (and nocopy), rm -v for anonymous volumes.  The image is
# `servin import` of a busybox rootfs with a /seed tree of odd owners, modes
# and a symlink for copy-up to preserve.

load helpers
load engine-helpers

setup() {
  engine_setup
  busybox_tar
  mkdir -p "$TESTDIR/rootfs/seed/sub"
  echo seeded >"$TESTDIR/rootfs/seed/file"
  echo deep >"$TESTDIR/rootfs/seed/sub/deep"
  ln -s file "$TESTDIR/rootfs/seed/link"
  chown 1000:1000 "$TESTDIR/rootfs/seed" "$TESTDIR/rootfs/seed/file"
  chmod 0750 "$TESTDIR/rootfs/seed"
  chmod 0640 "$TESTDIR/rootfs/seed/file"
  import_busybox
}

teardown() {
  engine_teardown
}

# the volume a container mounts at TARGET
mount_source() {
  sv inspect --format '{{json .HostConfig.Mounts}}' "$1" | jq -r --arg t "$2" '.[] | select(.Target == $t) | .Source'
}

@test "volume create, ls, inspect, rm: docker's names, fields and errors" {
  run sv volume create one
  assert_success
  assert_output one
  run sv volume create --name two -l color=blue -l size
  assert_output two
  # an existing name is fine (docker's create is idempotent) and keeps its labels
  run sv volume create two
  assert_success
  assert_output two
  run sv volume create
  assert_output --regexp '^[0-9a-f]{64}$'
  gen=$output
  run sv volume create 'bad/name'
  [[ $status == 125 ]]
  assert_output --partial 'includes invalid characters for a local volume name'
  run sv volume create x
  [[ $status == 125 ]]

  run sv volume ls
  assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
  assert_line --regexp '^local +one$'
  assert_line --regexp "^local +$gen\$"
  run sv volume ls -q
  assert_output "$(printf '%s\n' "$gen" one two | sort)"
  run sv volume ls --format json
  [[ $(jq -r 'select(.Name == "two") | .Labels' <<<"$output") == 'color=blue,size=' ]]
  run sv volume ls --format '{{.Name}}:{{.Driver}}'
  assert_line one:local

  run sv volume inspect two
  assert_success
  [[ $(jq -r '.[0].Name' <<<"$output") == two ]]
  [[ $(jq -r '.[0].Driver' <<<"$output") == local ]]
  [[ $(jq -r '.[0].Scope' <<<"$output") == local ]]
  [[ $(jq -r '.[0].Labels.color' <<<"$output") == blue ]]
  [[ $(jq -r '.[0].CreatedAt' <<<"$output") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
  mp=$(jq -r '.[0].Mountpoint' <<<"$output")
  [[ $mp == "$SROOT/volumes/two/_data" && -d $mp ]]
  run sv volume inspect --format '{{.Name}} {{.Driver}} {{.Labels.color}}' one two
  assert_output $'one local <no value>\ntwo local blue'
  run sv volume inspect nosuch
  assert_failure
  assert_output --partial 'get nosuch: no such volume'

  run sv volume rm one "$gen"
  assert_success
  assert_output "one"$'\n'"$gen"
  [[ ! -e $SROOT/volumes/one ]]
  run sv volume rm one
  assert_failure
  assert_output --partial 'no such volume'
  # -f ignores missing volumes (and only that)
  run sv volume rm -f one
  assert_success
  run sv volume ls -q
  assert_output two
}

@test "a volume's data outlives the containers that wrote it" {
  run sv run --rm -v data:/data busybox sh -c 'echo kept >/data/f'
  assert_success
  [[ $(cat "$SROOT/volumes/data/_data/f") == kept ]]
  run sv run --rm --mount type=volume,src=data,dst=/other busybox cat /other/f
  assert_output kept
  run sv volume ls -q
  assert_output data
}

@test "a volume any container record mounts is not removed, even with -f or by prune -a" {
  id=$(sv create -v busy:/x busybox true)
  run sv volume rm busy
  assert_failure
  assert_output --partial "remove busy: volume is in use - [$id]"
  run sv volume rm -f busy
  assert_failure
  assert_output --partial 'volume is in use'
  run sv volume prune -a -f
  assert_success
  refute_output --partial busy
  run sv volume ls --filter dangling=true -q
  assert_output ''
  [[ -d $SROOT/volumes/busy/_data ]]
  sv rm "$id" >/dev/null
  run sv volume ls --filter dangling=true -q
  assert_output busy
  run sv volume rm busy
  assert_success
  [[ ! -e $SROOT/volumes/busy ]]
}

@test "a new volume gets the image's content at its path, owners, modes and symlinks kept" {
  run sv run --rm -v etcvol:/etc busybox cat /etc/passwd
  assert_success
  assert_line --partial 'root:x:0:0'
  [[ -f $SROOT/volumes/etcvol/_data/passwd ]]

  sv run --rm -v seedvol:/seed busybox true
  d=$SROOT/volumes/seedvol/_data
  [[ $(stat -c '%u:%g %a' "$d") == '1000:1000 750' ]]
  [[ $(stat -c '%u:%g %a' "$d/file") == '1000:1000 640' ]]
  [[ $(cat "$d/file") == seeded && $(cat "$d/sub/deep") == deep ]]
  [[ -L $d/link && $(readlink "$d/link") == file ]]

  # a volume that already has content is not touched
  sv volume create full >/dev/null
  echo mine >"$SROOT/volumes/full/_data/own"
  run sv run --rm -v full:/seed busybox ls /seed
  assert_output own
  # nothing at that path in the image: the volume stays empty
  sv run --rm -v novol:/nothing/here busybox true
  [[ -z $(ls -A "$SROOT/volumes/novol/_data") ]]
}

@test "nocopy (-v and --mount) leaves a new volume empty" {
  sv run --rm -v nc1:/seed:nocopy busybox true
  [[ -d $SROOT/volumes/nc1/_data && -z $(ls -A "$SROOT/volumes/nc1/_data") ]]
  sv run --rm --mount type=volume,src=nc2,dst=/home,volume-nocopy busybox true
  [[ -d $SROOT/volumes/nc2/_data && -z $(ls -A "$SROOT/volumes/nc2/_data") ]]
}

@test "copy-up happens at the first start only" {
  id=$(sv create -v once:/seed busybox ls /seed)
  run sv start -a "$id"
  assert_line file
  # emptied later: a restart does not copy again (docker copies at creation)
  rm -rf "$SROOT/volumes/once/_data/"*
  run sv start -a "$id"
  assert_output ''
  [[ -z $(ls -A "$SROOT/volumes/once/_data") ]]
}

@test "rm -v removes a container's anonymous volumes and keeps its named ones" {
  id=$(sv create -v /anon -v named:/named busybox true)
  anon=$(mount_source "$id" /anon)
  [[ $anon =~ ^[0-9a-f]{64}$ ]]
  run sv volume inspect --format '{{json .Labels}}' "$anon"
  assert_output '{"com.docker.volume.anonymous":""}'
  [[ -d $SROOT/volumes/$anon/_data ]]
  sv rm -v "$id" >/dev/null
  [[ ! -e $SROOT/volumes/$anon ]]
  run sv volume ls -q
  assert_output named

  # without -v the anonymous volume stays, until a default prune; named ones need -a
  id=$(sv create -v /anon busybox true)
  anon=$(mount_source "$id" /anon)
  sv rm "$id" >/dev/null
  run sv volume ls -q
  assert_output "$(printf '%s\n' "$anon" named | sort)"
  run sv volume prune -f
  assert_line 'Deleted Volumes:'
  assert_line "$anon"
  assert_line --regexp '^Total reclaimed space: '
  run sv volume ls -q
  assert_output named
  run sv volume prune -a -f
  assert_line named
  run sv volume ls -q
  assert_output ''

  # run --rm takes its anonymous volumes along, as docker
  sv run --rm -v /anon -v kept:/kept busybox true
  for i in $(seq 50); do
    [[ $(sv volume ls -q) == kept ]] && break
    sleep 0.1
  done
  run sv volume ls -q
  assert_output kept
  [[ $(ls "$SROOT/volumes") == kept ]]
}
