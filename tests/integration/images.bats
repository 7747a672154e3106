#!/usr/bin/env bats
# Image commands over the local store: images, inspect, history, tag, rmi,
# image prune, and `image bundle` run by servin-runtime.  Images come from
# `servin import` of a busybox rootfs tarball (no registry needed here;
# registry.bats and archive.bats cover pull/push/load/save).

load helpers


setup() {
  common_setup
  [[ -x $SERVIN ]] || skip "servin not built: $SERVIN"
  SROOT=$TESTDIR/data
  "$REPO/scripts/make-rootfs.sh" "$TESTDIR/rootfs" >/dev/null
  tar -C "$TESTDIR/rootfs" -cf "$TESTDIR/rootfs.tar" .
}

teardown() {
  common_teardown
}

sv() {
  "$SERVIN" --root "$SROOT" "$@"
}

import_busybox() {
  sv import --change 'CMD ["/bin/sh"]' "$TESTDIR/rootfs.tar" "${1:-busybox:latest}"
}

@test "images lists an imported image with docker's columns, -q and --format json" {
  run import_busybox
  assert_success
  id=$output
  [[ $id == sha256:* ]]
  run sv images
  assert_success
  assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
  assert_line --index 1 --regexp "^busybox +latest +${id:7:12} +.* ago +[0-9.]+[kM]B$"
  run sv images -q
  assert_output "${id:7:12}"
  run sv images --format json
  assert_success
  [[ $(jq -r .Repository <<<"$output") == busybox ]]
  [[ $(jq -r .Tag <<<"$output") == latest ]]
  run sv image ls --no-trunc -q
  assert_output "$id"
}

@test "image inspect shows docker's fields and --format walks them" {
  import_busybox >/dev/null
  run sv image inspect busybox
  assert_success
  [[ $(jq -r '.[0].RepoTags[0]' <<<"$output") == busybox:latest ]]
  [[ $(jq -r '.[0].Os' <<<"$output") == linux ]]
  [[ $(jq -r '.[0].Architecture' <<<"$output") == amd64 ]]
  [[ $(jq -r '.[0].Config.Cmd[0]' <<<"$output") == /bin/sh ]]
  [[ $(jq -r '.[0].RootFS.Layers | length' <<<"$output") == 1 ]]
  run sv inspect --format '{{.Os}}/{{.Architecture}} {{json .Config.Cmd}}' busybox
  assert_success
  assert_output 'linux/amd64 ["/bin/sh"]'
  run sv inspect nosuch
  assert_failure
  assert_output --partial 'no such image: nosuch'
}

@test "tag adds a name, rmi of one tag keeps the image, the last rmi deletes it" {
  id=$(import_busybox)
  run sv tag busybox 127.0.0.1:5000/team/app:1.0
  assert_success
  run sv images --format json
  assert_output --partial '"Repository":"127.0.0.1:5000/team/app","Tag":"1.0"'
  # by id with two repositories: refused without -f
  run sv rmi "${id:7:12}"
  assert_failure
  assert_output --partial 'must be forced'
  run sv rmi busybox
  assert_success
  assert_output 'Untagged: busybox:latest'
  run sv image inspect 127.0.0.1:5000/team/app:1.0
  assert_success
  run sv rmi 127.0.0.1:5000/team/app:1.0
  assert_success
  assert_line 'Untagged: 127.0.0.1:5000/team/app:1.0'
  assert_line "Deleted: $id"
  # nothing of it is left in the store
  run sv images -q
  assert_output ''
  [[ -z $(ls -A "$SROOT/layers") ]]
  [[ -z $(ls -A "$SROOT/blobs/sha256") ]]
}

@test "rmi keeps layers another image shares" {
  import_busybox a:1 >/dev/null
  # same rootfs, another config: the layer is shared
  sv import --change 'CMD ["/bin/true"]' "$TESTDIR/rootfs.tar" b:1 >/dev/null
  [[ $(ls "$SROOT/layers" | wc -l) == 1 ]]
  run sv rmi a:1
  assert_success
  [[ $(ls "$SROOT/layers" | wc -l) == 1 ]]
  [[ -x $SROOT/layers/$(ls "$SROOT/layers")/bin/busybox ]]
  run sv rmi b:1
  assert_success
  [[ -z $(ls -A "$SROOT/layers") ]]
}

@test "a re-import moves the tag; image prune removes the dangling image" {
  old=$(import_busybox)
  echo extra >"$TESTDIR/rootfs/extra"
  tar -C "$TESTDIR/rootfs" -cf "$TESTDIR/rootfs2.tar" .
  new=$(sv import --change 'CMD ["/bin/sh"]' "$TESTDIR/rootfs2.tar" busybox:latest)
  [[ $old != "$new" ]]
  run sv images
  assert_line --regexp "^<none> +<none> +${old:7:12} "
  run sv images --filter dangling=true -q
  assert_output "${old:7:12}"
  run sv image prune -f
  assert_success
  assert_line "deleted: $old"
  assert_line --regexp '^Total reclaimed space: '
  run sv images -q
  assert_output "${new:7:12}"
  run sv image inspect busybox
  assert_success
}

@test "history shows the steps newest first" {
  sv import -m "from a tarball" "$TESTDIR/rootfs.tar" busybox >/dev/null
  run sv history busybox
  assert_success
  assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
  assert_line --index 1 --partial 'from a tarball'
  run sv history --format json busybox
  [[ $(jq -r .Comment <<<"$output") == "from a tarball" ]]
}

@test "image bundle gives a bundle servin-runtime runs with the image's command, env and user" {
  sv import --change 'CMD ["/bin/sh", "-c", "echo $GREETING from $(id -u):$(id -g) in $(pwd)"]' \
    --change 'ENV GREETING=hello' --change 'USER user' --change 'WORKDIR /home/user' \
    "$TESTDIR/rootfs.tar" greet >/dev/null
  run sv image bundle greet "$TESTDIR/b"
  assert_success
  [[ -x $TESTDIR/b/rootfs/bin/busybox ]]
  run jq -c '.process.user' "$TESTDIR/b/config.json"
  assert_output '{"uid":1000,"gid":1000}'
  run "$RUNTIME" --root "$ROOT" run --bundle "$TESTDIR/b" "$CID"
  assert_success
  assert_output 'hello from 1000:1000 in /home/user'
  # a second bundle into the same directory is refused and keeps the first
  run sv image bundle greet "$TESTDIR/b"
  assert_failure
  assert_output --partial 'already holds a bundle'
  [[ -x $TESTDIR/b/rootfs/bin/busybox ]]
}

@test "bad input: unknown image, bad reference, unknown flag, missing operand exit 125" {
  run sv image inspect nosuch:1
  assert_failure
  run sv tag nosuch x
  [[ $status == 125 ]]
  assert_output 'servin: no such image: nosuch'
  import_busybox >/dev/null
  run sv tag busybox 'UPPER/Case:bad tag'
  [[ $status == 125 ]]
  assert_output --partial 'invalid reference format'
  run sv images --bogus
  [[ $status == 125 ]]
  assert_output 'servin: images: unknown flag `--bogus`'
  run sv rmi
  [[ $status == 125 ]]
  run sv nosuchcommand
  [[ $status == 125 ]]
  assert_output --partial 'unknown command `nosuchcommand`'
}
