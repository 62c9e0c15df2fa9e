"""Catalog writes: what a durable commit costs (synchronous=FULL).

Tidecast's catalog commits with synchronous=FULL (an fsync of the WAL per
commit), so a channel or video it reported survives a power cut or the file
system failing. This measures, on the same file system as the data dir:

  api       POST /api/v1/channels + DELETE through the real server (two commits each)
  sqlite    one INSERT commit in Python's sqlite3 (the peer: the library without
            a server), in WAL mode with synchronous=FULL and with =NORMAL

and prints medians and the ratio FULL / NORMAL, i.e. what durability costs
per commit on this disk.
"""
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.tidecast import Server, create_token  # noqa: E402

ROUNDS = 200


def sqlite_commit_ms(directory, synchronous):
    db = sqlite3.connect(os.path.join(directory, f"peer-{synchronous}.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    times = []
    for i in range(ROUNDS):
        start = time.perf_counter()
        db.execute("INSERT INTO t (name) VALUES (?)", (f"row-{i}",))
        times.append((time.perf_counter() - start) * 1000)
    db.close()
    return statistics.median(times)


def api_ms(server, token):
    def call(method, path, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(server.url(path), data=data, method=method,
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    creates, deletes = [], []
    for i in range(ROUNDS):
        start = time.perf_counter()
        call("POST", "/api/v1/channels", {"name": f"bench{i}"})
        creates.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        call("DELETE", f"/api/v1/channels/bench{i}")
        deletes.append((time.perf_counter() - start) * 1000)
    return statistics.median(creates), statistics.median(deletes)


def run():
    print(f"== catalog writes ({ROUNDS} rounds, medians) ==")
    server = Server()
    try:
        token = create_token(server)
        create, delete = api_ms(server, token)
        with tempfile.TemporaryDirectory(dir=os.path.dirname(server.data_dir)) as scratch:
            full = sqlite_commit_ms(scratch, "FULL")
            normal = sqlite_commit_ms(scratch, "NORMAL")
    finally:
        server.close()
    print(f"  tidecast API   create channel {create:.2f} ms   delete channel {delete:.2f} ms")
    print(f"  sqlite3 peer   commit FULL {full:.3f} ms   commit NORMAL {normal:.3f} ms")
    print(f"  ratio          FULL / NORMAL = {full / normal:.1f}x per commit "
          f"(durability costs {full - normal:.3f} ms a commit on this disk)")


if __name__ == "__main__":
    run()
