#!/usr/bin/env bats
# servin pull / push / login / logout against a real registry (Debian's
# docker-registry on 127.0.0.1) with images made by umoci and skopeo.

load helpers
load image-helpers

setup() {
  image_setup
}

teardown() {
  image_teardown
}

# pull_out ARGS...: servin pull with stdout and stderr in $TESTDIR/out, err
pull_out() {
  sv_to_files pull "$@"
}

# sv_to_files ARGS...: servin with stdout in $TESTDIR/out, stderr in $TESTDIR/err
sv_to_files() {
  sv "$@" >"$TESTDIR/out" 2>"$TESTDIR/err"
}

image_ids() {
  sv images -q --no-trunc
}

@test "pull by tag: anonymous; stores manifest, config and layer; prints the reference" {
  start_registry
  push_fixture "$(fixture_busybox)" latest busybox:latest
  digest=$(registry_digest busybox:latest)
  run pull_out "$REGISTRY/busybox:latest"
  cat "$TESTDIR/err"
  assert_success
  # stdout is exactly the normalised reference, as docker prints it last
  assert_equal "$(cat "$TESTDIR/out")" "$REGISTRY/busybox:latest"
  grep -qx "Digest: $digest" "$TESTDIR/err"
  grep -q "Status: Downloaded newer image for $REGISTRY/busybox:latest" "$TESTDIR/err"
  grep -q ': Pull complete$' "$TESTDIR/err"
  [[ -f $ROOT/blobs/sha256/${digest#sha256:} ]]
  # the layer is unpacked with the fixture's files
  run layer_dirs_with marker
  assert_equal "${#lines[@]}" 1
  assert_equal "$(cat "${lines[0]}/marker")" busybox
  cmp "${lines[0]}/bin/busybox" "$BUSYBOX"
  run sv image inspect "$REGISTRY/busybox:latest"
  assert_success
  assert_equal "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" "$REGISTRY/busybox@$digest"
  # again: nothing new
  run pull_out "$REGISTRY/busybox"
  assert_success
  grep -q "Status: Image is up to date for $REGISTRY/busybox:latest" "$TESTDIR/err"
  grep -q ': Already exists$' "$TESTDIR/err"
}

@test "pull by digest: verified, no tag recorded; -q prints only the reference" {
  start_registry
  push_fixture "$(fixture_busybox)" latest busybox:latest
  digest=$(registry_digest busybox:latest)
  run pull_out -q "$REGISTRY/busybox@$digest"
  assert_success
  assert_equal "$(cat "$TESTDIR/out")" "$REGISTRY/busybox@$digest"
  # -q: nothing else, not even progress
  [[ ! -s $TESTDIR/err ]]
  run sv image inspect "$REGISTRY/busybox@$digest"
  assert_success
  assert_equal "$(jq -r '.[0].RepoTags | length' <<<"$output")" 0
  assert_equal "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" "$REGISTRY/busybox@$digest"
  # a digest the registry does not have
  run sv pull "$REGISTRY/busybox@sha256:$(printf '%064d' 0)"
  assert_failure 125
}

@test "login: basic auth registry refuses anonymous pulls; login, pull, logout" {
  require_cmd htpasswd
  start_registry "$(make_htpasswd alice 's3cret pw')"
  # skopeo pushes the fixture with the credentials
  skopeo copy --quiet --dest-tls-verify=false --dest-creds 'alice:s3cret pw' \
    "oci:$(fixture_busybox):latest" "docker://$REGISTRY/private:latest" >&2

  run sv pull "$REGISTRY/private:latest"
  assert_failure 125
  assert_equal "${#lines[@]}" 2 # the "Pulling from" line, then one error line
  assert_line --index 1 --regexp '^servin: pull: .*unauthorized'
  [[ -z $(image_ids) ]]

  # a wrong password is refused and not stored
  run sv login -u alice -p wrong "$REGISTRY"
  assert_failure 125
  assert_output --regexp "^servin: login $REGISTRY: .*unauthorized"
  [[ ! -e $DOCKER_CONFIG/config.json ]] || ! jq -e --arg r "$REGISTRY" '.auths[$r]' "$DOCKER_CONFIG/config.json"

  echo '{"proxies": {"default": {}}}' >"$DOCKER_CONFIG/config.json"
  run sv login -u alice --password-stdin "$REGISTRY" <<<'s3cret pw'
  assert_success
  assert_output "Login Succeeded"
  assert_equal "$(stat -c %a "$DOCKER_CONFIG/config.json")" 600
  assert_equal "$(jq -r --arg r "$REGISTRY" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" "alice:s3cret pw"
  # other keys of the file are kept
  jq -e '.proxies.default' "$DOCKER_CONFIG/config.json"

  run sv pull -q "$REGISTRY/private:latest"
  assert_success
  assert_output "$REGISTRY/private:latest"
  # push needs the credentials too, and gets them from the same file
  run sv push "$REGISTRY/private:latest" "$REGISTRY/private:copy"
  assert_success

  run sv logout "$REGISTRY"
  assert_success
  assert_output "Removing login credentials for $REGISTRY"
  [[ $(jq -r --arg r "$REGISTRY" '.auths[$r]' "$DOCKER_CONFIG/config.json") == null ]]
  jq -e '.proxies.default' "$DOCKER_CONFIG/config.json"
  run sv pull "$REGISTRY/private:copy"
  assert_failure 125
  assert_output --partial unauthorized
  run sv logout "$REGISTRY"
  assert_success
  assert_output "Not logged in to $REGISTRY"
}

@test "push: to a registry, then pulled back into an empty root with the same digest" {
  start_registry
  push_fixture "$(fixture_three_layers)" latest three:latest
  sv pull -q "$REGISTRY/three:latest"
  local_manifest=$(sv image inspect "$REGISTRY/three:latest" | jq -r '.[0].ManifestDigest')

  run sv_to_files push "$REGISTRY/three:latest" "$REGISTRY/copy/three:v1"
  assert_success
  output=$(cat "$TESTDIR/out")
  assert_output --regexp '^v1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
  pushed=$(awk '{print $3}' <<<"$output")
  size=$(awk '{print $5}' <<<"$output")
  [[ $(grep -c ': Pushed$' "$TESTDIR/err") -eq 4 ]] # three layers and the config
  # the registry serves exactly the stored manifest
  assert_equal "$pushed" "$local_manifest"
  assert_equal "$(registry_digest copy/three:v1)" "$pushed"
  assert_equal "$(skopeo inspect --tls-verify=false "docker://$REGISTRY/copy/three:v1" | jq -r .Digest)" "$pushed"
  assert_equal "$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/copy/three:v1" | wc -c)" "$size"

  # a second push uploads nothing
  run sv push "$REGISTRY/three:latest" "$REGISTRY/copy/three:v1"
  assert_success
  assert_output --partial "Layer already exists"
  refute_output --partial ": Pushed"

  # pull it back into an empty root
  ROOT=$TESTDIR/state2
  run pull_out "$REGISTRY/copy/three:v1"
  assert_success
  grep -qx "Digest: $pushed" "$TESTDIR/err"
  assert_equal "$(sv image inspect "$REGISTRY/copy/three:v1" | jq -r '.[0].ManifestDigest')" "$pushed"
}

@test "multi-arch index: host platform by default, --platform linux/arm64 picks arm64" {
  [[ $(uname -m) == x86_64 ]] || skip "expects an amd64 host (the fixture index has amd64 and arm64)"
  start_registry
  push_fixture "$(fixture_multiarch)" multi multi:latest
  index_digest=$(registry_digest multi:latest)
  [[ $(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/multi:latest" | jq -r .mediaType) == *index* ]]

  run pull_out "$REGISTRY/multi:latest"
  assert_success
  grep -qx "Digest: $index_digest" "$TESTDIR/err"
  assert_equal "$(sv image inspect "$REGISTRY/multi:latest" | jq -r '.[0].Architecture')" amd64
  run layer_dirs_with arch
  assert_equal "${#lines[@]}" 1
  assert_equal "$(cat "${lines[0]}/arch")" amd64
  # the index is stored and recorded as the repo digest
  [[ -f $ROOT/blobs/sha256/${index_digest#sha256:} ]]
  assert_equal "$(sv image inspect "$REGISTRY/multi:latest" | jq -r '.[0].RepoDigests[0]')" "$REGISTRY/multi@$index_digest"

  run sv pull -q --platform linux/arm64 "$REGISTRY/multi:latest"
  assert_success
  assert_equal "$(sv image inspect "$REGISTRY/multi:latest" | jq -r '.[0].Architecture')" arm64
  run layer_dirs_with arch
  assert_equal "${#lines[@]}" 2
  assert_equal "$(cat "${lines[@]/%//arch}" | sort | tr '\n' ' ')" "amd64 arm64 "

  run sv pull --platform linux/s390x "$REGISTRY/multi:latest"
  assert_failure 125
  assert_output --partial "no image for platform linux/s390x"
  assert_output --partial "linux/arm64"
}

# tree DIR: type, mode, owner, device numbers and content of every entry
tree() {
  (cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G\n' | sort | while read -r p y m o; do
    case $y in
      f) echo "$p f $m $o $(cat "$p")" ;;
      c) echo "$p c $m $o $(stat -c '%t:%T' "$p")" ;;
      *) echo "$p $y $m $o" ;;
    esac
  done)
}

@test "three layers: a deletion becomes a whiteout device, a replaced dir is opaque" {
  start_registry
  push_fixture "$(fixture_three_layers)" latest three:latest
  sv pull -q "$REGISTRY/three:latest"
  mapfile -t diff_ids < <(sv image inspect "$REGISTRY/three:latest" | jq -r '.[0].RootFS.Layers[]')
  assert_equal "${#diff_ids[@]}" 3
  l1=$ROOT/layers/${diff_ids[0]#sha256:}
  l2=$ROOT/layers/${diff_ids[1]#sha256:}
  l3=$ROOT/layers/${diff_ids[2]#sha256:}
  [[ $(ls "$ROOT/layers" | grep -vc '^\.') -eq 3 ]]

  assert_equal "$(tree "$l1")" "./a d 755 0:0
./a/gone f 644 0:0 gone
./a/keep f 644 0:0 keep
./d d 755 0:0
./d/old1 f 644 0:0 old1
./d/sub d 755 0:0
./d/sub/old2 f 644 0:0 old2"
  # layer 2: a/gone is a 0:0 character device (overlayfs' whiteout)
  assert_equal "$(tree "$l2")" "./a d 755 0:0
./a/gone c 0 0:0 0:0"
  [[ -c $l2/a/gone ]]
  # layer 3: d is opaque and holds only the new file
  assert_equal "$(tree "$l3")" "./d d 755 0:0
./d/new f 644 0:0 new"
  assert_equal "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$l3/d")" y
  # no stray .wh. files anywhere
  [[ -z $(find "$l1" "$l2" "$l3" -name '.wh.*') ]]
}

@test "a layer blob altered in the registry is refused and leaves the store as it was" {
  start_registry
  push_fixture "$(fixture_three_layers)" latest three:latest
  push_fixture "$(fixture_busybox)" latest busybox:latest
  sv pull -q "$REGISTRY/three:latest"
  layer=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/busybox:latest" | jq -r '.layers[0].digest')
  hex=${layer#sha256:}
  data=$REG_STORAGE/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
  [[ -f $data ]]
  # flip one byte in the middle
  python3 - "$data" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100)
    b = f.read(1)
    f.seek(100)
    f.write(bytes([b[0] ^ 0xff]))
EOF
  store_snapshot >"$TESTDIR/before"
  ids_before=$(image_ids)

  run sv pull "$REGISTRY/busybox:latest"
  assert_failure 125
  assert_line --regexp "^servin: pull: layer $layer: digest mismatch: expected $layer, got sha256:[0-9a-f]{64}"
  assert_equal "$(grep -c '^servin:' <<<"$output")" 1

  store_snapshot >"$TESTDIR/after"
  diff -u "$TESTDIR/before" "$TESTDIR/after"
  assert_equal "$(image_ids)" "$ids_before"
}

@test "two concurrent pulls of images sharing layers both succeed" {
  start_registry
  l=$(fixture_busybox)
  push_fixture "$l" latest one:latest
  push_fixture "$l" latest two:latest
  push_fixture "$(fixture_three_layers)" latest three:latest
  sv pull -q "$REGISTRY/one:latest" >"$TESTDIR/p1" 2>&1 &
  p1=$!
  sv pull -q "$REGISTRY/two:latest" >"$TESTDIR/p2" 2>&1 &
  p2=$!
  sv pull -q "$REGISTRY/three:latest" >"$TESTDIR/p3" 2>&1 &
  p3=$!
  wait $p1 || { cat "$TESTDIR/p1"; false; }
  wait $p2 || { cat "$TESTDIR/p2"; false; }
  wait $p3 || { cat "$TESTDIR/p3"; false; }
  # one and two are the same image under two names, sharing one layer copy
  id1=$(sv image inspect "$REGISTRY/one:latest" | jq -r '.[0].Id')
  id2=$(sv image inspect "$REGISTRY/two:latest" | jq -r '.[0].Id')
  assert_equal "$id1" "$id2"
  run layer_dirs_with marker
  assert_equal "${#lines[@]}" 1
  assert_equal "$(image_ids | wc -l)" 2
  [[ -z $(find "$ROOT/layers" -maxdepth 1 -name '.tmp-*') ]]
}

@test "a pull killed with SIGKILL lists no image, and the next pull succeeds" {
  start_registry
  push_fixture "$(fixture_big)" latest big:latest
  # servin itself in the background (not the sv function's subshell), so $! is its pid
  "$SERVIN" --root "$ROOT" pull "$REGISTRY/big:latest" >"$TESTDIR/out" 2>"$TESTDIR/err" 3>&- &
  pid=$!
  # kill once the layers are planned (the download is under way)
  for i in $(seq 200); do
    grep -q 'Pulling fs layer' "$TESTDIR/err" && break
    sleep 0.01
  done
  sleep 0.05
  kill -9 "$pid"
  wait "$pid" && status=0 || status=$?
  # 137: it was killed, not finished
  assert_equal "$status" 137
  [[ ! -s $TESTDIR/out ]]
  ! grep -q 'Status:' "$TESTDIR/err"
  [[ -z $(image_ids) ]]

  run pull_out "$REGISTRY/big:latest"
  cat "$TESTDIR/err"
  assert_success
  [[ -n $(image_ids) ]]
  [[ $(stat -c %s "$(layer_dirs_with big)/big") -eq $((48 << 20)) ]]
}

@test "pull errors: unknown image and invalid reference give one line and 125" {
  start_registry
  run sv pull -q "$REGISTRY/nope:latest"
  assert_failure 125
  assert_equal "${#lines[@]}" 1
  assert_output --regexp "^servin: pull: manifest for $REGISTRY/nope:latest: .*manifest unknown"

  run sv pull -q "$REGISTRY/UPPER/Case"
  assert_failure 125
  assert_equal "${#lines[@]}" 1
  assert_output --partial "invalid reference format"

  run sv pull
  assert_failure 125
  assert_output --partial "missing argument"
  [[ -z $(image_ids) ]]
}
