#!/usr/bin/env python3
"""A bearer-token front for a docker registry, for Servin's integration tests.

    token-proxy.py UPSTREAM [PORT]

UPSTREAM is the HOST:PORT of a registry without auth (start_registry).  The
proxy listens on 127.0.0.1:PORT (0 or none: a free port) and prints the port
on stdout once it accepts connections.

It speaks the docker token protocol the way Docker Hub does:
  * a /v2/... request without a valid "Authorization: Bearer TOKEN" gets 401
    with WWW-Authenticate: Bearer realm="http://127.0.0.1:PORT/token",
    service="servin-test",scope="repository:NAME:pull" (":pull,push" for
    POST/PUT/PATCH/DELETE; no scope for /v2/ itself) and a registry-style
    JSON error body;
  * GET /token?service=servin-test&scope=... needs Basic user:secret and
    answers {"token": ..., "expires_in": 300}, every other token under the
    key "access_token" instead;
  * a token is valid for the scopes it was issued for only (a pull token
    does not allow a push); /v2/ takes any valid token;
  * valid requests are forwarded to UPSTREAM (Host and Authorization
    dropped, request bodies streamed, no redirect followed) and the answer
    is passed back, Location headers pointing at UPSTREAM rewritten to the
    proxy.

Each request is logged as "METHOD PATH STATUS" (PATH percent-decoded) to the
file named by $TOKEN_PROXY_LOG, if set.
"""

import base64
import http.client
import http.server
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse

SERVICE = "servin-test"
USERNAME = "user"
PASSWORD = "secret"
TOKEN_TTL = 300
CHUNK = 64 * 1024
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
}


class State:
    def __init__(self, upstream):
        self.upstream = upstream
        self.port = 0
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (set of (repo, action), expiry)
        self.issued = 0
        self.log_path = os.environ.get("TOKEN_PROXY_LOG")

    def log(self, line):
        if not self.log_path:
            return
        with self.lock:
            with open(self.log_path, "a") as f:
                f.write(line + "\n")

    def issue(self, grants):
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (grants, time.monotonic() + TOKEN_TTL)
            self.issued += 1
            key = "token" if self.issued % 2 == 1 else "access_token"
        return token, key

    def grants(self, token):
        with self.lock:
            entry = self.tokens.get(token)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]


def parse_scopes(values):
    """{(repo, action)} of scope parameters ("repository:NAME:pull,push";
    several scopes may share one parameter, separated by spaces)."""
    grants = set()
    for value in values:
        for scope in value.split():
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name = ":".join(parts[1:-1])
            for action in parts[-1].split(","):
                if action:
                    grants.add((name, action))
    return grants


def repo_of(path):
    """NAME of /v2/NAME/{manifests,blobs,tags}/..., or None."""
    rest = path[len("/v2/"):]
    best = None
    for kind in ("/manifests/", "/blobs/", "/tags/"):
        i = rest.rfind(kind)
        if i > 0 and (best is None or i > best):
            best = i
    return rest[:best] if best is not None else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "token-proxy"
    state = None  # set in main

    def log_message(self, fmt, *args):  # quiet on stderr
        pass

    def log_request(self, code="-", size="-"):
        path = urllib.parse.unquote(self.path)
        self.state.log(f"{self.command} {path} {code}")

    # ---- request bodies ----

    def body_chunks(self):
        """The request body, in pieces as they arrive (Content-Length or chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                left = size
                while left:
                    data = self.rfile.read(min(left, CHUNK))
                    if not data:
                        raise ConnectionError("request body cut short")
                    left -= len(data)
                    yield data
                self.rfile.readline(3)  # CRLF after the chunk
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                data = self.rfile.read(min(left, CHUNK))
                if not data:
                    raise ConnectionError("request body cut short")
                left -= len(data)
                yield data

    def drain_body(self):
        for _ in self.body_chunks():
            pass

    # ---- answers of the proxy itself ----

    def send_json(self, status, doc, extra=()):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def unauthorized(self, repo, actions):
        realm = f"http://127.0.0.1:{self.state.port}/token"
        challenge = f'Bearer realm="{realm}",service="{SERVICE}"'
        detail = None
        if repo is not None:
            challenge += f',scope="repository:{repo}:{",".join(actions)}"'
            detail = [{"Type": "repository", "Class": "", "Name": repo, "Action": a} for a in actions]
        err = {"code": "UNAUTHORIZED", "message": "authentication required", "detail": detail}
        self.drain_body()
        self.send_json(
            401,
            {"errors": [err]},
            [("WWW-Authenticate", challenge), ("Docker-Distribution-API-Version", "registry/2.0")],
        )

    # ---- the token endpoint ----

    def basic_ok(self):
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("basic "):
            return False
        try:
            plain = base64.b64decode(auth[6:].strip(), validate=True).decode()
        except ValueError:
            return False
        return plain == f"{USERNAME}:{PASSWORD}"

    def token_endpoint(self, query):
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        if q.get("service", [SERVICE]) != [SERVICE]:
            self.send_json(400, {"errors": [{"code": "DENIED", "message": "unknown service"}]})
            return
        if not self.basic_ok():
            self.send_json(
                401,
                {"errors": [{"code": "UNAUTHORIZED", "message": "incorrect username or password"}]},
                [("WWW-Authenticate", f'Basic realm="{SERVICE}"')],
            )
            return
        token, key = self.state.issue(parse_scopes(q.get("scope", [])))
        self.send_json(200, {key: token, "expires_in": TOKEN_TTL,
                             "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    # ---- the registry ----

    def authorized(self, repo, actions):
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer "):
            return False
        grants = self.state.grants(auth[7:].strip())
        if grants is None:
            return False
        if repo is None:
            return True  # /v2/ (and anything without a repository): any valid token
        return all((repo, a) in grants for a in actions)

    def registry(self, path):
        repo = repo_of(path) if path != "/v2/" else None
        actions = ["pull"] if self.command in ("GET", "HEAD") else ["pull", "push"]
        if not self.authorized(repo, actions):
            self.unauthorized(repo, actions)
            return
        self.forward()

    def forward(self):
        conn = http.client.HTTPConnection(self.state.upstream, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", self.state.upstream)
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            for k, v in self.headers.items():
                if k.lower() in HOP_BY_HOP or k.lower() in ("host", "authorization"):
                    continue
                conn.putheader(k, v)
            if chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for data in self.body_chunks():
                if chunked:
                    conn.send(b"%x\r\n%s\r\n" % (len(data), data))
                else:
                    conn.send(data)
            if chunked:
                conn.send(b"0\r\n\r\n")
            resp = conn.getresponse()
            self.relay(resp)
        finally:
            conn.close()

    def relay(self, resp):
        self.send_response(resp.status, resp.reason)
        upstream_base = f"http://{self.state.upstream}"
        length = resp.getheader("Content-Length")
        for k, v in resp.getheaders():
            if k.lower() in HOP_BY_HOP or k.lower() in ("date", "server"):
                continue  # send_response wrote its own Date and Server
            if k.lower() == "location" and v.startswith(upstream_base):
                v = f"http://127.0.0.1:{self.state.port}" + v[len(upstream_base):]
            self.send_header(k, v)
        no_body = self.command == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        stream_chunked = not no_body and length is None
        if stream_chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if no_body:
            return
        while True:
            data = resp.read(CHUNK)
            if not data:
                break
            if stream_chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                self.wfile.write(data)
        if stream_chunked:
            self.wfile.write(b"0\r\n\r\n")

    # ---- dispatch ----

    def dispatch(self):
        parsed = urllib.parse.urlsplit(self.path)
        try:
            if parsed.path == "/token" and self.command == "GET":
                self.token_endpoint(parsed.query)
            elif parsed.path == "/v2" or parsed.path.startswith("/v2/"):
                self.registry("/v2/" if parsed.path == "/v2" else parsed.path)
            else:
                self.drain_body()
                self.send_json(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})
        except (ConnectionError, OSError, http.client.HTTPException) as e:
            self.state.log(f"! {self.command} {self.path}: {e}")
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = dispatch


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(f"usage: {sys.argv[0]} UPSTREAM_HOST:PORT [PORT]")
    state = State(sys.argv[1])
    Handler.state = state
    port = int(sys.argv[2]) if len(sys.argv) == 3 else 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    print(state.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
