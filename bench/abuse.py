"""Service under abuse (issue: trust), against nginx in the same run.

A normal client fetches a small page and a 730 KB script on fresh
connections while the server is (a) left alone, (b) holding 2,000 idle
connections, (c) holding 300 slowloris connections that send one header byte
per second, and (d) feeding 20 readers that read the script at 1 KB/s. The
same files are served by nginx (one worker, static root, sendfile) under
the same abuse, one server at a time. Reported: the median and p95 time per
request, and the ratio Tidecast / nginx (1.0 = as fast as nginx).

The abusers come from 127.0.0.1, the measured client from 127.0.0.2, so each
server's per-address limits fall on the abusers (Tidecast's defaults are
raised to let all of them in: the point is the load, not the cap).
"""
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.tidecast import Server  # noqa: E402

from peers import free_port  # noqa: E402

PAGE = "/watch.html"
SCRIPT = "/assets/engine-dash.js"
IDLE = 2000
SLOWLORIS = 300
SLOW_READERS = 20
REQUESTS = 100

NGINX_CONF = """
worker_processes 1;
worker_rlimit_nofile 16384;
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log crit;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  sendfile on;
  keepalive_timeout 60s;
  client_header_timeout 15s;
  send_timeout 60s;
  types {{ text/html html; text/javascript js; }}
  server {{
    listen 127.0.0.1:{port};
    root {dir}/root;
  }}
}}
"""


class Nginx:
    name = "nginx"

    def __init__(self, files):
        self.tmp = tempfile.TemporaryDirectory(prefix="tidecast-bench-abuse-")
        for path, body in files.items():
            target = os.path.join(self.tmp.name, "root", path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(body)
        self.port = free_port()
        conf = os.path.join(self.tmp.name, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.tmp.name, port=self.port))
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.tmp.name], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_until_serving(self.port)

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.tmp.cleanup()


class Tidecast:
    name = "tidecast"

    def __init__(self):
        self.server = Server({"log_level": "warn",
                              "http": {"max_connections": 8192, "max_connections_per_ip": 8192}})
        self.port = self.server.http_port

    def close(self):
        self.server.close()


def wait_until_serving(port):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def fetch(port, path):
    """Seconds for one GET on a fresh connection from 127.0.0.2; the body length must match."""
    start = time.monotonic()
    with socket.socket() as s:
        s.settimeout(30)
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        data = bytearray()
        while chunk := s.recv(1 << 16):
            data += chunk
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"{path}: {bytes(data[:80])!r}")
    return time.monotonic() - start


class Abuse:
    """Background abusers of one kind against one port; stop() ends them."""

    def __init__(self, kind, port):
        self.kind, self.port = kind, port
        self.stopping = threading.Event()
        self.sockets = []
        self.threads = []

    def start(self):
        if self.kind == "idle":
            for _ in range(IDLE):
                self.sockets.append(socket.create_connection(("127.0.0.1", self.port), timeout=10))
        elif self.kind == "slowloris":
            for _ in range(SLOWLORIS):
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                s.sendall(b"GET / HTTP/1.1\r\n")
                self.sockets.append(s)
            self.threads.append(threading.Thread(target=self.trickle, daemon=True))
        elif self.kind == "slow readers":
            for _ in range(SLOW_READERS):
                self.threads.append(threading.Thread(target=self.read_slowly, daemon=True))
        for t in self.threads:
            t.start()
        time.sleep(1)

    def trickle(self):
        while not self.stopping.wait(1):
            for s in list(self.sockets):
                try:
                    s.sendall(b"X")
                except OSError:
                    self.sockets.remove(s)  # cut off by the server: replace it
                    try:
                        fresh = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                        fresh.sendall(b"GET / HTTP/1.1\r\n")
                        self.sockets.append(fresh)
                    except OSError:
                        pass

    def read_slowly(self):
        while not self.stopping.is_set():
            try:
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    s.settimeout(90)
                    s.connect(("127.0.0.1", self.port))
                    s.sendall(f"GET {SCRIPT} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
                    while not self.stopping.is_set() and s.recv(1024):
                        time.sleep(1)
            except OSError:
                time.sleep(0.5)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(5)
        for s in self.sockets:
            s.close()
        time.sleep(1)


def measure(port):
    times = {PAGE: [], SCRIPT: []}
    for _ in range(REQUESTS):
        for path in times:
            times[path].append(fetch(port, path))
    return {path: (statistics.median(t), sorted(t)[int(len(t) * 0.95) - 1]) for path, t in times.items()}


def run():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 32768), hard))
    print(f"\n== abuse: a normal client's fresh-connection GETs ({REQUESTS} each) while the server is abused ==")
    tidecast = Tidecast()
    files = {}
    for path in (PAGE, SCRIPT):
        with urllib.request.urlopen(f"http://127.0.0.1:{tidecast.port}{path}") as r:
            files[path] = r.read()
    results = {}
    try:
        for kind in ("none", "idle", "slowloris", "slow readers"):
            for server in (tidecast, None):
                peer = server or Nginx(files)
                try:
                    abuse = Abuse(kind, peer.port)
                    abuse.start()
                    try:
                        results[(kind, peer.name)] = measure(peer.port)
                    finally:
                        abuse.stop()
                finally:
                    if server is None:
                        peer.close()
    finally:
        tidecast.close()
    print(f"{'abuse':<14}{'path':<24}{'tidecast ms (p95)':>20}{'nginx ms (p95)':>18}{'ratio':>8}")
    for kind in ("none", "idle", "slowloris", "slow readers"):
        for path in (PAGE, SCRIPT):
            t, n = results[(kind, "tidecast")][path], results[(kind, "nginx")][path]
            print(f"{kind:<14}{path:<24}{t[0] * 1000:>11.2f} ({t[1] * 1000:5.2f}){n[0] * 1000:>10.2f} "
                  f"({n[1] * 1000:5.2f}){t[0] / n[0]:>8.2f}")
    return results


if __name__ == "__main__":
    run()
