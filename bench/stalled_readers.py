#!/usr/bin/env python3
"""What readers that stop reading cost the kernel on the server's side.

Starts `natter serve` on a fresh data directory, opens WebSockets for N accounts that send
`sync` and then never read, and posts messages into #general until the server has dropped
them all (or a bound is reached). It samples the server's sockets with `ss` and reports the
largest total of bytes queued for sending (Send-Q) on the server's side, and per reader.

    bench/stalled_readers.py --bin target/release/natter --readers 50
"""

import argparse
import base64
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + "/api/v1" + path, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(req, data, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def register(base, name):
    return call(base, "POST", "/auth/register", {"username": name, "password": "stalled readers 1"})


def masked_text(payload):
    data = payload.encode()
    mask = os.urandom(4)
    head = bytes([0x81, 0x80 | len(data)])
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def stalled_socket(port, token):
    """A WebSocket that says `sync` and then never reads again."""
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    s.sendall(masked_text('{"type":"sync","since":{}}'))
    return s


def server_send_queue(port):
    """(total Send-Q bytes, sockets) over the server's established sockets."""
    out = subprocess.run(
        ["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
    ).stdout
    total, count = 0, 0
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            total += int(fields[1])
            count += 1
    return total, count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/natter")
    ap.add_argument("--readers", type=int, default=50)
    ap.add_argument("--max-messages", type=int, default=5000)
    args = ap.parse_args()
    data = tempfile.mkdtemp()
    port = free_port()
    server = subprocess.Popen(
        [args.bin, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data,
         "--registration", "open", "--rate-limit", "all=off", "--max-conns-per-addr", "100000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)
        sender = register(base, "sender")
        rooms = call(base, "GET", "/rooms", token=sender["token"])["rooms"]
        general = next(r["id"] for r in rooms if r["name"] == "general")
        readers = [stalled_socket(port, register(base, f"reader{i}")["token"]) for i in range(args.readers)]
        time.sleep(1.5)  # past the hold after `ready`
        body = "x" * 3900
        peak, sent = 0, 0
        while sent < args.max_messages:
            call(base, "POST", f"/rooms/{general}/messages", {"body": body}, sender["token"])
            sent += 1
            if sent % 25 == 0:
                queued, open_sockets = server_send_queue(port)
                peak = max(peak, queued)
                # Only the sender's keep-alive request sockets are left: every reader is gone.
                if open_sockets <= 2:
                    break
        queued, open_sockets = server_send_queue(port)
        print(json.dumps({
            "readers": args.readers,
            "messages_sent": sent,
            "server_sockets_left": open_sockets,
            "peak_send_queue_bytes": peak,
            "peak_per_reader_kib": round(peak / args.readers / 1024, 1),
        }))
        for r in readers:
            r.close()
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
