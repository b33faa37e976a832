#!/usr/bin/env python3
"""Sanity check of a Synapse peer started by start.sh (stdlib only; not the benchmark).

    python3 bench/peers/synapse/smoke.py [BASE_URL]     # default http://127.0.0.1:18200

Registers 2 users, creates a public room with the first, joins it with the second, sends 200
messages from 4 threads (each on its own keep-alive connection, alternating the two users),
reads the newest page of history (dir=b, limit=50) 50 times, then pages back through the whole
room to check that every sent event is there. Prints counts and rough rates; exits non-zero on
any error.
"""

import http.client
import json
import secrets
import sys
import threading
import time
import urllib.parse

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18200"
SENDS = 200
SEND_THREADS = 4
READS = 50
PAGE = 50


class Client:
    """One keep-alive HTTP connection; raises on any non-2xx answer."""

    def __init__(self, base, token=None):
        u = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
        self.token = token

    def call(self, method, path, body=None):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        if not 200 <= resp.status < 300:
            raise RuntimeError(f"{method} {path} -> {resp.status}: {raw[:300]!r}")
        return json.loads(raw)


def register(name):
    c = Client(BASE)
    # A single step with m.login.dummy is accepted; the spec's two steps (first without
    # `auth` for a 401 with a session, then with it) work too (see README.md).
    r = c.call(
        "POST",
        "/_matrix/client/v3/register",
        {"username": name, "password": "pw-" + name, "auth": {"type": "m.login.dummy"}},
    )
    return r["user_id"], r["access_token"]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def main():
    run = secrets.token_hex(3)
    t0 = time.perf_counter()
    users = [register(f"smoke{run}{i}") for i in range(2)]
    t_reg = time.perf_counter() - t0
    print(f"registered {len(users)} users in {t_reg * 1000:.0f} ms: {[u for u, _ in users]}")

    owner = Client(BASE, users[0][1])
    room = owner.call("POST", "/_matrix/client/v3/createRoom", {"preset": "public_chat"})["room_id"]
    rq = urllib.parse.quote(room, safe="")
    Client(BASE, users[1][1]).call("POST", f"/_matrix/client/v3/join/{rq}", {})
    print(f"room {room} created and joined")

    sent = {}  # event_id -> body
    lat = []
    errors = []
    lock = threading.Lock()

    def sender(t):
        try:
            c = Client(BASE, users[t % 2][1])
            for i in range(t, SENDS, SEND_THREADS):
                body = f"smoke {run} message {i}"
                txn = f"{run}-{t}-{i}"
                s = time.perf_counter()
                r = c.call(
                    "PUT",
                    f"/_matrix/client/v3/rooms/{rq}/send/m.room.message/{txn}",
                    {"msgtype": "m.text", "body": body},
                )
                d = time.perf_counter() - s
                with lock:
                    sent[r["event_id"]] = body
                    lat.append(d)
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(f"sender {t}: {e}")

    threads = [threading.Thread(target=sender, args=(t,)) for t in range(SEND_THREADS)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t_send = time.perf_counter() - t0
    if errors:
        for e in errors:
            print("ERROR", e)
        sys.exit(1)
    print(
        f"sent {len(sent)}/{SENDS} messages from {SEND_THREADS} threads in {t_send:.2f} s: "
        f"{len(sent) / t_send:.0f} msg/s, latency p50 {pct(lat, 50) * 1000:.1f} ms, "
        f"p99 {pct(lat, 99) * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms"
    )
    if len(sent) != SENDS:
        print(f"ERROR: {SENDS - len(sent)} sends lost or deduplicated")
        sys.exit(1)

    reader = Client(BASE, users[1][1])
    rlat = []
    t0 = time.perf_counter()
    for _ in range(READS):
        s = time.perf_counter()
        page = reader.call("GET", f"/_matrix/client/v3/rooms/{rq}/messages?dir=b&limit={PAGE}")
        rlat.append(time.perf_counter() - s)
        chunk = page["chunk"]
        if len(chunk) != PAGE or any(e["event_id"] not in sent for e in chunk):
            print(f"ERROR: newest page has {len(chunk)} events, not all {PAGE} of them sent here")
            sys.exit(1)
    t_read = time.perf_counter() - t0
    print(
        f"read the newest {PAGE} events {READS} times in {t_read:.2f} s: {READS / t_read:.0f} reads/s, "
        f"latency p50 {pct(rlat, 50) * 1000:.1f} ms, p99 {pct(rlat, 99) * 1000:.1f} ms"
    )

    # Page back through the whole room: every event id the sends returned must be there.
    seen = {}
    frm = None
    pages = 0
    while True:
        q = f"dir=b&limit={PAGE}" + (f"&from={urllib.parse.quote(frm)}" if frm else "")
        page = reader.call("GET", f"/_matrix/client/v3/rooms/{rq}/messages?{q}")
        pages += 1
        for e in page["chunk"]:
            if e["type"] == "m.room.message":
                seen[e["event_id"]] = e["content"]["body"]
        if not page["chunk"] or "end" not in page or pages > 100:
            break
        frm = page["end"]
    missing = [eid for eid, body in sent.items() if seen.get(eid) != body]
    print(f"paged back through history in {pages} pages: {len(seen)} messages, {len(missing)} missing")
    if missing or len(seen) != SENDS:
        print("ERROR: history does not match the sends")
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
