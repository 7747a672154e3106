#!/usr/bin/env bats
# servin load / save / import against archives other tools write and read:
# a busybox image built with umoci and converted by skopeo into a
# docker-archive and an oci-archive; servin's own archives read back by
# skopeo inspect and podman load.  Hostile archives must fail with one line
# and record nothing.

load helpers


setup_file() {
  export FIX=$BATS_FILE_TMPDIR/fixture
  command -v umoci >/dev/null && command -v skopeo >/dev/null || return 0
  [[ -x ${BUSYBOX:-/bin/busybox} ]] || return 0
  mkdir -p "$FIX"
  (
    set -e
    cd "$FIX"
    umoci init --layout L
    umoci new --image L:tag
    umoci unpack --image L:tag B >/dev/null
    mkdir -p B/rootfs/bin
    cp "${BUSYBOX:-/bin/busybox}" B/rootfs/bin/busybox
    ln -s busybox B/rootfs/bin/sh
    umoci repack --image L:tag B
    umoci config --image L:tag --config.cmd /bin/sh
    skopeo copy -q oci:L:tag docker-archive:docker.tar:busybox:latest
    skopeo copy -q oci:L:tag oci-archive:oci.tar:busybox:latest
    # the rootfs as a plain tarball, for import
    tar -C B/rootfs -cf rootfs.tar .
  ) >&2
}

setup() {
  common_setup
  [[ -x $SERVIN ]] || skip "servin not built: $SERVIN"
  require_cmd umoci skopeo jq
  [[ -s $FIX/docker.tar && -s $FIX/oci.tar ]] || fail "fixture archives were not built"
  SROOT=$TESTDIR/data
}

teardown() {
  if [[ -n ${PM_DIR:-} ]]; then
    pm system reset -f >/dev/null 2>&1 3>&- || true
  fi
  common_teardown
}

sv() {
  "$SERVIN" --root "$SROOT" "$@"
}

# The diff_id of the fixture's one layer (sha256:...), from its config.
fixture_diff_id() {
  tar -xOf "$FIX/docker.tar" manifest.json | jq -r '.[0].Config' | xargs -I{} tar -xOf "$FIX/docker.tar" {} |
    jq -r '.rootfs.diff_ids[0]'
}

# blob DIGEST: path of a stored blob under $SROOT
blob() {
  echo "$SROOT/blobs/sha256/${1#sha256:}"
}

# image_id NAME: the id servin has for NAME
image_id() {
  sv image inspect "$1" | jq -r '.[0].Id'
}

assert_layer_unpacked() {
  local diff
  diff=$(fixture_diff_id)
  [[ -x $SROOT/layers/${diff#sha256:}/bin/busybox ]] || fail "layer $diff not unpacked under $SROOT/layers"
}

# assert_no_image: nothing is recorded in $SROOT
assert_no_image() {
  run sv images -q
  assert_success
  assert_output ""
}

# assert_one_line_error: the failed command printed one line, "servin: ..."
assert_one_line_error() {
  assert_failure
  [[ $(printf '%s\n' "$output" | wc -l) -eq 1 ]] || fail "expected one line of error, got: $output"
  assert_output --regexp '^servin: '
}

@test "load: docker-archive from a file, tag and layer as skopeo wrote them" {
  run sv load -i "$FIX/docker.tar"
  assert_success
  assert_output "Loaded image: busybox:latest"
  assert_layer_unpacked
  run sv image inspect busybox:latest
  assert_success
  [[ $(jq -r '.[0].RepoTags[0]' <<<"$output") == busybox:latest ]]
  [[ $(jq -r '.[0].Config.Cmd[0]' <<<"$output") == /bin/sh ]]
  # the image id is the config's digest, as skopeo stored it
  cfg=$(tar -xOf "$FIX/docker.tar" manifest.json | jq -r '.[0].Config')
  [[ $(image_id busybox) == "sha256:${cfg%.json}" ]]
}

@test "load: docker-archive from stdin, -q prints nothing" {
  run sv load -q <"$FIX/docker.tar"
  assert_success
  assert_output ""
  assert_layer_unpacked
  run sv images --format json
  [[ $(jq -r .Repository <<<"$output") == busybox ]]
  [[ $(jq -r .Tag <<<"$output") == latest ]]
}

@test "load: oci-archive from a file and from a pipe" {
  run sv load --input "$FIX/oci.tar"
  assert_success
  assert_output "Loaded image: busybox:latest"
  assert_layer_unpacked
  # the manifest is the one in the archive, stored verbatim
  mdigest=$(tar -xOf "$FIX/oci.tar" index.json | jq -r '.manifests[0].digest')
  [[ -s $(blob "$mdigest") ]]
  SROOT=$TESTDIR/data2
  run bash -c "cat '$FIX/oci.tar' | '$SERVIN' --root '$SROOT' load"
  assert_success
  assert_output "Loaded image: busybox:latest"
  assert_layer_unpacked
}

@test "load: a gzip-compressed docker-archive, and an untagged image prints its id" {
  mkdir "$TESTDIR/x"
  tar -C "$TESTDIR/x" -xf "$FIX/docker.tar"
  jq '.[0].RepoTags = null' "$TESTDIR/x/manifest.json" >"$TESTDIR/m" && mv "$TESTDIR/m" "$TESTDIR/x/manifest.json"
  rm "$TESTDIR/x/repositories"
  tar -C "$TESTDIR/x" -czf "$TESTDIR/untagged.tar.gz" .
  run sv load -i "$TESTDIR/untagged.tar.gz"
  assert_success
  cfg=$(jq -r '.[0].Config' "$TESTDIR/x/manifest.json")
  assert_output "Loaded image ID: sha256:${cfg%.json}"
  assert_layer_unpacked
}

@test "load: a docker-archive with a gzip layer gets a +gzip layer descriptor" {
  mkdir "$TESTDIR/x"
  tar -C "$TESTDIR/x" -xf "$FIX/docker.tar"
  layer=$(jq -r '.[0].Layers[0]' "$TESTDIR/x/manifest.json")
  gzip -nc <"$TESTDIR/x/$layer" >"$TESTDIR/x/layer.tar.gz"
  jq '.[0].Layers = ["layer.tar.gz"]' "$TESTDIR/x/manifest.json" >"$TESTDIR/m" && mv "$TESTDIR/m" "$TESTDIR/x/manifest.json"
  tar -C "$TESTDIR/x" -cf "$TESTDIR/gz.tar" manifest.json "$(jq -r '.[0].Config' "$TESTDIR/x/manifest.json")" layer.tar.gz
  run sv load -i "$TESTDIR/gz.tar"
  assert_success
  assert_output "Loaded image: busybox:latest"
  assert_layer_unpacked
  run sv image inspect busybox
  [[ $(jq -r '.[0].RootFS.Layers[0]' <<<"$output") == "$(fixture_diff_id)" ]]
}

@test "load: docker-archive layers named through symlinks (docker 20.10's <id>/layer.tar)" {
  mkdir "$TESTDIR/x"
  tar -C "$TESTDIR/x" -xf "$FIX/docker.tar"
  link=$(cd "$TESTDIR/x" && find . -name layer.tar -type l | head -n1)
  [[ -n $link ]] || fail "the skopeo fixture has no <id>/layer.tar symlink"
  jq --arg l "${link#./}" '.[0].Layers = [$l]' "$TESTDIR/x/manifest.json" >"$TESTDIR/m"
  mv "$TESTDIR/m" "$TESTDIR/x/manifest.json"
  tar -C "$TESTDIR/x" -cf "$TESTDIR/links.tar" .
  run sv load -i "$TESTDIR/links.tar"
  assert_success
  assert_output "Loaded image: busybox:latest"
  assert_layer_unpacked
}

@test "load: an oci-archive entry naming an index gets the host's platform" {
  mkdir "$TESTDIR/o"
  tar -C "$TESTDIR/o" -xf "$FIX/oci.tar"
  case $(uname -m) in
    x86_64) arch=amd64 other=arm64 ;;
    aarch64) arch=arm64 other=amd64 ;;
    *) skip "no test platform pair for $(uname -m)" ;;
  esac
  m=$(jq -c '.manifests[0] | del(.annotations)' "$TESTDIR/o/index.json")
  # the other platform comes first and names a manifest the archive lacks
  missing=sha256:$(echo missing | sha256sum | cut -d' ' -f1)
  jq -nc --argjson m "$m" --arg a "$arch" --arg o "$other" --arg miss "$missing" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [($m + {digest: $miss, platform: {os: "linux", architecture: $o}}),
                  ($m + {platform: {os: "linux", architecture: $a}})]}' >"$TESTDIR/nested"
  nd=$(sha256sum <"$TESTDIR/nested" | cut -d' ' -f1)
  cp "$TESTDIR/nested" "$TESTDIR/o/blobs/sha256/$nd"
  jq -nc --arg d "sha256:$nd" --argjson s "$(stat -c %s "$TESTDIR/nested")" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.index.v1+json",
      digest: $d, size: $s, annotations: {"io.containerd.image.name": "example.com/multi:1",
      "org.opencontainers.image.ref.name": "1"}}]}' >"$TESTDIR/o/index.json"
  tar -C "$TESTDIR/o" -cf "$TESTDIR/nested.tar" .
  run sv load -i "$TESTDIR/nested.tar"
  assert_success
  assert_output "Loaded image: example.com/multi:1"
  assert_layer_unpacked
}

@test "save: docker-archive read back by skopeo inspect" {
  sv load -q -i "$FIX/oci.tar"
  run sv save -o "$TESTDIR/out.tar" busybox
  assert_success
  assert_output ""
  run skopeo inspect "docker-archive:$TESTDIR/out.tar"
  assert_success
  [[ $(jq -r '.Layers | length' <<<"$output") == 1 ]]
  [[ $(jq -r '.Layers[0]' <<<"$output") == "$(fixture_diff_id)" ]]
  # docker's layout: <diff hex>/layer.tar, <config hex>.json, manifest.json, repositories
  run tar -tf "$TESTDIR/out.tar"
  diff=$(fixture_diff_id)
  assert_line "${diff#sha256:}/layer.tar"
  assert_line manifest.json
  assert_line repositories
  [[ $(tar -xOf "$TESTDIR/out.tar" manifest.json | jq -r '.[0].RepoTags[0]') == docker.io/library/busybox:latest ]]
  [[ $(tar -xOf "$TESTDIR/out.tar" repositories | jq -r '.["docker.io/library/busybox"].latest') == "${diff#sha256:}" ]]
  [[ $(tar -xOf "$TESTDIR/out.tar" "${diff#sha256:}/layer.tar" | sha256sum | cut -d' ' -f1) == "${diff#sha256:}" ]]
}

@test "save: docker-archive decompresses a gzip layer so its sha256 is the diff_id" {
  # an oci-archive whose layer is gzip-compressed, made by skopeo
  skopeo copy -q --dest-compress --dest-compress-format gzip "oci-archive:$FIX/oci.tar" "oci-archive:$TESTDIR/gz.tar:busybox:gz"
  run sv load -i "$TESTDIR/gz.tar"
  assert_success
  assert_output "Loaded image: busybox:gz"
  run sv save busybox:gz
  assert_success
  sv save busybox:gz >"$TESTDIR/out.tar"
  diff=$(fixture_diff_id)
  [[ $(tar -xOf "$TESTDIR/out.tar" "${diff#sha256:}/layer.tar" | sha256sum | cut -d' ' -f1) == "${diff#sha256:}" ]]
  run skopeo inspect "docker-archive:$TESTDIR/out.tar"
  assert_success
  [[ $(jq -r '.Layers[0]' <<<"$output") == "$diff" ]]
}

@test "save: oci-archive read back by skopeo inspect, blobs verbatim" {
  sv load -q -i "$FIX/oci.tar"
  run sv save --format oci-archive -o "$TESTDIR/out.tar" busybox:latest
  assert_success
  run skopeo inspect "oci-archive:$TESTDIR/out.tar"
  assert_success
  mdigest=$(tar -xOf "$FIX/oci.tar" index.json | jq -r '.manifests[0].digest')
  [[ $(jq -r .Digest <<<"$output") == "$mdigest" ]]
  want=$(tar -xOf "$FIX/oci.tar" "blobs/sha256/${mdigest#sha256:}" | jq -r '.layers[0].digest')
  [[ $(jq -r '.Layers[0]' <<<"$output") == "$want" ]]
  index=$(tar -xOf "$TESTDIR/out.tar" index.json)
  [[ $(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' <<<"$index") == latest ]]
  [[ $(jq -r '.manifests[0].annotations["io.containerd.image.name"]' <<<"$index") == docker.io/library/busybox:latest ]]
}

@test "save then load into a fresh root gives the same image id (both formats)" {
  sv load -q -i "$FIX/docker.tar"
  id=$(image_id busybox)
  for fmt in docker-archive oci-archive; do
    sv save --format "$fmt" -o "$TESTDIR/$fmt.tar" busybox
    SROOT=$TESTDIR/fresh-$fmt
    run sv load -i "$TESTDIR/$fmt.tar"
    assert_success
    assert_output "Loaded image: busybox:latest"
    [[ $(image_id busybox) == "$id" ]] || fail "$fmt: id $(image_id busybox), want $id"
    assert_layer_unpacked
    SROOT=$TESTDIR/data
  done
}

@test "save by id writes an untagged image; a failed save leaves no file" {
  sv load -q -i "$FIX/docker.tar"
  id=$(image_id busybox)
  run sv save -o "$TESTDIR/byid.tar" "$id"
  assert_success
  [[ $(tar -xOf "$TESTDIR/byid.tar" manifest.json | jq -r '.[0].RepoTags') == null ]]
  mkdir "$TESTDIR/outdir"
  run sv save -o "$TESTDIR/outdir/x.tar" busybox nosuchimage
  assert_one_line_error
  assert_output --partial nosuchimage
  [[ -z $(ls -A "$TESTDIR/outdir") ]] || fail "save left: $(ls -A "$TESTDIR/outdir")"
  run sv save --format tarball -o "$TESTDIR/outdir/x.tar" busybox
  assert_one_line_error
}

@test "save: podman load reads servin's docker-archive" {
  require_cmd podman
  PM_DIR=$TESTDIR/podman
  mkdir -p "$PM_DIR/tmp"
  cat >"$PM_DIR/containers.conf" <<CONF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM_DIR/events.log"
tmp_dir = "$PM_DIR/tmp"
CONF
  export CONTAINERS_CONF=$PM_DIR/containers.conf
  sv load -q -i "$FIX/oci.tar"
  sv save -o "$TESTDIR/out.tar" busybox
  run pm load -i "$TESTDIR/out.tar"
  assert_success
  run pm images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  assert_success
  id=$(image_id busybox)
  assert_line "docker.io/library/busybox:latest ${id:7:12}"
}

pm() {
  podman --root "$PM_DIR/storage" --runroot "$PM_DIR/runroot" --storage-driver vfs "$@"
}

@test "import: rootfs tarball with --change and -m; config has them" {
  run sv import --change 'CMD ["/bin/sh"]' --change 'ENV A=b' -c 'WORKDIR /tmp' -m 'hello' \
    "$FIX/rootfs.tar" example.com/bb:1
  assert_success
  id=$output
  [[ $id =~ ^sha256:[0-9a-f]{64}$ ]] || fail "not an id: $id"
  cfg=$(blob "$id")
  [[ $(jq -c .config.Cmd "$cfg") == '["/bin/sh"]' ]]
  [[ $(jq -r '.config.Env | index("A=b")' "$cfg") != null ]]
  [[ $(jq -r .config.WorkingDir "$cfg") == /tmp ]]
  [[ $(jq -r '.history[0].comment' "$cfg") == hello ]]
  [[ $(jq -r .os "$cfg") == linux ]]
  want=$(sha256sum <"$FIX/rootfs.tar" | cut -d' ' -f1)
  [[ $(jq -r '.rootfs.diff_ids[0]' "$cfg") == "sha256:$want" ]]
  [[ -x $SROOT/layers/$want/bin/busybox ]]
  [[ $(image_id example.com/bb:1) == "$id" ]]
}

@test "import: gzip tarball from stdin is stored uncompressed, untagged" {
  gzip -c "$FIX/rootfs.tar" >"$TESTDIR/rootfs.tar.gz"
  run sv import - <"$TESTDIR/rootfs.tar.gz"
  assert_success
  id=$output
  want=$(sha256sum <"$FIX/rootfs.tar" | cut -d' ' -f1)
  [[ $(jq -r '.rootfs.diff_ids[0]' "$(blob "$id")") == "sha256:$want" ]]
  [[ $(jq -r '.history[0].comment' "$(blob "$id")") == "Imported from -" ]]
  cmp "$(blob "sha256:$want")" "$FIX/rootfs.tar"
  run sv images -q --no-trunc
  assert_output "$id"
}

@test "import: a bad --change or a non-tar input fails with one line" {
  run sv import --change 'RUN make' "$FIX/rootfs.tar" x:1
  assert_one_line_error
  assert_output --partial 'unsupported instruction `RUN`'
  echo "not a tarball" >"$TESTDIR/junk"
  run sv import "$TESTDIR/junk" x:1
  assert_one_line_error
  assert_output --partial 'not a tar archive'
  assert_no_image
}

# hostile MANIFEST_JQ: the docker fixture with manifest.json edited by jq
hostile_docker() {
  mkdir -p "$TESTDIR/h"
  tar -C "$TESTDIR/h" -xf "$FIX/docker.tar"
  jq "$1" "$TESTDIR/h/manifest.json" >"$TESTDIR/m" && mv "$TESTDIR/m" "$TESTDIR/h/manifest.json"
  tar -C "$TESTDIR/h" -cf "$TESTDIR/hostile.tar" .
}

@test "hostile: truncated archives fail and record nothing" {
  size=$(stat -c %s "$FIX/docker.tar")
  head -c $((size / 2)) "$FIX/docker.tar" >"$TESTDIR/t.tar"
  run sv load -i "$TESTDIR/t.tar"
  assert_one_line_error
  assert_output --partial 'runcated'
  size=$(stat -c %s "$FIX/oci.tar")
  head -c $((size / 2)) "$FIX/oci.tar" >"$TESTDIR/t2.tar"
  run sv load -i "$TESTDIR/t2.tar"
  assert_one_line_error
  assert_no_image
}

@test "hostile: manifest.json paths with .. are refused" {
  hostile_docker '.[0].Layers = ["../../../etc/passwd"]'
  run sv load -i "$TESTDIR/hostile.tar"
  assert_one_line_error
  assert_output --partial 'leaves the archive'
  rm -rf "$TESTDIR/h"
  hostile_docker '.[0].Config = "/etc/hostname"'
  run sv load -i "$TESTDIR/hostile.tar"
  assert_one_line_error
  assert_output --partial 'leaves the archive'
  # a symlink member pointing out of the archive
  rm -rf "$TESTDIR/h"
  hostile_docker '.[0].Layers = ["evil/layer.tar"]'
  mkdir "$TESTDIR/h/evil"
  ln -s ../../../../etc/passwd "$TESTDIR/h/evil/layer.tar"
  tar -C "$TESTDIR/h" -cf "$TESTDIR/hostile.tar" .
  run sv load -i "$TESTDIR/hostile.tar"
  assert_one_line_error
  assert_output --partial 'link leaves the archive'
  assert_no_image
}

@test "hostile: malformed manifest.json / index.json / config" {
  mkdir -p "$TESTDIR/h"
  tar -C "$TESTDIR/h" -xf "$FIX/docker.tar"
  printf '[{"Config": ' >"$TESTDIR/h/manifest.json"
  tar -C "$TESTDIR/h" -cf "$TESTDIR/bad.tar" .
  run sv load -i "$TESTDIR/bad.tar"
  assert_one_line_error
  assert_output --partial 'manifest.json: invalid JSON'
  mkdir -p "$TESTDIR/o"
  tar -C "$TESTDIR/o" -xf "$FIX/oci.tar"
  echo '{"manifests": 3}' >"$TESTDIR/o/index.json"
  tar -C "$TESTDIR/o" -cf "$TESTDIR/bad2.tar" .
  run sv load -i "$TESTDIR/bad2.tar"
  assert_one_line_error
  assert_output --partial 'index.json'
  hostile_docker '.[0].Layers = [1]'
  run sv load -i "$TESTDIR/hostile.tar"
  assert_one_line_error
  assert_output --partial 'Layers[0]: expected a string'
  echo "garbage, not a tar" >"$TESTDIR/g"
  run sv load -i "$TESTDIR/g"
  assert_one_line_error
  assert_no_image
}

@test "hostile: a blob that does not match its digest, and a missing blob" {
  mkdir -p "$TESTDIR/o"
  tar -C "$TESTDIR/o" -xf "$FIX/oci.tar"
  mdigest=$(jq -r '.manifests[0].digest' "$TESTDIR/o/index.json")
  cfg=$(jq -r .config.digest "$TESTDIR/o/blobs/sha256/${mdigest#sha256:}")
  cp -r "$TESTDIR/o" "$TESTDIR/o2"
  echo ' ' >>"$TESTDIR/o/blobs/sha256/${cfg#sha256:}"
  tar -C "$TESTDIR/o" -cf "$TESTDIR/wrong.tar" .
  run sv load -i "$TESTDIR/wrong.tar"
  assert_one_line_error
  assert_output --partial 'digest mismatch'
  layer=$(jq -r '.layers[0].digest' "$TESTDIR/o2/blobs/sha256/${mdigest#sha256:}")
  rm "$TESTDIR/o2/blobs/sha256/${layer#sha256:}"
  tar -C "$TESTDIR/o2" -cf "$TESTDIR/missing.tar" .
  # a fresh root: the failed load above stored the (verified) layer blob, and
  # a blob the store has need not come in the archive
  assert_no_image
  SROOT=$TESTDIR/data2
  run sv load -i "$TESTDIR/missing.tar"
  assert_one_line_error
  assert_output --partial "$layer is not in the archive"
  # a docker-archive layer that is not what the config's diff_id says
  hostile_docker '.'
  layer=$(jq -r '.[0].Layers[0]' "$TESTDIR/h/manifest.json")
  echo junk >>"$TESTDIR/h/$layer"
  tar -C "$TESTDIR/h" -cf "$TESTDIR/hostile.tar" .
  run sv load -i "$TESTDIR/hostile.tar"
  assert_one_line_error
  assert_output --partial 'digest mismatch'
  assert_no_image
}
