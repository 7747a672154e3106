#!/usr/bin/env bats
# Mounts: proc, sysfs, tmpfs options, bind, read-only bind, read-only rootfs,
# propagation, masked and read-only paths, symlinks in the rootfs.

load helpers

setup() {
  common_setup
  make_bundle
}

teardown() {
  common_teardown
}

# add_mount JSON
add_mount() {
  update_config ".mounts += [$1]"
}

@test "proc and sysfs: mounted with the right types and options" {
  set_cmd 'grep -E "^[^ ]+ /(proc|sys) " /proc/mounts; ls /proc/self/status >/dev/null && echo proc-ok'
  run_ctr
  assert_success
  assert_line --regexp '^proc /proc proc rw[, ]'
  # runc's default spec mounts sysfs read-only
  assert_line --regexp '^sysfs /sys sysfs ro,nosuid,nodev,noexec'
  assert_line proc-ok
}

@test "tmpfs: size, mode and nosuid are applied" {
  add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m", "mode=1770"]}'
  set_cmd 'grep " /scratch " /proc/mounts; stat -c %a /scratch; dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>&1; ls -l /scratch/big'
  run_ctr
  assert_line --index 0 --regexp '^tmpfs /scratch tmpfs rw,nosuid,nodev.*size=1024k'
  assert_line --index 1 1770
  # the 1 MiB size limit stops the write
  assert_output --partial 'No space left on device'
}

@test "bind: host directory visible and writable inside" {
  mkdir "$TESTDIR/hostdir"
  echo from-host >"$TESTDIR/hostdir/file"
  add_mount "{\"destination\": \"/mnt/data\", \"type\": \"bind\", \"source\": \"$TESTDIR/hostdir\", \"options\": [\"rbind\"]}"
  set_cmd 'cat /mnt/data/file; echo from-container > /mnt/data/new'
  run_ctr
  assert_success
  assert_output from-host
  assert_equal "$(cat "$TESTDIR/hostdir/new")" from-container
}

@test "bind: a single file, destination created in the rootfs" {
  echo filecontent >"$TESTDIR/single"
  add_mount "{\"destination\": \"/etc/deep/er/single.conf\", \"type\": \"none\", \"source\": \"$TESTDIR/single\", \"options\": [\"bind\"]}"
  set_cmd 'cat /etc/deep/er/single.conf'
  run_ctr
  assert_success
  assert_output filecontent
}

@test "bind ro: read-only remount applies, writes fail, host file untouched" {
  mkdir "$TESTDIR/hostdir"
  echo original >"$TESTDIR/hostdir/file"
  add_mount "{\"destination\": \"/mnt/ro\", \"type\": \"bind\", \"source\": \"$TESTDIR/hostdir\", \"options\": [\"bind\", \"ro\", \"nosuid\"]}"
  set_cmd 'grep " /mnt/ro " /proc/mounts; echo changed > /mnt/ro/file && echo WROTE; touch /mnt/ro/new && echo CREATED; cat /mnt/ro/file'
  run_ctr
  assert_line --index 0 --regexp ' /mnt/ro [^ ]+ ro,nosuid'
  refute_line WROTE
  refute_line CREATED
  assert_output --partial 'Read-only file system'
  assert_line original
  assert_equal "$(cat "$TESTDIR/hostdir/file")" original
  [[ ! -e $TESTDIR/hostdir/new ]]
}

@test "root.readonly: rootfs is mounted read-only" {
  update_config '.root.readonly = true'
  set_cmd 'touch /newfile && echo WROTE; grep -E "^[^ ]+ / " /proc/mounts'
  run_ctr
  refute_line WROTE
  assert_output --partial 'Read-only file system'
  assert_line --regexp ' / [^ ]+ ro[ ,]'
  [[ ! -e $BUNDLE/rootfs/newfile ]]
}

@test "propagation: rslave bind of a shared host mount receives later host mounts" {
  mkdir -p "$TESTDIR/prop"
  mount --bind "$TESTDIR/prop" "$TESTDIR/prop"
  mount --make-shared "$TESTDIR/prop"
  add_mount "{\"destination\": \"/mnt/prop\", \"type\": \"bind\", \"source\": \"$TESTDIR/prop\", \"options\": [\"rbind\", \"rslave\"]}"
  set_cmd 'grep " /mnt/prop " /proc/self/mountinfo > /tmp/mi; touch /tmp/ready; i=0; while [ $i -lt 50 ]; do grep -q " /mnt/prop/sub " /proc/self/mountinfo && { echo seen > /tmp/seen; break; }; sleep 0.1; i=$((i+1)); done; mkdir -p /mnt/prop/fromctr; mount -t tmpfs none /mnt/prop/fromctr 2>/dev/null; sleep 100'
  update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  mkdir -p "$TESTDIR/prop/sub"
  mount -t tmpfs svtest "$TESTDIR/prop/sub"
  wait_for_file "$BUNDLE/rootfs/tmp/seen"
  run cat "$BUNDLE/rootfs/tmp/mi"
  assert_output --regexp 'master:[0-9]+'
  refute_output --regexp 'shared:[0-9]+'
  # and nothing the container mounts comes back to the host (slave, not shared)
  sleep 0.3
  run grep " $TESTDIR/prop/fromctr " /proc/self/mountinfo
  assert_failure
  rt delete --force "$CID"
  umount "$TESTDIR/prop/sub"
  umount "$TESTDIR/prop"
}

@test "propagation: rootfsPropagation private hides host mounts made after start" {
  mkdir -p "$TESTDIR/prop"
  mount --bind "$TESTDIR/prop" "$TESTDIR/prop"
  mount --make-shared "$TESTDIR/prop"
  add_mount "{\"destination\": \"/mnt/prop\", \"type\": \"bind\", \"source\": \"$TESTDIR/prop\", \"options\": [\"rbind\", \"rprivate\"]}"
  set_cmd 'touch /tmp/ready; sleep 1; grep " /mnt/prop" /proc/self/mountinfo; sleep 100'
  start_detached
  wait_for_file "$BUNDLE/rootfs/tmp/ready"
  mkdir -p "$TESTDIR/prop/sub"
  mount -t tmpfs svtest "$TESTDIR/prop/sub"
  sleep 1.5
  run ctr_out
  assert_line --regexp ' /mnt/prop '
  refute_line --partial '/mnt/prop/sub'
  refute_output --regexp '(shared|master):'
  rt delete --force "$CID"
  umount "$TESTDIR/prop/sub"
  umount "$TESTDIR/prop"
}

@test "maskedPaths: files read empty, directories are empty, defaults mask /proc/kcore" {
  mkdir -p "$BUNDLE/rootfs/secret-dir"
  echo secret >"$BUNDLE/rootfs/secret-dir/key"
  echo secret >"$BUNDLE/rootfs/secret-file"
  update_config '.linux.maskedPaths += ["/secret-dir", "/secret-file", "/does-not-exist"]'
  set_cmd 'ls -A /secret-dir | wc -l; wc -c < /secret-file; if [ -e /proc/kcore ]; then wc -c < /proc/kcore; else echo 0; fi; echo x > /secret-file; cat /secret-dir/key; touch /secret-dir/new && echo WROTE'
  run_ctr
  assert_line --index 0 0
  assert_line --index 1 0
  assert_line --index 2 0
  refute_line secret
  # the masking tmpfs is read-only
  refute_line WROTE
  # masking does not change the rootfs
  assert_equal "$(cat "$BUNDLE/rootfs/secret-file")" secret
}

@test "readonlyPaths: writes fail, reads work; /proc/sys is read-only by default" {
  mkdir -p "$BUNDLE/rootfs/ro-dir"
  echo data >"$BUNDLE/rootfs/ro-dir/f"
  update_config '.linux.readonlyPaths += ["/ro-dir"]'
  set_cmd 'cat /ro-dir/f; touch /ro-dir/new && echo WROTE1; echo 1 > /proc/sys/kernel/domainname && echo WROTE2; grep " /ro-dir " /proc/mounts'
  run_ctr
  assert_line --index 0 data
  refute_line WROTE1
  refute_line WROTE2
  assert_line --regexp ' /ro-dir [^ ]+ ro[ ,]'
}

@test "symlink in rootfs to a host path used as mount destination stays inside the rootfs" {
  # the host directory the symlinks point at; nothing may be mounted on it
  mkdir -p "$TESTDIR/hosttarget" "$TESTDIR/hosttarget2" "$TESTDIR/src"
  echo host-original >"$TESTDIR/hosttarget/marker"
  echo host-original >"$TESTDIR/hosttarget2/marker"
  echo from-source >"$TESTDIR/src/content"
  ln -s "$TESTDIR/hosttarget" "$BUNDLE/rootfs/evil-abs"
  ln -s "../../../../../../../../..$TESTDIR/hosttarget2" "$BUNDLE/rootfs/evil-rel"
  add_mount "{\"destination\": \"/evil-abs\", \"type\": \"bind\", \"source\": \"$TESTDIR/src\", \"options\": [\"rbind\"]}"
  add_mount '{"destination": "/evil-rel", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
  set_cmd 'cat /evil-abs/content; echo written > /evil-abs/new; touch /evil-rel/x; touch /tmp/ready; sleep 100'
  create_ctr
  pid=$(ctr_pid)
  rt start "$CID"
  wait_for_file "$BUNDLE/rootfs/tmp/ready" || true
  # host: the target directory is untouched, not a mount point, in the host namespace...
  assert_equal "$(ls -A "$TESTDIR/hosttarget")" marker
  assert_equal "$(ls -A "$TESTDIR/hosttarget2")" marker
  run grep -E " $TESTDIR/hosttarget2? " /proc/self/mountinfo
  assert_failure
  # ...the runtime resolved the symlinks inside the rootfs instead
  [[ -d $BUNDLE/rootfs$TESTDIR/hosttarget && -d $BUNDLE/rootfs$TESTDIR/hosttarget2 ]]
  # the mounts landed inside the rootfs: writes through them reach the source, not the target
  run ctr_out
  assert_line --index 0 from-source
  assert_equal "$(cat "$TESTDIR/src/new" 2>/dev/null)" written
  [[ ! -e $TESTDIR/hosttarget/new && ! -e $TESTDIR/hosttarget2/x ]]
}

@test "mounts: a bind mount of a missing source is an error that names it" {
  add_mount "{\"destination\": \"/mnt/x\", \"type\": \"bind\", \"source\": \"$TESTDIR/nonexistent\", \"options\": [\"bind\"]}"
  run_ctr
  assert_failure
  assert_output --partial nonexistent
  [[ ! -e $ROOT/$CID ]]
}

@test "mounts: cgroup filesystem is mounted read-only at /sys/fs/cgroup" {
  set_cmd 'grep " /sys/fs/cgroup" /proc/mounts | head -n 3; touch /sys/fs/cgroup/x && echo WROTE'
  run_ctr
  assert_output --partial /sys/fs/cgroup
  refute_line WROTE
}
