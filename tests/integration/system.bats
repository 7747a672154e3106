#!/usr/bin/env bats
# servin system df / system prune / version / info, and what containers
# protect: an image a container uses is not deleted by rmi (without -f,
# which only untags it) nor by image prune.  Images come from `servin
# import` of a busybox rootfs (no registry needed).

load helpers
load engine-helpers

setup() {
  engine_setup
  busybox_tar
  import_busybox
}

teardown() {
  engine_teardown
}

# import another image named NAME whose content differs by FILE; prints its id
import_variant() {
  local dir=$TESTDIR/variant-$2
  cp -a "$TESTDIR/rootfs" "$dir"
  echo "$2" >"$dir/$2"
  tar -C "$dir" -cf "$dir.tar" .
  sv import "$dir.tar" "$1"
}

# the images as sorted "REPOSITORY:TAG", "ID" appended for untagged ones
images() {
  sv images --format json | jq -r 'if .Repository == "<none>" then "\(.Repository):\(.Tag) \(.ID)" else "\(.Repository):\(.Tag)" end' | sort
}

# df_row TYPE: "TOTAL ACTIVE SIZE RECLAIMABLE" of one `system df` row
df_row() {
  sv system df --format '{{.Type}}|{{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}' |
    sed -n "s/^$1|//p"
}

@test "system df counts what exists: images, containers, volumes, build cache" {
  run sv system df
  assert_success
  assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
  size=$(sv images --format json | jq -r .Size)
  assert_line --regexp "^Images +1 +0 +$size +$size \\(100%\\)$"
  assert_line --regexp '^Containers +0 +0 +0B +0B$'
  assert_line --regexp '^Local Volumes +0 +0 +0B +0B$'
  assert_line --regexp '^Build Cache +0 +0 +0B +0B$'

  # a running container writing 2000 bytes, a stopped one, a used and an unused volume
  sv run -d --name up -v used:/v busybox sh -c 'head -c 2000 /dev/zero >/big; sleep 60' >/dev/null
  sv run --name down busybox sh -c 'head -c 3000 /dev/zero >/big' >/dev/null
  sv volume create spare >/dev/null
  head -c 1000 /dev/zero >"$SROOT/volumes/spare/_data/f"
  head -c 4000 /dev/zero >"$SROOT/volumes/used/_data/f"
  # the writable layers: 2000 and 3000 bytes, and a few of /etc the engine writes
  ctr_re='^2 1 5(\.0[0-9])?kB 3(\.0[0-9])?kB \((59|60)%\)$'
  for i in $(seq 50); do
    [[ $(df_row Containers) =~ $ctr_re ]] && break
    sleep 0.1
  done
  [[ $(df_row Images) == "1 1 $size 0B (0%)" ]]
  [[ $(df_row Containers) =~ $ctr_re ]]
  # "down" still mounts nothing, "up" mounts "used": only "spare" is reclaimable
  [[ $(df_row 'Local Volumes') == '2 1 5kB 1kB (20%)' ]]
  run sv system df --format json
  [[ $(jq -s length <<<"$output") == 4 ]]
  [[ $(jq -r 'select(.Type == "Containers") | .TotalCount' <<<"$output") == 2 ]]
}

@test "system prune removes stopped containers and dangling images, keeps running ones" {
  sv run -d --name up busybox sleep 60 >/dev/null
  down=$(sv create busybox true)
  old=$(import_variant other one)
  new=$(import_variant other two)
  [[ $old != "$new" ]]
  run sv system prune -f
  assert_success
  assert_line 'Deleted Containers:'
  assert_line "$down"
  assert_line 'Deleted Images:'
  assert_line "deleted: $old"
  refute_output --partial "deleted: $new"
  assert_line --regexp '^Total reclaimed space: [0-9.]+[kM]?B$'
  run sv ps -a --format '{{.Names}} {{.State}}'
  assert_output 'up running'
  run images
  assert_output $'busybox:latest\nother:latest'

  # -a: every image no container uses; busybox has a running container
  run sv system prune -a -f
  assert_line "untagged: other:latest"
  assert_line "deleted: $new"
  run images
  assert_output busybox:latest
  run sv ps -q
  [[ -n $output ]]
  # nothing left to prune
  run sv system prune -a -f
  assert_output 'Total reclaimed space: 0B'
}

@test "system prune --volumes removes unused anonymous volumes only" {
  sv run -d --name up -v /inuse busybox sleep 60 >/dev/null
  id=$(sv create -v /gone -v named:/named busybox true)
  gone=$(sv inspect --format '{{json .HostConfig.Mounts}}' "$id" | jq -r '.[] | select(.Target == "/gone") | .Source')
  inuse=$(sv inspect --format '{{json .HostConfig.Mounts}}' up | jq -r '.[0].Source')
  # without --volumes the volumes stay
  sv rm "$id" >/dev/null
  sv system prune -f >/dev/null
  [[ $(sv volume ls -q | wc -l) == 3 ]]
  run sv system prune -f --volumes
  assert_line 'Deleted Volumes:'
  assert_line "$gone"
  run sv volume ls -q
  assert_output "$(printf '%s\n' "$inuse" named | sort)"
}

@test "version and info print their fields; --format reads them" {
  run sv version
  assert_success
  assert_line 'servin version 0.1.0'
  assert_line --regexp '^ OCI runtime spec: +1\.[0-9]+\.[0-9]+$'
  run sv version --format json
  [[ $(jq -r .Version <<<"$output") == 0.1.0 ]]
  [[ $(jq -r .KernelVersion <<<"$output") == "$(uname -r)" ]]
  run sv version --format '{{.Server.Version}}'
  assert_output 0.1.0

  sv run -d busybox sleep 60 >/dev/null
  sv create busybox true >/dev/null
  run sv info
  assert_success
  assert_line 'Containers: 2'
  assert_line ' Running: 1'
  assert_line ' Paused: 0'
  assert_line ' Stopped: 1'
  assert_line 'Images: 1'
  assert_line 'Storage Driver: overlay'
  assert_line 'Cgroup Driver: cgroupfs'
  if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then v=2; else v=1; fi
  assert_line "Cgroup Version: $v"
  assert_line "Kernel Version: $(uname -r)"
  assert_line "Operating System: $(. /etc/os-release && echo "$PRETTY_NAME")"
  assert_line "Architecture: $(uname -m)"
  assert_line "CPUs: $(nproc)"
  assert_line --regexp '^Total Memory: [0-9.]+[KMGT]iB$'
  assert_line "Servin Root Dir: $SROOT"
  assert_line "Servin Run Dir: $SRUN"
  run sv info --format '{{.ContainersRunning}} {{.Images}} {{.CgroupVersion}}'
  assert_output "1 1 $v"
}

@test "rmi refuses an image a container uses; -f only untags it and the container still runs" {
  id=$(sv create busybox echo still-here)
  img=$(sv images -q)
  run sv rmi busybox
  assert_failure
  assert_output --partial "conflict: unable to remove repository reference \"busybox\" (must force) - container ${id:0:12} is using its referenced image $img"
  run sv rmi "$img"
  assert_failure
  assert_output --partial "conflict: unable to delete $img (must be forced) - image is being used by stopped container ${id:0:12}"
  # image prune, even -a, leaves it
  run sv image prune -a -f
  refute_output --partial deleted
  [[ $(sv images -q) == "$img" ]]

  run sv rmi -f busybox
  assert_success
  assert_output 'Untagged: busybox:latest'
  run images
  assert_output "<none>:<none> $img"
  sv image prune -f >/dev/null
  [[ $(sv images -q) == "$img" ]]
  run sv start -a "$id"
  assert_success
  assert_output still-here

  # once the container is gone, the untagged image is dangling and goes
  sv rm "$id" >/dev/null
  run sv image prune -f
  assert_line --regexp "^deleted: sha256:$img[0-9a-f]{52}\$"
  run sv images -q
  assert_output ''
}

@test "rmi names a running container in its conflict" {
  sv run -d --name up busybox sleep 60 >/dev/null
  id=$(sv inspect --format '{{.Id}}' up)
  img=$(sv images -q)
  run sv rmi "$img"
  assert_failure
  assert_output --partial "image is being used by running container ${id:0:12}"
}
