#!/bin/bash
# Install every build and test dependency of Servin from Debian packages.
# Idempotent and quiet when everything is already there; runs `apt-get update`
# only when something is missing.
set -euo pipefail

PKGS=(
  # build
  meson ninja-build pkg-config gcc libjansson-dev libseccomp-dev libcap-dev
  # unit + integration tests
  libcmocka-dev bats bats-assert bats-support busybox-static jq iproute2 util-linux
  python3 procps psmisc
  # peers and acceptance tests
  crun runc podman containerd skopeo umoci docker-registry apache2-utils
  # benchmarks and style
  hyperfine time bc clang-format iperf3
  # networking tests: nft to read rulesets, a static libc for the UDP echo fixture
  nftables libc6-dev
  # libraries for later work (image store, registry client, networking)
  libsqlite3-dev libarchive-dev libcurl4-openssl-dev libmnl-dev libnftables-dev libssl-dev
  # layer unpacking: ISA-L inflate for gzip layers
  libisal-dev
)

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $st == installed ]] || missing+=("$p")
done

# python3 may come from elsewhere (pyenv); accept any python3 on PATH.
if ((${#missing[@]})) && command -v python3 >/dev/null; then
  keep=()
  for p in "${missing[@]}"; do [[ $p == python3 ]] || keep+=("$p"); done
  missing=("${keep[@]+"${keep[@]}"}")
fi

((${#missing[@]})) || exit 0

echo "deps.sh: installing: ${missing[*]}" >&2
SUDO=
[[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
echo "deps.sh: done" >&2
