#!/bin/bash
# demo.sh: install dependencies, build Servin, give the default data root
# (/var/lib/servin, or $SERVIN_ROOT) a `busybox` image made locally from the
# host's busybox-static (nothing is downloaded), and run a container from it
# with `servin run`.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
bash scripts/deps.sh
[[ -f build/build.ninja ]] || meson setup build >/dev/null
meson compile -C build >/dev/null
SERVIN=${SERVIN:-$REPO/build/servin}
[[ -x $SERVIN ]] || { echo "demo.sh: $SERVIN was not built" >&2; exit 1; }

# The embedded default image: imported once, kept for later `servin run busybox`.
if ! "$SERVIN" image inspect busybox >/dev/null 2>&1; then
  work=$(mktemp -d /tmp/servin-demo.XXXXXX)
  trap 'rm -rf --one-file-system "$work"' EXIT
  bash scripts/make-rootfs.sh "$work/rootfs"
  tar -C "$work/rootfs" -cf "$work/busybox.tar" .
  "$SERVIN" import --change 'CMD ["sh"]' -m "busybox-static from the host" \
    "$work/busybox.tar" busybox:latest >/dev/null
fi

"$SERVIN" run --rm --name "servin-demo-$$" -h servin-demo busybox sh -c \
  'echo "hello from $(hostname): pid $$, uid $(id -u), $(ls /bin | wc -l) busybox applets, caps $(grep CapEff /proc/self/status | cut -f2)"'
