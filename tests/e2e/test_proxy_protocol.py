"""PROXY protocol end to end (rtmp.proxy_protocol, http.proxy_protocol): a TCP proxy
in front names the client in a PROXY header, believed only from http.trusted_proxies.

HAProxy (Debian's) connects to Tidecast from 127.0.0.5, the only trusted address;
clients connect from 127.0.0.1.
- ffmpeg publishes through HAProxy with the RTMP backend's server options from
  packaging/examples/haproxy.cfg (`send-proxy-v2`): the publish works and is
  logged with ffmpeg's own address and port, not HAProxy's; HAProxy's health
  checks (which carry the header too) are not refused
- ffmpeg publishing straight to Tidecast from an untrusted address still works
- a forged header (v1 and v2) from an untrusted address is refused: the
  connection closes, the refusal is counted in tidecast_rtmp_errors_total
  {kind="proxy_protocol"} and logged once per address per minute
- a trusted address without a header, or with a malformed one, is refused too
- the per-address connection cap counts the client the header names, not the proxy
- HTTP (http.proxy_protocol): a request behind a v1 header is answered and
  logged with the named client; a header from an untrusted address is refused
- HTTPS and RTMPS behind a v2 header sent in one segment with the TLS
  ClientHello (the bytes read past the header start the TLS handshake)
"""
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.postgres import free_port  # noqa: E402
from support.tidecast import Server, poll, publish  # noqa: E402
from test_tls import make_certificate  # noqa: E402

SOURCE_DIR = os.environ.get("TIDECAST_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
HAPROXY_EXAMPLE = os.path.join(SOURCE_DIR, "packaging/examples/haproxy.cfg")
PROXY_SOURCE = "127.0.0.5"  # HAProxy's address towards Tidecast: the trusted one
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
RTMP_C0C1 = b"\x03" + bytes(1536)


def v2_header(client, port):
    body = socket.inet_aton(client) + socket.inet_aton("127.0.0.1") + struct.pack(">HH", port, 1935)
    return V2_SIGNATURE + b"\x21\x11" + struct.pack(">H", len(body)) + body


def rtmp_server_options():
    """The options of the RTMP backend's server lines in the shipped HAProxy example."""
    with open(HAPROXY_EXAMPLE) as f:
        text = f.read()
    backend = re.search(r"backend tidecast_rtmp\n((?:    .*\n)+)", text).group(1)
    line = re.search(r"    server \S+ \S+ (.*)", backend).group(1)
    return line


def connect(port, source, payload):
    """A raw connection from `source` that sends `payload`; returns the socket."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    s.sendall(payload)
    return s


def closed_by_server(s, timeout=10):
    """True when the server closes the connection (EOF or reset) without sending anything."""
    s.settimeout(timeout)
    try:
        return s.recv(4096) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def answers_rtmp(s):
    """True when the server answers the RTMP handshake (S0 = version 3)."""
    s.settimeout(10)
    try:
        return s.recv(1) == b"\x03"
    except OSError:
        return False


def metric(server, name, labels):
    _, _, body = server.get("/metrics")
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else 0.0


class HAProxy:
    """HAProxy in mode tcp in front of one Tidecast RTMP port, connecting from PROXY_SOURCE."""

    def __init__(self, tmp, backend_port):
        self.port = free_port()
        options = rtmp_server_options()
        cfg = (f"global\n    maxconn 200\n"
               f"defaults\n    mode tcp\n    timeout connect 3s\n    timeout client 60s\n    timeout server 60s\n"
               f"frontend rtmp_in\n    bind 127.0.0.1:{self.port}\n    default_backend rtmp\n"
               f"backend rtmp\n    source {PROXY_SOURCE}\n"
               f"    server node1 127.0.0.1:{backend_port} {options.replace('inter 2s', 'inter 500ms')}\n")
        self.config_path = os.path.join(tmp, "haproxy.cfg")
        with open(self.config_path, "w") as f:
            f.write(cfg)
        self.log_path = os.path.join(tmp, "haproxy.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


class RtmpThroughHAProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server({"rtmp": {"proxy_protocol": True}, "http": {"trusted_proxies": [PROXY_SOURCE]}})
        cls.key = cls.server.create_channel("studio")
        cls.tmp = tempfile.TemporaryDirectory(prefix="tidecast-haproxy-")
        cls.haproxy = HAProxy(cls.tmp.name, cls.server.rtmp_port)

    @classmethod
    def tearDownClass(cls):
        cls.haproxy.close()
        cls.server.close()
        cls.tmp.cleanup()

    def test_example_sends_proxy_v2(self):
        self.assertIn("send-proxy-v2", rtmp_server_options().split())

    def test_publish_through_haproxy_is_logged_with_the_client_address(self):
        p = publish(f"rtmp://127.0.0.1:{self.haproxy.port}/live/{self.key}", seconds=6, size="320x240", audio=False)
        try:
            self.server.wait_for("/live/studio/master.m3u8", timeout=30)
            log = self.server.wait_for_log("publish started channel=studio", timeout=10)
            m = re.search(r"publish started channel=studio remote=(\S+):(\d+)", log)
            self.assertIsNotNone(m, log)
            # ffmpeg's address (127.0.0.1), not HAProxy's (127.0.0.5), and ffmpeg's own port:
            # HAProxy's connection to Tidecast has a different one.
            self.assertEqual(m.group(1), "127.0.0.1")
        finally:
            p.wait(60)
        # HAProxy's health checks (every 500 ms, with a PROXY header too) are never refused.
        self.assertNotIn("connection refused", self.server.read_log())
        with open(self.haproxy.log_path, errors="replace") as f:
            self.assertNotRegex(f.read(), r"Server rtmp/node1 is DOWN")

    def test_direct_publish_from_an_untrusted_address_still_works(self):
        key = self.server.create_channel("direct2")
        p = publish(self.server.rtmp_url(key), seconds=4, size="320x240", audio=False)
        try:
            self.server.wait_for("/live/direct2/master.m3u8", timeout=30)
            self.assertRegex(self.server.read_log(), r"publish started channel=direct2 remote=127\.0\.0\.1:\d+")
        finally:
            p.wait(60)


class ForgedHeaders(unittest.TestCase):
    def setUp(self):
        self.server = Server({"rtmp": {"proxy_protocol": True, "max_connections_per_ip": 1},
                              "http": {"trusted_proxies": [PROXY_SOURCE]}})

    def tearDown(self):
        self.server.close()

    def refusals(self):
        return metric(self.server, "tidecast_rtmp_errors_total", '{kind="proxy_protocol"}')

    def test_untrusted_address_with_a_header_is_refused_and_logged_once(self):
        port = self.server.rtmp_port
        forged = [b"PROXY TCP4 203.0.113.9 127.0.0.1 4444 1935\r\n" + RTMP_C0C1, v2_header("203.0.113.9", 4444)]
        for _ in range(3):
            for payload in forged:
                with connect(port, "127.0.0.1", payload) as s:
                    self.assertTrue(closed_by_server(s))
        self.assertEqual(poll(self.refusals, lambda n: n >= 6, 10), 6)
        log = self.server.read_log()
        line = ('connection refused reason="PROXY header from an address not in http.trusted_proxies" '
                'peer=127.0.0.1 refused_since_last_line=0')
        self.assertEqual(log.count("connection refused"), 1, log)
        self.assertIn(line, log)
        self.assertNotIn("203.0.113.9", log)

    def test_trusted_address_without_or_with_a_bad_header_is_refused(self):
        port = self.server.rtmp_port
        with connect(port, PROXY_SOURCE, RTMP_C0C1) as s:
            self.assertTrue(closed_by_server(s))
        self.server.wait_for_log("connection refused")
        self.assertIn('reason="proxy protocol: the connection does not start with a PROXY header" peer=127.0.0.5',
                      self.server.read_log())
        for bad in (b"PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n", b"PROXY TCP4 " + b"1" * 200,
                    V2_SIGNATURE + b"\x21\x11\xff\xff"):
            with connect(port, PROXY_SOURCE, bad) as s:
                self.assertTrue(closed_by_server(s))
        self.assertEqual(poll(self.refusals, lambda n: n >= 4, 10), 4)
        # One line per address per minute: the later refusals were counted, not logged.
        self.assertEqual(self.server.read_log().count("connection refused"), 1)

    def test_per_address_cap_counts_the_client_the_header_names(self):
        port = self.server.rtmp_port  # max_connections_per_ip: 1
        a = connect(port, PROXY_SOURCE, b"PROXY TCP4 192.0.2.1 127.0.0.1 1000 1935\r\n" + RTMP_C0C1)
        b = connect(port, PROXY_SOURCE, v2_header("192.0.2.2", 1001) + RTMP_C0C1)
        try:
            # Two connections from one proxy, two clients: both admitted.
            self.assertTrue(answers_rtmp(a))
            self.assertTrue(answers_rtmp(b))
            with connect(port, PROXY_SOURCE, v2_header("192.0.2.1", 1002) + RTMP_C0C1) as c:
                self.assertTrue(closed_by_server(c))
            log = self.server.wait_for_log("limit=per_address")
            self.assertIn("connection refused limit=per_address max_connections_per_ip=1 client=192.0.2.1", log)
        finally:
            a.close()
            b.close()


class HttpBehindProxyHeader(unittest.TestCase):
    def test_requests_use_the_named_client_and_untrusted_headers_are_refused(self):
        server = Server({"http": {"proxy_protocol": True, "trusted_proxies": [PROXY_SOURCE]}, "log_level": "debug"})
        try:
            request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            with connect(server.http_port, PROXY_SOURCE,
                         b"PROXY TCP4 198.51.100.23 127.0.0.1 5555 80\r\n" + request) as s:
                s.settimeout(10)
                response = b""
                while chunk := s.recv(4096):
                    response += chunk
            self.assertTrue(response.startswith(b"HTTP/1.1 200"), response)
            log = server.wait_for_log("request remote=198.51.100.23 method=GET target=/api/v1/health")
            self.assertIn("request remote=198.51.100.23", log)
            # The same header from an untrusted address: closed, counted.
            with connect(server.http_port, "127.0.0.1",
                         b"PROXY TCP4 198.51.100.23 127.0.0.1 5555 80\r\n" + request) as s:
                self.assertTrue(closed_by_server(s))
            self.assertEqual(poll(lambda: metric(server, "tidecast_http_errors_total", '{kind="proxy_protocol"}'),
                                  lambda n: n >= 1, 10), 1)
            # A plain request from an untrusted address is served as before.
            self.assertEqual(server.get("/api/v1/health")[0], 200)
        finally:
            server.close()


def tls_request_behind_header(port, header, request, cafile, done=lambda r: b"\r\n\r\n" in r):
    """Sends `header` and the TLS ClientHello in ONE write, then `request` over TLS; returns what the
    server answered once done(answer)."""
    context = ssl.create_default_context(cafile=cafile)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(PROXY_SOURCE, 0))
    first = True

    def pump(step):
        nonlocal first
        while True:
            try:
                result = step()
            except ssl.SSLWantReadError:
                result = None
            out = outgoing.read()
            if out:
                s.sendall((header if first else b"") + out)
                first = False
            if result is not None:
                return result
            data = s.recv(65536)
            if not data:
                raise ConnectionError("closed during TLS")
            incoming.write(data)

    try:
        pump(lambda: tls.do_handshake() or True)
        tls.write(request)
        s.sendall(outgoing.read())
        response = b""
        while not done(response):
            response += pump(lambda: tls.read(65536))
        return response
    finally:
        s.close()


class HttpsBehindProxyHeader(unittest.TestCase):
    def test_header_and_client_hello_in_one_segment(self):
        tmp = tempfile.TemporaryDirectory(prefix="tidecast-pp-tls-")
        cert, key = make_certificate(tmp.name, "pp")
        server = Server({"http": {"proxy_protocol": True, "trusted_proxies": [PROXY_SOURCE],
                                  "https_listen": "127.0.0.1:0"},
                         "tls": {"certificate": cert, "private_key": key}, "log_level": "debug"})
        try:
            response = tls_request_behind_header(
                server.https_port, v2_header("198.51.100.77", 6000),
                b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", cert)
            self.assertTrue(response.startswith(b"HTTP/1.1 200"), response)
            server.wait_for_log("request remote=198.51.100.77 method=GET target=/api/v1/health")
            self.assertIn("request remote=198.51.100.77 method=GET target=/api/v1/health", server.read_log())
        finally:
            server.close()
            tmp.cleanup()

    def test_rtmps_header_and_client_hello_in_one_segment(self):
        tmp = tempfile.TemporaryDirectory(prefix="tidecast-pp-tls-")
        cert, key = make_certificate(tmp.name, "pp")
        server = Server({"rtmp": {"proxy_protocol": True, "rtmps_listen": "127.0.0.1:0"},
                         "http": {"trusted_proxies": [PROXY_SOURCE]},
                         "tls": {"certificate": cert, "private_key": key}})
        try:
            answer = tls_request_behind_header(server.rtmps_port, v2_header("198.51.100.78", 6001), RTMP_C0C1, cert,
                                               done=lambda r: len(r) >= 1)
            self.assertEqual(answer[:1], b"\x03")  # S0: the RTMP handshake goes on inside TLS
            self.assertNotIn("connection refused", server.read_log())
        finally:
            server.close()
            tmp.cleanup()


if __name__ == "__main__":
    unittest.main()
