#!/usr/bin/env bats
# /dev: default devices, symlinks, pseudo-filesystems, linux.devices, device cgroup.

load helpers

setup() {
  common_setup
  make_bundle
}

teardown() {
  common_teardown
}

@test "default devices exist with the right type and numbers" {
  set_cmd 'for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T %a" /dev/$d)"; done'
  run_ctr
  assert_success
  assert_line "null character special file 1:3 666"
  assert_line "zero character special file 1:5 666"
  assert_line "full character special file 1:7 666"
  assert_line "random character special file 1:8 666"
  assert_line "urandom character special file 1:9 666"
  assert_line "tty character special file 5:0 666"
}

@test "default devices work: null swallows, zero reads zeros, full is full" {
  set_cmd 'echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1 | tr -d " "; echo x > /dev/full || echo full-err; head -c 8 /dev/urandom | wc -c'
  run_ctr
  assert_line null-ok
  assert_line 00000000
  assert_line full-err
  assert_output --partial 'No space left on device'
  assert_line 8
}

@test "/dev symlinks: fd, stdin, stdout, stderr, ptmx" {
  set_cmd 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done'
  run_ctr
  assert_success
  assert_line "fd -> /proc/self/fd"
  assert_line "stdin -> /proc/self/fd/0"
  assert_line "stdout -> /proc/self/fd/1"
  assert_line "stderr -> /proc/self/fd/2"
  assert_line "ptmx -> pts/ptmx"
}

@test "/dev is a private tmpfs with devpts, shm and mqueue; host devices are absent" {
  set_cmd 'grep -E " /dev(/pts|/shm|/mqueue)? " /proc/mounts | cut -d" " -f2,3; ls /dev | wc -l; ls /dev/vda /dev/sda /dev/kmsg 2>&1 | grep -c "No such"'
  run_ctr
  assert_success
  assert_line "/dev tmpfs"
  assert_line "/dev/pts devpts"
  assert_line "/dev/shm tmpfs"
  assert_line "/dev/mqueue mqueue"
  # far fewer entries than the host's /dev
  [[ ${lines[4]} -lt 30 ]]
  assert_line --index 5 3
}

@test "linux.devices: device node created with mode and owner, and usable" {
  update_config '.linux.devices = [{"path": "/dev/svnull", "type": "c", "major": 1, "minor": 3, "fileMode": 432, "uid": 1000, "gid": 1000}]
    | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]
    | .process.user = {"uid": 1000, "gid": 1000}'
  set_cmd 'stat -c "%F %t:%T %a %u:%g" /dev/svnull; echo hi > /dev/svnull && echo write-ok'
  run_ctr
  assert_success
  # 432 = 0660
  assert_line "character special file 1:3 660 1000:1000"
  assert_line write-ok
}

@test "device cgroup: a node the cgroup does not allow cannot be opened" {
  # block 7:0 (loop0) is created but not allowed by linux.resources.devices
  update_config '.linux.devices = [{"path": "/dev/svloop", "type": "b", "major": 7, "minor": 0, "fileMode": 384}]'
  set_cmd 'stat -c "%F %t:%T" /dev/svloop; head -c 1 /dev/svloop > /dev/null && echo OPENED; mknod /dev/other b 8 0 && echo MKNOD'
  run_ctr
  assert_line --index 0 "block special file 7:0"
  refute_line OPENED
  refute_line MKNOD
  assert_output --partial 'Operation not permitted'
}
