#!/usr/bin/env python3
"""How much memory a burst of registrations leaves behind in a natter server.

Starts `natter serve` (the binary given, default target/release/natter) on a free port with a
fresh data directory, registers N accounts from C concurrent clients, and prints the server's
resident memory (VmRSS from /proc) before the burst, right after it, and 20 s later, as a table
row and as JSON. Each registration hashes a password with Argon2id (19 MiB).

    bench/registration_memory.py [--bin PATH] [--accounts 200] [--clients 8]
"""
import argparse, concurrent.futures, json, socket, subprocess, tempfile, time, urllib.error, urllib.request


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"{base}/api/v1{path}", json.dumps(body).encode(), headers,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None


def register(base, name):
    return call(base, "POST", "/auth/register",
                {"username": name, "password": "correct horse battery"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/natter")
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--settle", type=float, default=20.0)
    a = ap.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [a.bin, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data,
             "--rate-limit", "all=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            # The first account is the admin; it opens registration to everyone.
            _, admin = register(base, "admin")
            call(base, "PATCH", "/admin/settings", {"registration": "open"}, admin["token"])
            before = rss_kib(server.pid)
            start = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(a.clients) as pool:
                statuses = [s for s, _ in pool.map(lambda i: register(base, f"user{i}"),
                                                    range(a.accounts))]
            took = time.monotonic() - start
            after = rss_kib(server.pid)
            time.sleep(a.settle)
            settled = rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait()
    ok = sum(1 for s in statuses if s == 201)
    result = {"accounts": a.accounts, "clients": a.clients, "registered": ok,
              "seconds": round(took, 1), "rss_before_mib": round(before / 1024, 1),
              "rss_after_mib": round(after / 1024, 1), "rss_settled_mib": round(settled / 1024, 1)}
    print("| accounts | clients | registered | seconds | RSS before | right after | "
          f"{a.settle:g} s later |")
    print(f"| {a.accounts} | {a.clients} | {ok} | {result['seconds']} | "
          f"{result['rss_before_mib']} MiB | {result['rss_after_mib']} MiB | "
          f"{result['rss_settled_mib']} MiB |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
