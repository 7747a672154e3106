#!/bin/bash
# bench/pull.sh: pull an image from a registry on 127.0.0.1 into an empty store, side by
# side in one hyperfine run: `servin pull`, `podman pull` and `skopeo copy` (blobs only,
# no unpack), for a busybox image and a large one-layer image; then servin's layer
# unpack (bench/unpack-layer.c, the code `servin pull` runs) against `tar -xzf` of the
# same blob.  Prints the servin/podman ratio (target <= 0.5) and the unpack/tar ratio
# (target <= 1.2).
#
#   bash bench/pull.sh             # BENCH_RUNS=10 runs (busybox), BENCH_BIG_RUNS=5 (big)
#   SERVIN=/path/to/servin BENCH_FS=tmpfs bash bench/pull.sh
#
# Nothing comes from the internet but Debian packages: the images are built locally with
# umoci and pushed with skopeo to Debian's docker-registry, started here on a free port
# with its storage in a temporary directory and stopped at the end.
#   busybox  the host's busybox-static (scripts/make-rootfs.sh), one layer;
#   big      a Debian bookworm minbase rootfs (debootstrap, ~30 MB gzip-compressed), one
#            layer; debootstrap needs a Debian mirror once, the rootfs and the image are
#            then kept in $BENCH_CACHE (default /var/cache/servin-bench).  Without
#            debootstrap, a tar of a few hundred MB of /usr stands in for it.
# BENCH_LAYER=FILE adds one more gzip layer blob to the unpack comparison.
#
# Every run writes into a fresh, empty file system (BENCH_FS=ext4, the default: a new
# loop-mounted ext4 for each run; or tmpfs): deleting the previous run's tree instead
# would make ext4 skip its recently freed inodes and charge seconds of that to the next
# run.  podman gets its own --root, --runroot and containers.conf (this machine's
# ulimits), and BENCH_PODMAN_DRIVER (default overlay) as its storage driver.
#
# Servin is measured as shipped: a release build (-O3, stripped) in build-release, unless
# SERVIN names a binary.  When `servin pull` does not work, servin is left out of the
# pull comparison and the unpack comparison still runs.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-10}
BIG_RUNS=${BENCH_BIG_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
CACHE=${BENCH_CACHE:-/var/cache/servin-bench}
FS=${BENCH_FS:-ext4}
DRIVER=${BENCH_PODMAN_DRIVER:-overlay}

[[ $(id -u) -eq 0 ]] || { echo "bench: needs root" >&2; exit 1; }
bash "$REPO/scripts/deps.sh"

# --- servin and the unpack driver, from a release build --------------------------------
BUILD=$REPO/build-release
(cd "$REPO" && { [[ -f build-release/build.ninja ]] ||
  meson setup build-release -Dbuildtype=release -Dtests=false -Dc_link_args=-s >/dev/null; })
ninja -C "$BUILD" libservin-image.a libservin-util.a >/dev/null
if [[ -z ${SERVIN:-} ]]; then
  SERVIN=$BUILD/servin
  ninja -C "$BUILD" servin >/dev/null 2>&1 || echo "bench: servin does not build" >&2
fi

work=$(mktemp -d /var/tmp/servin-bench-pull.XXXXXX)
mnt=$work/mnt
reg_pid=
cleanup() {
  set +e
  if [[ -n $reg_pid ]]; then
    kill "$reg_pid" 2>/dev/null
    wait "$reg_pid" 2>/dev/null
  fi
  umount -R "$mnt" 2>/dev/null
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

UNPACK=$work/unpack-layer
# shellcheck disable=SC2046
cc -O2 -D_GNU_SOURCE -I"$REPO/src" "$REPO/bench/unpack-layer.c" "$BUILD/libservin-image.a" \
  "$BUILD/libservin-util.a" $(pkg-config --libs libarchive libcrypto libisal jansson) -lpthread \
  -o "$UNPACK"

# --- a fresh file system for every run --------------------------------------------------
cat >"$work/fresh.sh" <<EOF
#!/bin/sh
set -e
umount -R "$mnt" 2>/dev/null || true
mkdir -p "$mnt"
if [ "$FS" = tmpfs ]; then
  mount -t tmpfs -o size=8g tmpfs "$mnt"
else
  rm -f "$work/fs.img"
  truncate -s 8G "$work/fs.img"
  mkfs.ext4 -q -F -E nodiscard "$work/fs.img"
  mount -o loop "$work/fs.img" "$mnt"
fi
mkdir -p "$mnt/servin" "$mnt/podman" "$mnt/unpack" "$mnt/tar"
EOF
chmod +x "$work/fresh.sh"

# --- the registry -------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REG=127.0.0.1:$PORT
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
  delete:
    enabled: true
http:
  addr: $REG
EOF
/usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do
  curl -fs "http://$REG/v2/" >/dev/null && break
  sleep 0.1
done
curl -fs "http://$REG/v2/" >/dev/null || { cat "$work/registry.log" >&2; exit 1; }
echo "== registry on $REG (pid $reg_pid)"

# --- the images -----------------------------------------------------------------------------
# A one-layer OCI image at $1 (layout:tag) from the directory tree $2.
make_image() {
  local ref=$1 tree=$2 layout=${1%%:*}
  [[ -d $layout ]] || umoci init --layout "$layout"
  umoci new --image "$ref"
  umoci unpack --image "$ref" "$work/bundle" >/dev/null
  cp -a "$tree/." "$work/bundle/rootfs/"
  umoci repack --image "$ref" "$work/bundle" >/dev/null
  umoci config --image "$ref" --config.cmd sh >/dev/null
  umoci gc --layout "$layout"
  rm -rf "$work/bundle"
}

# The Debian minbase rootfs, made once, without the package caches.
big_tree() {
  if [[ ! -d $CACHE/minbase ]] && command -v debootstrap >/dev/null; then
    echo "== debootstrap --variant=minbase bookworm into $CACHE/minbase (once)" >&2
    rm -rf "$CACHE/minbase.tmp"
    debootstrap --variant=minbase bookworm "$CACHE/minbase.tmp" http://deb.debian.org/debian >&2
    rm -rf "$CACHE/minbase.tmp"/var/cache/apt/archives/*.deb "$CACHE/minbase.tmp"/var/lib/apt/lists/*
    mv "$CACHE/minbase.tmp" "$CACHE/minbase"
  fi
  if [[ -d $CACHE/minbase ]]; then
    echo "$CACHE/minbase"
    return
  fi
  echo "bench: no debootstrap: a tar of /usr files stands in for the big image" >&2
  mkdir -p "$work/usr-tree/usr/share"
  cp -a /usr/sbin /usr/include "$work/usr-tree/usr/"
  cp -a /usr/share/doc /usr/share/man "$work/usr-tree/usr/share/"
  echo "$work/usr-tree"
}

mkdir -p "$CACHE"
if [[ ! -f $CACHE/oci/index.json ]] || ! jq -e '.manifests | length == 2' "$CACHE/oci/index.json" >/dev/null; then
  echo "== building the images in $CACHE/oci (once)"
  rm -rf "$CACHE/oci" "$work/rootfs"
  bash "$REPO/scripts/make-rootfs.sh" "$work/rootfs"
  make_image "$CACHE/oci:busybox" "$work/rootfs"
  make_image "$CACHE/oci:big" "$(big_tree)"
fi
for img in busybox big; do
  skopeo copy -q --dest-tls-verify=false "oci:$CACHE/oci:$img" "docker://$REG/$img:latest"
done

# The (only) layer blob of an image of $CACHE/oci.
layer_blob() {
  local m
  m=$(jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
    "$CACHE/oci/index.json")
  jq -r '.layers[-1].digest' "$CACHE/oci/blobs/${m/://}" | sed "s|^|$CACHE/oci/blobs/|; s|:|/|"
}
BIG_BLOB=$(layer_blob big)
printf '== images: busybox layer %s, big layer %s (%s uncompressed)\n' \
  "$(du -h "$(layer_blob busybox)" | cut -f1)" "$(du -h "$BIG_BLOB" | cut -f1)" \
  "$(gzip -dc "$BIG_BLOB" | wc -c | numfmt --to=iec)"

# --- podman's own configuration -------------------------------------------------------
mkdir -p "$work/podman-tmp"
cat >"$work/containers.conf" <<EOF
[containers]
# this machine's hard limits are lower than podman's defaults
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/podman-events.log"
tmp_dir = "$work/podman-tmp"
EOF
export CONTAINERS_CONF=$work/containers.conf

# --- the commands --------------------------------------------------------------------------
# pull_cmds IMAGE: fills cmds with the tools that can pull it once, checked on a fresh fs.
pull_cmds() {
  local img=$REG/$1:latest
  local servin="$SERVIN --root $mnt/servin pull -q --tls-verify=false $img"
  local podman="podman --root $mnt/podman/root --runroot $mnt/podman/run --storage-driver $DRIVER pull -q --tls-verify=false $img"
  local skopeo="skopeo copy -q --src-tls-verify=false docker://$img oci:$mnt/skopeo:$1"
  cmds=()
  local n c
  for n in servin podman skopeo; do
    c=${!n}
    "$work/fresh.sh"
    if [[ $n == servin && ! -x $SERVIN ]]; then
      echo "bench: $SERVIN not built - servin left out" >&2
      continue
    fi
    # shellcheck disable=SC2086
    if ! $c >"$work/check.log" 2>&1; then
      echo "bench: '$c' fails - $n left out:" >&2
      tail -5 "$work/check.log" >&2
      continue
    fi
    cmds+=(-n "$n" "$c")
  done
}

# mean NAME JSON: the mean of NAME in hyperfine's JSON export, in seconds, or "".
mean() {
  jq -r --arg c "$1" '.results[] | select(.command == $c) | .mean' "$2" 2>/dev/null || true
}

ratio() {
  [[ -n $1 && -n $2 ]] && printf '%.2f' "$(echo "$1 / $2" | bc -l)" || printf 'n/a'
}

hf() {
  local json=$1 runs=$2
  shift 2
  hyperfine -N --style basic -w "$WARMUP" -r "$runs" --prepare "$work/fresh.sh" \
    --export-json "$json" "$@"
}

declare -A res
for img in busybox big; do
  runs=$RUNS
  [[ $img == big ]] && runs=$BIG_RUNS
  pull_cmds "$img"
  ((${#cmds[@]})) || continue
  echo
  echo "== hyperfine: pull $img into an empty store ($runs runs each)"
  hf "$work/pull-$img.json" "$runs" "${cmds[@]}"
  for n in servin podman skopeo; do res[$img-$n]=$(mean "$n" "$work/pull-$img.json"); done
done

# --- layer unpack against tar -xzf --------------------------------------------------------
unpack_cmp() {
  local name=$1 blob=$2
  "$work/fresh.sh"
  "$UNPACK" "$blob" "$mnt/unpack" >&2
  echo
  echo "== hyperfine: unpack of the $name layer: servin vs tar -xzf ($BIG_RUNS runs each)"
  hf "$work/unpack-$name.json" "$BIG_RUNS" \
    -n unpack "$UNPACK -q $blob $mnt/unpack" \
    -n tar "tar -xzf $blob -C $mnt/tar"
  res[unpack-$name]=$(mean unpack "$work/unpack-$name.json")
  res[tar-$name]=$(mean tar "$work/unpack-$name.json")
}
unpack_cmp big "$BIG_BLOB"
[[ -n ${BENCH_LAYER:-} ]] && unpack_cmp extra "$BENCH_LAYER"

# --- the table -------------------------------------------------------------------------------
ms() { [[ -n $1 ]] && printf '%.0f ms' "$(echo "$1 * 1000" | bc -l)" || printf 'n/a'; }
echo
echo "== summary (means; fs: $FS, podman driver: $DRIVER)"
printf '%-22s %12s %12s %12s %14s\n' "pull" servin podman skopeo "servin/podman"
for img in busybox big; do
  printf '%-22s %12s %12s %12s %14s\n' "$img" "$(ms "${res[$img-servin]:-}")" \
    "$(ms "${res[$img-podman]:-}")" "$(ms "${res[$img-skopeo]:-}")" \
    "$(ratio "${res[$img-servin]:-}" "${res[$img-podman]:-}")"
done
echo "(target: servin/podman <= 0.5)"
printf '\n%-22s %12s %12s %14s\n' "layer unpack" servin "tar -xzf" "servin/tar"
for name in big extra; do
  [[ -n ${res[unpack-$name]:-} ]] || continue
  printf '%-22s %12s %12s %14s\n' "$name" "$(ms "${res[unpack-$name]}")" \
    "$(ms "${res[tar-$name]}")" "$(ratio "${res[unpack-$name]}" "${res[tar-$name]}")"
done
echo "(target: servin/tar <= 1.2)"
