#!/bin/bash
# make-rootfs.sh DIR: build a minimal busybox root filesystem in DIR from the host's
# busybox-static (/bin/busybox): applet links in /bin, /etc/passwd and /etc/group with
# root and an unprivileged user (uid/gid 1000), and the usual empty directories.
# Nothing is downloaded; nothing binary is committed.
set -euo pipefail
dir=${1:?usage: make-rootfs.sh DIR}
BUSYBOX=${BUSYBOX:-/bin/busybox}
if ! file_out=$("$BUSYBOX" --list 2>/dev/null); then
  echo "make-rootfs.sh: $BUSYBOX is not a working busybox (apt-get install busybox-static)" >&2
  exit 1
fi
mkdir -p "$dir"/{bin,sbin,etc,tmp,proc,sys,dev,root,home/user,run,var/tmp,usr/bin}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
install -m 0755 "$BUSYBOX" "$dir/bin/busybox"
# relative links, so they resolve inside the container
while read -r applet; do
  [[ $applet == busybox ]] && continue
  ln -sf busybox "$dir/bin/$applet"
done <<<"$file_out"
cat >"$dir/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat >"$dir/etc/group" <<'G'
root:x:0:
user:x:1000:
audio:x:29:user
nogroup:x:65534:
G
chown 1000:1000 "$dir/home/user"
echo servin >"$dir/etc/hostname"
