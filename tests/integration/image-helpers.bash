# Helpers of the image tests: a local registry and fixture images.
#
# Load after helpers.bash.  Gives:
#   SERVIN                 the servin binary (from helpers.bash)
#   sv ARGS...             servin with this test's --root ($ROOT)
#   start_registry [HTPASSWD]  Debian's docker-registry on 127.0.0.1:$REG_PORT,
#                          storage in $REG_STORAGE; REGISTRY=127.0.0.1:$REG_PORT
#   stop_registry          kill it (image_teardown calls it)
#   fixture_busybox L TAG, fixture_three_layers L TAG, fixture_multiarch L TAG,
#   fixture_big L TAG      OCI layouts made with umoci (cached per test file)
#   push_fixture L TAG NAME  skopeo copy oci:L:TAG to $REGISTRY/NAME
#
# Each test gets its own DOCKER_CONFIG under $TESTDIR.


sv() {
  "$SERVIN" --root "$ROOT" "$@" 3>&-
}

image_setup() {
  common_setup
  [[ -x $SERVIN ]] || skip "servin not built: $SERVIN does not exist (set SERVIN_BIN)"
  require_cmd docker-registry umoci skopeo curl jq python3
  export DOCKER_CONFIG=$TESTDIR/docker-config
  mkdir -p "$DOCKER_CONFIG"
  FIXTURES=${BATS_FILE_TMPDIR:-$BATS_RUN_TMPDIR}/fixtures
  mkdir -p "$FIXTURES"
}

image_teardown() {
  stop_registry
  common_teardown
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry [HTPASSWD_FILE]
start_registry() {
  local htpasswd=${1:-} dir=$TESTDIR/registry i code
  mkdir -p "$dir/storage"
  REG_STORAGE=$dir/storage
  REG_PORT=$(free_port)
  REGISTRY=127.0.0.1:$REG_PORT
  {
    echo "version: 0.1"
    echo "log: {level: warn, accesslog: {disabled: true}}"
    echo "storage: {filesystem: {rootdirectory: $REG_STORAGE}, delete: {enabled: true}}"
    echo "http: {addr: '$REGISTRY'}"
    if [[ -n $htpasswd ]]; then
      echo "auth: {htpasswd: {realm: servin-test, path: $htpasswd}}"
    fi
  } >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" </dev/null >"$dir/log" 2>&1 3>&- &
  REG_PID=$!
  for i in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/") || true
    [[ $code == 200 || $code == 401 ]] && return 0
    kill -0 "$REG_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "registry did not start:" >&2
  cat "$dir/log" >&2
  stop_registry
  return 1
}

stop_registry() {
  [[ -n ${REG_PID:-} ]] || return 0
  kill "$REG_PID" 2>/dev/null || true
  local i
  for i in $(seq 50); do
    kill -0 "$REG_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$REG_PID" 2>/dev/null || true
  wait "$REG_PID" 2>/dev/null || true
  REG_PID=
}

# make_htpasswd USER PASS: an htpasswd file (bcrypt), path printed
make_htpasswd() {
  require_cmd htpasswd
  htpasswd -Bbn "$1" "$2" >"$TESTDIR/htpasswd"
  echo "$TESTDIR/htpasswd"
}

# push_fixture LAYOUT TAG NAME[:TAG]: copy an OCI layout image (or index) to $REGISTRY
push_fixture() {
  skopeo copy --quiet --all --dest-tls-verify=false "oci:$1:$2" "docker://$REGISTRY/$3" >&2
}

# registry_digest NAME[:TAG]: the manifest digest the registry serves
registry_digest() {
  skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}

# _umoci_new LAYOUT TAG: an empty image TAG in LAYOUT, unpacked at $LAYOUT.b/TAG
_umoci_new() {
  local l=$1 t=$2
  [[ -d $l ]] || umoci init --layout "$l"
  umoci new --image "$l:$t"
  umoci unpack --image "$l:$t" "$l.b/$t" >/dev/null
}

_umoci_repack() {
  umoci repack --refresh-bundle --image "$1:$2" "$1.b/$2"
}

# _fixture NAME FUNCTION: build once per test file, then reuse
_fixture() {
  local name=$1 fn=$2 l=$FIXTURES/$1
  if [[ ! -e $l.done ]]; then
    rm -rf "$l" "$l.b"
    "$fn" "$l" >&2 || return 1
    touch "$l.done"
  fi
  echo "$l"
}

# a one-layer busybox image, tag "latest"
_build_busybox() {
  local l=$1 r=$1.b/latest/rootfs
  _umoci_new "$l" latest
  mkdir -p "$r/bin"
  cp "$BUSYBOX" "$r/bin/busybox"
  ln -s busybox "$r/bin/sh"
  echo busybox >"$r/marker"
  _umoci_repack "$l" latest
  umoci config --image "$l:latest" --config.cmd sh
}
fixture_busybox() { _fixture busybox _build_busybox; }

# three layers: 1 makes a/keep a/gone d/old1 d/sub/old2; 2 deletes a/gone
# (a whiteout); 3 makes d opaque and adds d/new (crafted with tarfile:
# umoci would write one whiteout per removed file instead)
_build_three() {
  local l=$1 r=$1.b/latest/rootfs
  _umoci_new "$l" latest
  mkdir -p "$r/a" "$r/d/sub"
  echo keep >"$r/a/keep"
  echo gone >"$r/a/gone"
  echo old1 >"$r/d/old1"
  echo old2 >"$r/d/sub/old2"
  _umoci_repack "$l" latest
  rm "$r/a/gone"
  _umoci_repack "$l" latest
  python3 - "$l.layer3.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, kind, data=b""):
        i = tarfile.TarInfo(name)
        i.mtime = 1700000000
        if kind == "dir":
            i.type, i.mode = tarfile.DIRTYPE, 0o755
            t.addfile(i)
        else:
            i.size, i.mode = len(data), 0o644
            t.addfile(i, io.BytesIO(data))
    add("d", "dir")
    add("d/.wh..wh..opq", "file")
    add("d/new", "file", b"new\n")
EOF
  umoci raw add-layer --image "$l:latest" "$l.layer3.tar"
}
fixture_three_layers() { _fixture three _build_three; }

# an index with linux/amd64 and linux/arm64 images, tag "multi"; each has
# /arch holding its architecture
_build_multi() {
  local l=$1 a
  for a in amd64 arm64; do
    _umoci_new "$l" "$a"
    mkdir -p "$l.b/$a/rootfs/bin"
    cp "$BUSYBOX" "$l.b/$a/rootfs/bin/busybox"
    echo "$a" >"$l.b/$a/rootfs/arch"
    _umoci_repack "$l" "$a"
    umoci config --image "$l:$a" --architecture "$a" --os linux
  done
  python3 - "$l" <<'EOF'
import hashlib, json, os, sys
l = sys.argv[1]
idx = json.load(open(f"{l}/index.json"))
by_tag = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in idx["manifests"]}
entries = []
for arch in ("amd64", "arm64"):
    d = dict(by_tag[arch])
    d.pop("annotations", None)
    d["platform"] = {"architecture": arch, "os": "linux"}
    entries.append(d)
doc = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                  "manifests": entries}).encode()
h = hashlib.sha256(doc).hexdigest()
open(f"{l}/blobs/sha256/{h}", "wb").write(doc)
idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json",
                         "digest": "sha256:" + h, "size": len(doc),
                         "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(idx, open(f"{l}/index.json", "w"))
EOF
}
fixture_multiarch() { _fixture multi _build_multi; }

# busybox plus a 48 MiB layer of random bytes: a pull that takes a while
_build_big() {
  local l=$1 r=$1.b/latest/rootfs
  _umoci_new "$l" latest
  mkdir -p "$r/bin"
  cp "$BUSYBOX" "$r/bin/busybox"
  _umoci_repack "$l" latest
  head -c $((48 << 20)) /dev/urandom >"$r/big"
  _umoci_repack "$l" latest
}
fixture_big() { _fixture big _build_big; }

# store_snapshot: every file of $ROOT with its type, mode and checksum
# (the database's WAL files and the lock file excluded)
store_snapshot() {
  (cd "$ROOT" && find . \( -name 'servin.db-wal' -o -name 'servin.db-shm' -o -name '*.lock' \) -prune \
    -o -printf '%y %m %s %p\n' | sort) 
  (cd "$ROOT" && find . -type f ! -name 'servin.db*' ! -name '*.lock' -exec sha256sum {} + | sort)
}

# layer_dir_with FILE: the unpacked layer directories that contain FILE
layer_dirs_with() {
  local d
  for d in "$ROOT"/layers/*/; do
    [[ -e $d/$1 || -L $d/$1 ]] && echo "${d%/}"
  done
  return 0
}
