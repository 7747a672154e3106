#!/usr/bin/env bats
# servin login / pull / push against a registry behind a bearer-token server
# (the docker token protocol, as Docker Hub speaks it): Debian's
# docker-registry without auth, fronted by token-proxy.py on 127.0.0.1,
# which wants user:secret at its /token endpoint.

load helpers
load image-helpers

setup() {
  image_setup
  start_registry
  # the fixture goes straight to the registry, past the proxy
  push_fixture "$(fixture_busybox)" latest busybox:latest
  start_token_proxy
}

teardown() {
  stop_token_proxy
  image_teardown
}

# start_token_proxy: token-proxy.py in front of $REGISTRY; PROXY=127.0.0.1:PORT,
# its request log in $PROXY_LOG
start_token_proxy() {
  local i code port=
  PROXY_LOG=$TESTDIR/proxy.log
  : >"$PROXY_LOG"
  TOKEN_PROXY_LOG=$PROXY_LOG python3 "$BATS_TEST_DIRNAME/token-proxy.py" "$REGISTRY" \
    </dev/null >"$TESTDIR/proxy.port" 2>"$TESTDIR/proxy.err" 3>&- &
  PROXY_PID=$!
  for i in $(seq 100); do
    port=$(head -n1 "$TESTDIR/proxy.port")
    if [[ -n $port ]]; then
      PROXY=127.0.0.1:$port
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://$PROXY/v2/") || true
      if [[ $code == 401 ]]; then
        : >"$PROXY_LOG" # the probe is not part of the test
        return 0
      fi
    fi
    kill -0 "$PROXY_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "token proxy did not start:" >&2
  cat "$TESTDIR/proxy.err" >&2
  stop_token_proxy
  return 1
}

stop_token_proxy() {
  [[ -n ${PROXY_PID:-} ]] || return 0
  kill "$PROXY_PID" 2>/dev/null || true
  local i
  for i in $(seq 50); do
    kill -0 "$PROXY_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
  PROXY_PID=
}

# token_requests [STATUS]: the /token lines of the proxy log (with STATUS only)
token_requests() {
  grep "^GET /token?.* ${1:-[0-9]*}\$" "$PROXY_LOG" || true
}

image_ids() {
  sv images -q --no-trunc
}

login_ok() {
  run sv login -u user --password-stdin "$PROXY" <<<secret
  assert_success
  assert_output "Login Succeeded"
}

@test "token proxy: challenges, refuses bad credentials, and a pull token does not allow a push" {
  # /v2/: a challenge without scope
  run curl -s -D - -o /dev/null "http://$PROXY/v2/"
  assert_output --partial "401"
  assert_output --partial "WWW-Authenticate: Bearer realm=\"http://$PROXY/token\",service=\"servin-test\""
  refute_output --partial "scope="
  # a repository: the scope names it, with push for a POST
  run curl -s -D - -o /dev/null "http://$PROXY/v2/busybox/manifests/latest"
  assert_output --partial 'scope="repository:busybox:pull"'
  run curl -s -D - -o /dev/null -X POST "http://$PROXY/v2/busybox/blobs/uploads/"
  assert_output --partial 'scope="repository:busybox:pull,push"'
  run curl -s "http://$PROXY/v2/busybox/manifests/latest"
  assert_equal "$(jq -r '.errors[0].code' <<<"$output")" UNAUTHORIZED

  # the token endpoint wants user:secret
  run curl -s -o /dev/null -w '%{http_code}' "http://$PROXY/token?service=servin-test&scope=repository:busybox:pull"
  assert_output 401
  run curl -s -o /dev/null -w '%{http_code}' -u user:wrong "http://$PROXY/token?service=servin-test&scope=repository:busybox:pull"
  assert_output 401

  tok=$(curl -sf -u user:secret "http://$PROXY/token?service=servin-test&scope=repository:busybox:pull" |
    jq -r '.token // .access_token')
  [[ -n $tok && $tok != null ]]
  run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$PROXY/v2/busybox/manifests/latest"
  assert_output 200
  run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "http://$PROXY/v2/"
  assert_output 200
  # pull only: no push, and no other repository
  run curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
    "http://$PROXY/v2/busybox/blobs/uploads/"
  assert_output 401
  run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
    "http://$PROXY/v2/other/manifests/latest"
  assert_output 401
  run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer not-a-token" "http://$PROXY/v2/"
  assert_output 401

  # the second token comes as access_token; pull,push allows the upload
  run curl -sf -u user:secret "http://$PROXY/token?service=servin-test&scope=repository:busybox:pull,push"
  assert_success
  assert_equal "$(jq -r .token <<<"$output")" null
  tok=$(jq -r .access_token <<<"$output")
  run curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $tok" "http://$PROXY/v2/busybox/blobs/uploads/"
  assert_output --partial "202 Accepted"
  # the upload Location points at the proxy, not at the registry behind it
  assert_output --regexp "Location: http://$PROXY/v2/busybox/blobs/uploads/"
  refute_output --partial "$REGISTRY"
}

@test "bearer auth: anonymous pull refused with one unauthorized line; a wrong password is refused at login" {
  run sv pull "$PROXY/busybox:latest"
  assert_failure 125
  assert_equal "$(grep -c '^servin:' <<<"$output")" 1
  # one message that says it all (no strerror tacked on)
  assert_line "servin: pull: unauthorized: authentication required (the token server http://$PROXY/token gives no anonymous token)"
  [[ -z $(image_ids) ]]
  # it asked the token server, which refused an anonymous token
  [[ -n $(token_requests 401) ]]
  [[ -z $(token_requests 200) ]]

  run sv login -u user -p wrong "$PROXY"
  assert_failure 125
  assert_equal "${#lines[@]}" 1
  assert_output "servin: login $PROXY: unauthorized: the token server http://$PROXY/token refused the credentials"
  [[ ! -e $DOCKER_CONFIG/config.json ]] || ! jq -e --arg r "$PROXY" '.auths[$r]' "$DOCKER_CONFIG/config.json"
  # login asked for a token without a repository scope
  token_requests 401 | grep -q '^GET /token?service=servin-test '
  [[ -z $(token_requests 200) ]]
}

@test "bearer auth: login, pull (pull token), push (pull,push token), pull back" {
  login_ok
  assert_equal "$(jq -r --arg r "$PROXY" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" "user:secret"
  # login checked /v2/ through the token flow
  [[ $(token_requests 200 | wc -l) -eq 1 ]]
  grep -qx 'GET /v2/ 200' "$PROXY_LOG"

  : >"$PROXY_LOG"
  digest=$(registry_digest busybox:latest)
  run sv pull "$PROXY/busybox:latest"
  assert_success
  assert_line "Digest: $digest"
  assert_line "Status: Downloaded newer image for $PROXY/busybox:latest"
  run token_requests 200
  assert_equal "${#lines[@]}" 1
  assert_output --regexp '^GET /token\?service=servin-test&scope=repository:busybox:pull 200$'
  # the manifest and blobs came through the proxy with the token
  grep -qx "GET /v2/busybox/manifests/latest 200" "$PROXY_LOG"
  grep -q "^GET /v2/busybox/blobs/sha256:[0-9a-f]* 200\$" "$PROXY_LOG"
  run layer_dirs_with marker
  assert_equal "${#lines[@]}" 1
  cmp "${lines[0]}/bin/busybox" "$BUSYBOX"

  # three layers, downloaded in parallel with one token
  push_fixture "$(fixture_three_layers)" latest three:latest
  : >"$PROXY_LOG"
  run sv pull -q "$PROXY/three:latest"
  assert_success
  run token_requests 200
  assert_equal "${#lines[@]}" 1
  assert_output --regexp 'scope=repository:three:pull 200$'
  # the config and three layers
  assert_equal "$(grep -c '^GET /v2/three/blobs/sha256:[0-9a-f]* 200$' "$PROXY_LOG")" 4

  : >"$PROXY_LOG"
  run sv push "$PROXY/busybox:latest" "$PROXY/copy/busybox:v1"
  assert_success
  assert_output --regexp 'v1: digest: sha256:[0-9a-f]{64} size: [0-9]+'
  pushed=$(grep -o 'digest: sha256:[0-9a-f]*' <<<"$output" | cut -d' ' -f2)
  run token_requests 200
  assert_equal "${#lines[@]}" 1
  assert_output --regexp '^GET /token\?service=servin-test&scope=repository:copy/busybox:pull,push 200$'
  grep -q '^POST /v2/copy/busybox/blobs/uploads/ 202$' "$PROXY_LOG"
  grep -q '^PUT /v2/copy/busybox/blobs/uploads/.* 201$' "$PROXY_LOG"
  grep -qx 'PUT /v2/copy/busybox/manifests/v1 201' "$PROXY_LOG"
  # the registry behind the proxy has it
  assert_equal "$(registry_digest copy/busybox:v1)" "$pushed"

  # pulled back through the proxy into an empty root
  ROOT=$TESTDIR/state2
  run sv pull -q "$PROXY/copy/busybox:v1"
  assert_success
  assert_output "$PROXY/copy/busybox:v1"
  assert_equal "$(sv image inspect "$PROXY/copy/busybox:v1" | jq -r '.[0].ManifestDigest')" "$pushed"

  # logged out: refused again
  run sv logout "$PROXY"
  assert_success
  run sv pull "$PROXY/copy/busybox:v1"
  assert_failure 125
  assert_line --regexp '^servin: pull: .*unauthorized'
}
