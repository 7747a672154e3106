#!/usr/bin/env python3
"""Tiny console-socket receiver (like runc's recvtty) for the console tests.

recvtty.py SOCKET OUTPUT [INPUT]
Listens on the unix socket SOCKET, accepts one connection, receives the pty master
fd sent with SCM_RIGHTS, optionally writes INPUT to it, and copies everything the
container prints to OUTPUT until the pty hangs up. Writes SOCKET.ready when listening
and OUTPUT.got-fd once the fd arrived.
"""
import os
import socket
import sys

sock_path, out_path = sys.argv[1], sys.argv[2]
data_in = sys.argv[3].encode() if len(sys.argv) > 3 else b""

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
open(sock_path + ".ready", "w").close()
srv.settimeout(30)
conn, _ = srv.accept()
msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
if not fds:
    sys.exit("recvtty: no fd received")
master = fds[0]
with open(out_path + ".got-fd", "w") as f:
    f.write(msg.decode(errors="replace"))
if data_in:
    os.write(master, data_in)
with open(out_path, "wb") as out:
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO once the last slave fd is closed
            break
        if not chunk:
            break
        out.write(chunk)
        out.flush()
