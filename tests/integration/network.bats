#!/usr/bin/env bats
# Networking: the default bridge network, user networks with name
# resolution, published TCP and UDP ports, none/host/container: modes,
# --internal, IPAM, and that nothing is left behind.
#
# Every test runs Servin inside a network namespace of its own (ip netns),
# so no bridge, veth or nftables rule touches the machine's network, and
# traffic only goes between the test's containers and its namespace.

load helpers
load engine-helpers

setup_file() {
  # busybox's nc has no UDP: a static echo server goes into the image
  UDP_ECHO=$BATS_FILE_TMPDIR/udp-echo
  cc -static -O2 -o "$UDP_ECHO" "$BATS_TEST_DIRNAME/fixtures/udp-echo.c"
  export UDP_ECHO
}

setup() {
  engine_setup
  command -v nft >/dev/null || skip "nft (nftables) is not installed"
  NS=svnet-$$-$BATS_TEST_NUMBER
  ip netns add "$NS"
  ip -n "$NS" link set lo up
  busybox_tar
  install -m 0755 "$UDP_ECHO" "$TESTDIR/rootfs/bin/udp-echo"
  import_busybox
}

teardown() {
  engine_teardown || true
  # a DNS responder or monitor left in the namespace is a leak (a
  # responder leaves within seconds of its network's last container)
  local left i
  for i in $(seq 50); do
    left=$(ip netns pids "$NS" 2>/dev/null | tr '\n' ' ')
    [[ -z $left ]] && break
    sleep 0.1
  done
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  [[ -z $left ]] || { echo "LEAK: processes left in $NS: $left" >&2; return 1; }
}

# servin inside the test's namespace (the mount namespace stays the host's)
sv() {
  nsenter --net="/run/netns/$NS" "$SERVIN" --root "$SROOT" --runroot "$SRUN" "$@"
}

in_ns() {
  nsenter --net="/run/netns/$NS" "$@"
}

ctr_ip() {
  sv inspect --format '{{.NetworkSettings.IPAddress}}' "$1"
}

# wait until a server in container $1 listens on TCP port $2
wait_listen() {
  local i
  for i in $(seq 50); do
    sv exec "$1" sh -c "netstat -ltn | grep -q ':$2 '" && return 0
    sleep 0.1
  done
  return 1
}

@test "network: the default network gives an address, a route, the host's MTU and /etc/hosts" {
  run sv run --rm busybox sh -c 'ip -4 -o addr show eth0; ip route; cat /etc/hosts; cat /sys/class/net/eth0/mtu; ip -o link show lo'
  assert_success
  assert_output --regexp 'eth0 +inet 10\.[0-9]+\.[0-9]+\.[0-9]+/'
  assert_output --partial 'default via 10.'
  assert_output --regexp '10\.[0-9.]+'$'\t''[0-9a-f]{12}'
  assert_output --partial '1500'
  assert_output --partial 'LOOPBACK,UP'
  # the bridge holds the gateway address in the test's namespace
  run sv network inspect --format '{{.Options}}' servin
  assert_success
  run in_ns ip -4 -o addr show
  assert_output --regexp 'inet 10\.[0-9.]+/[0-9]+'
}

@test "network: containers on the default network reach each other by address only" {
  sv run -d --name web busybox sh -c 'echo hello-default >/srv.html; exec httpd -f -p 80 -h /' >/dev/null
  wait_listen web 80
  ip=$(ctr_ip web)
  [[ $ip =~ ^10\. ]]
  run sv run --rm busybox wget -qO- "http://$ip/srv.html"
  assert_success
  assert_output 'hello-default'
  # no name resolution on the default network, as docker's
  run timeout 20 nsenter --net="/run/netns/$NS" "$SERVIN" --root "$SROOT" --runroot "$SRUN" run --rm busybox wget -qO- http://web/srv.html
  assert_failure
}

@test "network: containers on a user network find each other by name, alias and short id" {
  run sv network create --subnet 10.123.0.0/24 appnet
  assert_success
  sv run -d --name web --network appnet --network-alias www busybox sh -c 'echo hello-user >/srv.html; exec httpd -f -p 80 -h /' >/dev/null
  wait_listen web 80
  [[ $(ctr_ip web) == 10.123.0.2 ]]
  id=$(sv inspect --format '{{.Id}}' web)
  for name in web www WEB "${id:0:12}" web.dns.servin; do
    run sv run --rm --network appnet busybox wget -qO- "http://$name/srv.html"
    assert_success
    assert_output 'hello-user'
  done
  # and the other way round: web reaches the client by its name
  sv run -d --name client --network appnet busybox sh -c 'echo from-client >/c.html; exec httpd -f -p 8000 -h /' >/dev/null
  wait_listen client 8000
  run sv exec web wget -qO- http://client:8000/c.html
  assert_success
  assert_output 'from-client'
  # the resolver is the network's gateway, searched first in dns.servin
  run sv exec web cat /etc/resolv.conf
  assert_output --partial 'nameserver 10.123.0.1'
  assert_output --partial 'search dns.servin'
  # an unknown name fails quickly instead of hanging
  run timeout 20 nsenter --net="/run/netns/$NS" "$SERVIN" --root "$SROOT" --runroot "$SRUN" exec web nslookup nosuchname
  assert_failure
  sv rm -f web client >/dev/null
  run sv network rm appnet
  assert_success
}

@test "network: a published TCP port answers on 127.0.0.1 and the namespace's address" {
  in_ns ip link add svtest0 type bridge
  in_ns ip addr add 192.0.2.10/24 dev svtest0
  in_ns ip link set svtest0 up
  sv run -d --name web -p 8080:80 busybox sh -c 'echo published >/i.html; exec httpd -f -p 80 -h /' >/dev/null
  wait_listen web 80
  run in_ns busybox wget -qO- http://127.0.0.1:8080/i.html
  assert_success
  assert_output 'published'
  run in_ns busybox wget -qO- http://192.0.2.10:8080/i.html
  assert_success
  assert_output 'published'
  # another container reaches it through the host's address, and so does
  # the container itself (hairpin)
  run sv run --rm busybox wget -qO- http://192.0.2.10:8080/i.html
  assert_success
  assert_output 'published'
  run sv exec web wget -qO- http://192.0.2.10:8080/i.html
  assert_success
  assert_output 'published'
  run sv port web
  assert_output '80/tcp -> 0.0.0.0:8080'
  run sv port web 80
  assert_output '0.0.0.0:8080'
  run sv ps
  assert_output --partial '0.0.0.0:8080->80/tcp'
  # a second container cannot take the same port
  run sv run -d -p 8080:80 busybox sleep 60
  assert_failure 125
  assert_output --partial '8080'
  # the rules go when the container stops
  sv stop -t 1 web >/dev/null
  run in_ns nft list ruleset
  refute_output --partial '8080'
  run sv port web
  assert_output ''
  run in_ns busybox wget -qO- http://127.0.0.1:8080/i.html
  assert_failure
}

@test "network: a published UDP port answers on 127.0.0.1" {
  sv run -d --name echo -p 127.0.0.1:9053:9000/udp busybox udp-echo 9000 >/dev/null
  run in_ns python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(20):
    s.sendto(b"ping", ("127.0.0.1", 9053))
    try:
        print(s.recv(100).decode()); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)'
  assert_success
  assert_output 'echo:ping'
  run sv port echo
  assert_output '9000/udp -> 127.0.0.1:9053'
}

@test "network: -p with no host port and -P pick free ports" {
  sv run -d --name web -p 80 --expose 81 -P busybox sh -c 'echo any >/a.html; exec httpd -f -p 80 -h /' >/dev/null
  wait_listen web 80
  port=$(sv port web 80 | cut -d: -f2)
  [[ $port -gt 0 ]]
  run sv port web 81
  assert_success
  run in_ns busybox wget -qO- "http://127.0.0.1:$port/a.html"
  assert_output 'any'
}

@test "network: none has only lo, host sees the namespace's interfaces, container: shares one" {
  run sv run --rm --network none busybox ip -o link
  assert_success
  assert_output --regexp '^1: lo'
  [[ $(echo "$output" | wc -l) -eq 1 ]]
  in_ns ip link add svhostseen type bridge
  run sv run --rm --network host busybox ip -o link
  assert_output --partial 'svhostseen'
  sv run -d --name first busybox sleep 60 >/dev/null
  ip=$(ctr_ip first)
  run sv run --rm --network container:first busybox ip -4 -o addr show eth0
  assert_success
  assert_output --partial "inet $ip/"
  run sv run --rm --network container:nosuch busybox true
  assert_failure 125
  assert_output --partial 'No such container: nosuch'
}

@test "network: --internal has no route out, other networks do" {
  in_ns ip link add svout0 type bridge
  in_ns ip addr add 198.51.100.1/24 dev svout0
  in_ns ip link set svout0 up
  sv network create --internal closed >/dev/null
  run sv run --rm --network closed busybox sh -c 'ip route; ping -c1 -W1 198.51.100.1'
  assert_failure
  refute_output --partial 'default'
  run sv run --rm busybox ping -c1 -W2 198.51.100.1
  assert_success
}

@test "network: --ip, --hostname, --add-host, --dns and --dns-search shape /etc/hosts and resolv.conf" {
  sv network create --subnet 10.124.0.0/24 --gateway 10.124.0.254 fixed >/dev/null
  run sv run --rm --network fixed --ip 10.124.0.77 -h boxy --add-host db:10.1.2.3 --add-host gw:host-gateway \
    --dns 10.9.9.9 --dns-search example.test busybox sh -c 'ip -4 -o addr show eth0; cat /etc/hosts /etc/resolv.conf; ip route'
  assert_success
  assert_output --partial 'inet 10.124.0.77/24'
  assert_output --partial $'10.124.0.77\tboxy'
  assert_output --partial $'10.1.2.3\tdb'
  assert_output --partial $'10.124.0.254\tgw'
  assert_output --partial 'nameserver 10.9.9.9'
  assert_output --partial 'example.test'
  assert_output --partial 'default via 10.124.0.254'
  # an address outside the subnet, or taken, is refused
  run sv run --rm --network fixed --ip 10.125.0.5 busybox true
  assert_failure 125
  sv run -d --network fixed --ip 10.124.0.77 busybox sleep 60 >/dev/null
  run sv run --rm --network fixed --ip 10.124.0.77 busybox true
  assert_failure 125
  assert_output --partial 'Address already in use'
}

@test "network: 50 parallel run -d on one network never hand out an address twice" {
  local pids=() p
  for i in $(seq 50); do
    sv run -d busybox sleep 60 >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  run sv ps -q
  [[ $(echo "$output" | wc -l) -eq 50 ]]
  ips=$(for c in $output; do ctr_ip "$c"; done | sort)
  [[ $(echo "$ips" | wc -l) -eq 50 ]]
  [[ $(echo "$ips" | sort -u | wc -l) -eq 50 ]]
  # released on removal: the next container gets the lowest free address again
  sv rm -f $(sv ps -q) >/dev/null
  sv run -d --name again busybox sleep 60 >/dev/null
  [[ $(ctr_ip again) =~ \.0\.2$ ]]
}

@test "network: network commands: ls, inspect, connect, disconnect, rm, prune, errors" {
  run sv network create --subnet 10.126.0.0/24 --label team=a one
  assert_success
  id=$output
  run sv network create one
  assert_failure 125
  assert_output --partial 'already exists'
  run sv network create --subnet 10.126.0.0/25 overlapping
  assert_failure 125
  assert_output --partial 'overlaps'
  run sv network create --subnet 10.127.0.5/24 bad
  assert_failure 125
  assert_output --partial 'it should be 10.127.0.0/24'
  run sv network ls
  assert_output --regexp "${id:0:12} +one +bridge +local"
  assert_output --partial 'servin'
  run sv network inspect --format '{{.Name}} {{.Internal}} {{.Labels.team}}' one
  assert_output 'one false a'
  run sv run --rm --network nope busybox true
  assert_failure 125
  assert_output --partial 'network nope not found'
  sv run -d --name box busybox sleep 60 >/dev/null
  run sv network connect --alias boxalias one box
  assert_success
  run sv exec box ip -4 -o addr show eth1
  assert_output --partial 'inet 10.126.0.2/24'
  run sv network inspect --format '{{.Containers}}' one
  assert_output --partial 'box'
  run sv network rm one
  assert_failure
  assert_output --partial 'active endpoints'
  run sv network disconnect one box
  assert_success
  run sv exec box ip -o link
  refute_output --partial 'eth1'
  run sv network rm one
  assert_success
  run sv network rm servin
  assert_failure
  sv network create unused >/dev/null
  run sv network prune -f
  assert_success
  assert_output --partial 'unused'
  run sv network ls -q
  [[ $(echo "$output" | wc -l) -eq 1 ]]
}

@test "network: nothing is left behind after rm -f of ten networked containers and network rm" {
  # the default network's bridge and table exist from the first container
  # on, like docker0: the state before is taken after one such run
  sv run --rm busybox true
  links_before=$(in_ns ip -o link | awk -F': ' '{print $2}' | sort)
  rules_before=$(in_ns nft list ruleset)
  sv network create leaky >/dev/null
  for i in $(seq 5); do
    sv run -d -p $((9100 + i)):80 busybox sleep 300 >/dev/null
    sv run -d --network leaky -p $((9200 + i)):80/udp busybox sleep 300 >/dev/null
  done
  run in_ns ip -o link
  [[ $(echo "$output" | grep -c '^[0-9]*: sv') -ge 11 ]]
  sv rm -f $(sv ps -aq) >/dev/null
  sv network rm leaky >/dev/null
  # the monitors delete the veth pairs just after reporting the exit
  for i in $(seq 30); do
    [[ $(in_ns ip -o link | awk -F': ' '{print $2}' | sort) == "$links_before" ]] && break
    sleep 0.1
  done
  [[ $(in_ns ip -o link | awk -F': ' '{print $2}' | sort) == "$links_before" ]]
  [[ $(in_ns nft list ruleset) == "$rules_before" ]]
  [[ -z $(ip netns pids "$NS") ]]
}

@test "network: a killed monitor's address and ports are released by the next command" {
  sv run -d --name victim -p 9300:80 busybox sleep 300 >/dev/null
  ip=$(ctr_ip victim)
  # the monitor first, so that nobody cleans up after the container
  for p in $(root_monitors); do kill -9 "$p"; done
  kill -9 $(sv inspect --format '{{.State.Pid}}' victim)
  run sv ps -a
  assert_output --partial 'Exited'
  run in_ns nft list ruleset
  refute_output --partial '9300'
  sv run -d --name next busybox sleep 60 >/dev/null
  [[ $(ctr_ip next) == "$ip" ]]
}

@test "network: a bridge left unconfigured by a crash is set up by the next container" {
  sv network create half >/dev/null
  br=$(sv network inspect --format '{{.Options}}' half | grep -o 'svbr-[0-9a-f]*')
  # what a set-up killed half-way leaves: the bridge, down, no address
  in_ns ip link add "$br" type bridge
  run sv run --rm --network half busybox sh -c 'ping -c1 -W2 $(ip route | awk "/default/ {print \$3}") >/dev/null && echo gateway-reachable'
  assert_success
  assert_output 'gateway-reachable'
  run in_ns ip -4 -o addr show dev "$br"
  assert_output --partial 'inet 10.'
}
