"""Several Tidecast nodes acting as one, on one machine, for tests and benchmarks.

A throwaway PostgreSQL (the shared catalog), N nodes in cluster mode on fixed
loopback ports (so a node killed and started again keeps its place in HAProxy),
and real HAProxy in front: HTTP hashed on the channel/video id (`balance uri
depth 2 path-only`, `hash-type consistent`), RTMP in TCP mode (leastconn). The
HAProxy config is packaging/examples/haproxy.cfg with its addresses filled in.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from .postgres import Postgres, free_port
from .tidecast import BIN, Server, poll

SOURCE_DIR = os.environ.get("TIDECAST_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../../.."))
HAPROXY_EXAMPLE = os.path.join(SOURCE_DIR, "packaging/examples/haproxy.cfg")
NGINX_EXAMPLE = os.path.join(SOURCE_DIR, "packaging/examples/nginx-edge.conf")
# HAProxy connects to the nodes from this address, the only one whose RTMP
# connections must carry a PROXY header (send-proxy-v2, rtmp.proxy_protocol,
# rtmp.trusted_proxies), while tests publishing straight to a node from
# 127.0.0.1 send none. HTTP keeps the default trust (loopback), so tests may
# stand in for a proxy with X-Forwarded-For.
HAPROXY_SOURCE = "127.0.0.2"


def _wait_healthy(base, what, log_path):
    """Waits until `base`/api/v1/health answers 200 (through a proxy: the nodes behind it are up too)."""
    def up():
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False
    if not poll(up, bool, 15):
        with open(log_path, errors="replace") as f:
            raise RuntimeError(f"{what} did not come up:\n" + f.read())


def _stop(proc):
    """SIGTERM by PID, SIGKILL after 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Node(Server):
    """A cluster node on fixed ports (its address must survive restarts)."""

    def __init__(self, name, cluster_config, config=None, data_dir=None):
        self.name = name
        self.fixed_http = free_port()
        self.fixed_rtmp = free_port()
        cfg = {"http": {"listen": f"127.0.0.1:{self.fixed_http}"},
               "rtmp": {"listen": f"127.0.0.1:{self.fixed_rtmp}", "proxy_protocol": True,
                        "trusted_proxies": [HAPROXY_SOURCE]},
               "cluster": dict(cluster_config, node=name)}
        for section, values in (config or {}).items():
            if isinstance(values, dict):
                cfg.setdefault(section, {}).update(values)
            else:
                cfg[section] = values
        super().__init__(config=cfg, data_dir=data_dir)

    def metric(self, name, labels=""):
        """The value of one sample from /metrics (0 when absent)."""
        _, _, body = self.get("/metrics")
        m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", body.decode(), re.M)
        return float(m.group(1)) if m else 0.0


def _server_options(template, backend):
    """The example's server options in `backend` (send-proxy-v2, check ...), with faster checks for tests."""
    section = re.search(rf"backend {backend}\n((?:    .*\n)+)", template).group(1)
    options = re.search(r"    server \S+ \S+ (.*)", section).group(1)
    return options.replace("inter 2s", "inter 500ms").replace("rise 2", "rise 1")


class HAProxy:
    def __init__(self, tmp, nodes, storage=None):
        """`storage`: the nodes uploads go to (role storage); all of them by default."""
        self.http_port = free_port()
        self.rtmp_port = free_port()
        with open(HAPROXY_EXAMPLE) as f:
            template = f.read()
        http_options = _server_options(template, "tidecast_http")
        rtmp_options = _server_options(template, "tidecast_rtmp")
        http_servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.fixed_http} {http_options}" for n in nodes)
        rtmp_servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.fixed_rtmp} {rtmp_options}" for n in nodes)
        # A small connection cap: a test machine's descriptor limit may be low.
        cfg = (template.replace("maxconn 20000", "maxconn 2000")
               .replace("*:80", f"127.0.0.1:{self.http_port}")
               .replace("*:1935", f"127.0.0.1:{self.rtmp_port}")
               .replace("defaults\n", f"defaults\n    source {HAPROXY_SOURCE}\n", 1))
        cfg = re.sub(r"(backend tidecast_http\n(?:.*\n)*?)(    server .*\n)+", lambda m: m.group(1) + http_servers + "\n",
                     cfg)
        cfg = re.sub(r"(backend tidecast_rtmp\n(?:.*\n)*?)(    server .*\n)+", lambda m: m.group(1) + rtmp_servers + "\n",
                     cfg)
        storage_servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.fixed_http} check inter 500ms fall 2 rise 1"
                                    for n in (storage if storage is not None else nodes))
        cfg = re.sub(r"(backend tidecast_storage\n(?:.*\n)*?)(    server .*\n)+",
                     lambda m: m.group(1) + storage_servers + "\n", cfg)
        self.config_path = os.path.join(tmp, "haproxy.cfg")
        with open(self.config_path, "w") as f:
            f.write(cfg)
        self.log_path = os.path.join(tmp, "haproxy.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.http_port}"
        # Ready once the HTTP frontend answers and every node passed its check.
        _wait_healthy(self.base, "haproxy", self.log_path)

    def rtmp_url(self, key):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"

    def get(self, path, headers=None):
        """(status, headers with lower-case names (HAProxy sends them so), body)."""
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def close(self):
        _stop(self.proc)
        self.log.close()


class NginxEdge:
    """nginx with packaging/examples/nginx-edge.conf in front of `upstream_port` (HAProxy)."""

    def __init__(self, tmp, upstream_port):
        self.dir = os.path.join(tmp, "nginx")
        os.makedirs(self.dir)
        self.port = free_port()
        with open(NGINX_EXAMPLE) as f:
            site = f.read()
        site = (site.replace("/var/cache/nginx/tidecast", os.path.join(self.dir, "cache"))
                .replace("10.0.0.10:80", f"127.0.0.1:{upstream_port}")
                .replace("listen 80;", f"listen 127.0.0.1:{self.port};"))
        with open(os.path.join(self.dir, "edge.conf"), "w") as f:
            f.write(site)
        d = self.dir
        main = (f"daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n"
                f"error_log {d}/error.log warn;\nevents {{ worker_connections 1024; }}\n"
                f"http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n"
                f" fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n"
                f" include {d}/edge.conf;\n}}\n")
        self.config_path = os.path.join(self.dir, "nginx.conf")
        with open(self.config_path, "w") as f:
            f.write(main)
        self.proc = subprocess.Popen(["nginx", "-c", self.config_path, "-p", self.dir], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        _wait_healthy(self.base, "nginx", os.path.join(d, "error.log"))

    get = HAProxy.get

    def close(self):
        _stop(self.proc)


class Cluster:
    def __init__(self, nodes=3, lease_seconds=3, config=None, haproxy=True, nginx=False):
        self.tmp = tempfile.mkdtemp(prefix="tidecast-cluster-")
        self.pg = Postgres()
        self.nodes = []
        self.haproxy = None
        self.nginx = None
        try:
            self.database = self.pg.create_database("tidecast")
            self.secret_file = os.path.join(self.tmp, "cluster.secret")
            with open(self.secret_file, "w") as f:
                f.write(os.urandom(24).hex())
            self.key_file = os.path.join(self.tmp, "url_signing.key")
            with open(self.key_file, "wb") as f:
                f.write(os.urandom(32))
            self.cluster_config = {"enabled": True, "database": self.database, "secret_file": self.secret_file,
                                   "signing_key_file": self.key_file, "lease_seconds": lease_seconds}
            for i in range(nodes):
                self.nodes.append(Node(f"n{i + 1}", self.cluster_config, config))
            if haproxy:
                self.haproxy = HAProxy(self.tmp, self.nodes)
            if nginx:
                self.nginx = NginxEdge(self.tmp, self.haproxy.http_port)
        except BaseException:
            self.close()
            raise

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def create_channel(self, name):
        return self.nodes[0].create_channel(name)

    def owner(self, channel):
        """The node holding the channel's live lease, from the catalog (None when nobody is live)."""
        out = self.pg.psql(
            "SELECT l.node FROM channel_leases l JOIN channels c ON c.id = l.channel_id "
            f"WHERE c.name = '{channel}' AND l.expires_at > (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT",
            database="tidecast")
        return out or None

    def close(self):
        if self.nginx:
            self.nginx.close()
        if self.haproxy:
            self.haproxy.close()
        for node in self.nodes:
            node.close()
        self.pg.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
