"""Proxy headers end to end (http.trusted_proxies): X-Forwarded-For/-Proto/-Host are
believed only from a trusted peer, and then everything keyed on the client uses
the forwarded address.

- default (loopback trusted): each X-Forwarded-For client has its own login budget,
  a chain past trusted hops counts for its first untrusted address, garbage counts
  for the peer, X-Forwarded-Proto: https makes the session cookie Secure; log lines
  name the forwarded client
- trusted_proxies: [] -> the headers are ignored: every attempt counts against 127.0.0.1
- a peer outside the list (127.0.0.2 with ["127.0.0.1"]) is not believed either
- live: viewer counts per forwarded client; the MPD's UTCTiming URL, when absolute,
  takes the forwarded scheme and host from a trusted peer only; a refused
  private-channel request is logged with the forwarded client
- a bad entry: the server refuses to start, naming the key and the value
- nginx in front (Debian nginx, $proxy_add_x_forwarded_for): clients are told
  apart by their own addresses and cannot spoof another through the header
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import create_user  # noqa: E402
from support.tidecast import BIN, Server, create_token, poll, publish  # noqa: E402


def call(port, method, path, headers=None, payload=None, source="127.0.0.1"):
    """(status, headers with lower-case names, body bytes), from `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        h = dict(headers or {})
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def login(port, password="wrong-password", source="127.0.0.1", **headers):
    """POST /api/v1/session as eve; keyword headers use _ for - (X_Forwarded_For=...)."""
    h = {k.replace("_", "-"): v for k, v in headers.items()}
    status, response_headers, _ = call(port, "POST", "/api/v1/session", h,
                                       {"username": "eve", "password": password}, source)
    return status, response_headers.get("set-cookie", "")


def statuses(port, n, **kw):
    return [login(port, **kw)[0] for _ in range(n)]


class DefaultTrustsLoopback(unittest.TestCase):
    def test_forwarded_clients_have_their_own_budget(self):
        server = Server({"accounts": {"login_attempts_per_minute": 2}})
        try:
            create_user(server, "eve", "eve-secret-1")
            port = server.http_port
            self.assertIn("trusted_proxies=127.0.0.0/8,::1/128", server.read_log())
            self.assertEqual(statuses(port, 3, X_Forwarded_For="198.51.100.1"), [401, 401, 429])
            self.assertEqual(statuses(port, 3, X_Forwarded_For="198.51.100.2"), [401, 401, 429])
            # The peer itself still has its whole budget.
            self.assertEqual(login(port)[0], 401)
            # A chain: the trusted hop (127.0.0.5) is skipped, the client's own claim
            # left of the first untrusted address is not believed.
            self.assertEqual(login(port, X_Forwarded_For="10.6.6.6, 203.0.113.9, 127.0.0.5")[0], 401)
            self.assertEqual(login(port, X_Forwarded_For="203.0.113.9")[0], 401)
            self.assertEqual(login(port, X_Forwarded_For="203.0.113.9")[0], 429)
            # IPv6 clients, with a port as some proxies write it.
            self.assertEqual(statuses(port, 2, X_Forwarded_For="[2001:db8::7]:4711"), [401, 401])
            self.assertEqual(login(port, X_Forwarded_For="2001:db8::7")[0], 429)
            # Garbage is never a client: it counts for the peer (one attempt left).
            self.assertEqual(statuses(port, 2, X_Forwarded_For="not-an-address"), [401, 429])
            # The scheme a TLS-terminating proxy reports makes the cookie Secure.
            status, cookie = login(port, "eve-secret-1", X_Forwarded_For="192.0.2.50", X_Forwarded_Proto="https")
            self.assertEqual(status, 200)
            self.assertIn("; Secure", cookie)
            status, cookie = login(port, "eve-secret-1", X_Forwarded_For="192.0.2.50")
            self.assertEqual(status, 200)
            self.assertNotIn("Secure", cookie)
            log = server.wait_for_log('login rate limited remote="198.51.100.2"', timeout=10)
            self.assertIn('login rate limited remote="198.51.100.1"', log)
            self.assertIn('login rate limited remote="203.0.113.9"', log)
            self.assertIn('login rate limited remote="2001:db8::7"', log)
            self.assertIn('login rate limited remote="127.0.0.1"', log)
            self.assertNotIn("10.6.6.6", log)
        finally:
            server.close()


class NothingTrusted(unittest.TestCase):
    def test_headers_are_ignored(self):
        server = Server({"accounts": {"login_attempts_per_minute": 3}, "http": {"trusted_proxies": []}})
        try:
            create_user(server, "eve", "eve-secret-1")
            port = server.http_port
            self.assertIn("trusted_proxies=none", server.read_log())
            self.assertEqual(login(port, X_Forwarded_For="198.51.100.1")[0], 401)
            self.assertEqual(login(port, X_Forwarded_For="198.51.100.2")[0], 401)
            status, cookie = login(port, "eve-secret-1", X_Forwarded_For="198.51.100.3", X_Forwarded_Proto="https")
            self.assertEqual(status, 200)
            self.assertNotIn("Secure", cookie)  # not believed
            self.assertEqual(login(port, X_Forwarded_For="198.51.100.4")[0], 429)  # all four were 127.0.0.1's
            log = server.wait_for_log('login rate limited remote="127.0.0.1"', timeout=10)
            self.assertNotIn("198.51.100.", log)
        finally:
            server.close()


class UntrustedPeer(unittest.TestCase):
    def test_only_the_listed_peer_is_believed(self):
        server = Server({"accounts": {"login_attempts_per_minute": 2}, "http": {"trusted_proxies": ["127.0.0.1"]}})
        try:
            create_user(server, "eve", "eve-secret-1")
            port = server.http_port
            # 127.0.0.2 is not a trusted proxy: its header is ignored, its attempts are its own.
            self.assertEqual(login(port, source="127.0.0.2", X_Forwarded_For="198.51.100.1")[0], 401)
            self.assertEqual(login(port, source="127.0.0.2", X_Forwarded_For="198.51.100.2")[0], 401)
            self.assertEqual(login(port, source="127.0.0.2", X_Forwarded_For="198.51.100.3")[0], 429)
            # From the trusted peer, the same header is believed.
            self.assertEqual(login(port, X_Forwarded_For="198.51.100.3")[0], 401)
            log = server.wait_for_log('login rate limited remote="127.0.0.2"', timeout=10)
            self.assertIn('login failed user="eve" remote="198.51.100.3"', log)
        finally:
            server.close()


class LiveViewersAndUrls(unittest.TestCase):
    def test_viewers_urls_and_refusals_use_the_forwarded_client(self):
        server = Server({"http": {"trusted_proxies": ["127.0.0.1"]}})
        ffmpeg = None
        try:
            port = server.http_port
            key = server.create_channel("studio")
            ffmpeg = publish(server.rtmp_url(key), seconds=60, size="320x240", fps=15, audio=False)
            server.wait_for("/live/studio/v0/media.m3u8", timeout=30)  # not a viewer: only master/MPD count
            for client in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
                self.assertEqual(call(port, "GET", "/live/studio/master.m3u8", {"X-Forwarded-For": client})[0], 200)
            for client in ("198.51.100.4", "198.51.100.5"):  # spoofed from an untrusted peer: one viewer, 127.0.0.2
                self.assertEqual(call(port, "GET", "/live/studio/master.m3u8", {"X-Forwarded-For": client},
                                      source="127.0.0.2")[0], 200)

            def viewers():
                status, _, body = call(port, "GET", "/api/v1/live")
                self.assertEqual(status, 200)
                return {c["channel"]: c["viewers"] for c in json.loads(body)["live"]}

            self.assertEqual(viewers().get("studio"), 4)

            forwarded = {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https",
                         "X-Forwarded-Host": "tv.example"}

            def utc_timing(source):
                mpd = call(port, "GET", "/live/studio/manifest.mpd", forwarded, source=source)[2].decode()
                m = re.search(r'<UTCTiming [^>]*value="([^"]*)"', mpd)
                self.assertTrue(m, mpd)
                return m.group(1), mpd

            # Absolute: the client's scheme and host; relative is right for every client.
            self.assertIn(utc_timing("127.0.0.1")[0], ("https://tv.example/api/v1/time", "/api/v1/time"))
            url, mpd = utc_timing("127.0.0.2")
            self.assertIn(url, (f"http://127.0.0.1:{port}/api/v1/time", "/api/v1/time"))
            self.assertNotIn("tv.example", mpd)

            # A refusal is logged with the forwarded client.
            token = create_token(server)
            status, _, _ = call(port, "PATCH", "/api/v1/channels/studio", {"Authorization": f"Bearer {token}"},
                                {"visibility": "private"})
            self.assertEqual(status, 200)
            self.assertEqual(call(port, "GET", "/live/studio/master.m3u8", {"X-Forwarded-For": "203.0.113.44"})[0],
                             403)
            log = server.wait_for_log("203.0.113.44", timeout=10)
            self.assertRegex(log, r'refused channel=studio .*remote="?203\.0\.113\.44')
        finally:
            if ffmpeg:
                ffmpeg.kill()
                ffmpeg.wait()
                ffmpeg.stderr.close()
            server.close()


class BadEntry(unittest.TestCase):
    def test_refuses_to_start(self):
        with tempfile.TemporaryDirectory(prefix="tidecast-proxies-") as d:
            path = os.path.join(d, "tidecast.json")
            with open(path, "w") as f:
                json.dump({"data_dir": os.path.join(d, "data"), "http": {"listen": "127.0.0.1:0",
                                                                          "trusted_proxies": ["::1", "10.0.0.300/8"]},
                           "rtmp": {"listen": "127.0.0.1:0"}}, f)
            out = subprocess.run([BIN, "--config", path], capture_output=True, timeout=60)
            self.assertEqual(out.returncode, 2, out)
            err = out.stderr.decode()
            self.assertIn("config error", err)
            self.assertIn("http.trusted_proxies[1]", err)
            self.assertIn('"10.0.0.300/8"', err)
            self.assertFalse(os.path.exists(os.path.join(d, "data")), "nothing is created before the check")


NGINX_CONF = """
worker_processes 1;
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
    }}
  }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BehindNginx(unittest.TestCase):
    def test_clients_are_told_apart_and_cannot_spoof(self):
        server = Server({"accounts": {"login_attempts_per_minute": 2}, "http": {"trusted_proxies": ["127.0.0.1"]}})
        tmp = tempfile.TemporaryDirectory(prefix="tidecast-nginx-")
        nginx = None
        try:
            create_user(server, "eve", "eve-secret-1")
            port = free_port()
            conf = os.path.join(tmp.name, "nginx.conf")
            with open(conf, "w") as f:
                f.write(NGINX_CONF.format(dir=tmp.name, port=port, upstream=server.http_port))
            nginx = subprocess.Popen(["nginx", "-e", os.path.join(tmp.name, "error.log"), "-c", conf, "-p", tmp.name],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def up():
                try:
                    return call(port, "GET", "/api/v1/health")[0]
                except OSError:
                    return 0

            self.assertNotEqual(poll(up, lambda s: s != 0, timeout=10, interval=0.05), 0, "nginx did not start")
            # nginx connects from 127.0.0.1 and appends each client's own address.
            self.assertEqual(statuses(port, 3, source="127.0.0.2"), [401, 401, 429])
            self.assertEqual(login(port, source="127.0.0.3")[0], 401)
            # A client's own X-Forwarded-For ends up left of its real address: not believed.
            self.assertEqual(login(port, source="127.0.0.3", X_Forwarded_For="198.51.100.9")[0], 401)
            self.assertEqual(login(port, source="127.0.0.3", X_Forwarded_For="198.51.100.10")[0], 429)
            status, cookie = login(port, "eve-secret-1", source="127.0.0.4")
            self.assertEqual(status, 200)
            self.assertIn("; Secure", cookie)  # nginx said https
            log = server.wait_for_log('login rate limited remote="127.0.0.3"', timeout=10)
            self.assertIn('login rate limited remote="127.0.0.2"', log)
            self.assertNotIn("198.51.100.", log)
        finally:
            if nginx:
                nginx.terminate()
                try:
                    nginx.wait(10)
                except subprocess.TimeoutExpired:
                    nginx.kill()
                    nginx.wait()
            server.close()
            tmp.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
