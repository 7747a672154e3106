#!/bin/bash
# demo.sh: install dependencies, build Servin, make a busybox bundle in a temporary
# directory from the host's busybox-static, and run it with build/servin-runtime.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
bash scripts/deps.sh
[[ -f build/build.ninja ]] || meson setup build >/dev/null
meson compile -C build >/dev/null
RT=${SERVIN_RUNTIME:-$REPO/build/servin-runtime}
[[ -x $RT ]] || { echo "demo.sh: $RT was not built" >&2; exit 1; }

work=$(mktemp -d /tmp/servin-demo.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
bash scripts/make-rootfs.sh "$work/bundle/rootfs"
(cd "$work/bundle" && "$RT" spec)
jq '.process.terminal = false
  | .hostname = "servin-demo"
  | .process.args = ["sh", "-c", "echo \"hello from $(hostname): pid $$, uid $(id -u), $(ls /bin | wc -l) busybox applets\"; cat /etc/os-release 2>/dev/null || uname -sr"]' \
  "$work/bundle/config.json" >"$work/bundle/config.json.new"
mv "$work/bundle/config.json.new" "$work/bundle/config.json"
"$RT" --root "$work/state" run --bundle "$work/bundle" "demo-$$"
