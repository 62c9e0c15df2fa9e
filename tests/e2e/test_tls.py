"""Built-in TLS: HTTPS next to HTTP and RTMPS next to RTMP, with one
certificate that SIGHUP re-reads. Real peers: Python's ssl module verifying
the chain against the test CA file, ffmpeg publishing over rtmps:// and
ffprobe reading the HLS ladder over https:// with verification on."""
import http.client
import json
import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import warnings

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import create_user
from support.tidecast import BIN, Server
from support.tls import make_certificate


def peer_certificate(port):
    """The DER certificate a new TLS connection to the port is shown."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


def der_of(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


class Tls(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.cert, self.key = make_certificate(self.tmp.name, "first")
        # The server reads these paths; the test replaces their contents to renew.
        self.live_cert = os.path.join(self.tmp.name, "server.crt")
        self.live_key = os.path.join(self.tmp.name, "server.key")
        self.install(self.cert, self.key)
        self.server = Server({"http": {"https_listen": "127.0.0.1:0"}, "rtmp": {"rtmps_listen": "127.0.0.1:0"},
                              "tls": {"certificate": self.live_cert, "private_key": self.live_key}})
        self.addCleanup(self.tmp.cleanup)
        self.addCleanup(self.server.close)
        self.assertNotEqual(self.server.https_port, 0)
        self.assertNotEqual(self.server.rtmps_port, 0)

    def install(self, cert, key):
        for source, target in ((cert, self.live_cert), (key, self.live_key)):
            with open(source, "rb") as f, open(target, "wb") as out:
                out.write(f.read())

    def https(self, cafile=None):
        context = ssl.create_default_context(cafile=cafile or self.cert)
        return http.client.HTTPSConnection("127.0.0.1", self.server.https_port, context=context, timeout=10)

    def test_https_verifies_and_serves_the_same_routes(self):
        conn = self.https()
        conn.request("GET", "/api/v1/health")
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(json.loads(response.read())["status"], "ok")
        self.assertEqual(conn.sock.version(), "TLSv1.3")
        conn.close()
        # A client that does not trust the certificate refuses it.
        other_cert, _ = make_certificate(self.tmp.name, "stranger")
        stranger = self.https(cafile=other_cert)
        with self.assertRaises(ssl.SSLCertVerificationError):
            stranger.request("GET", "/api/v1/health")
        stranger.close()
        # TLS 1.1 and older are refused.
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # that is the point
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            with socket.create_connection(("127.0.0.1", self.server.https_port), timeout=10) as raw:
                old.wrap_socket(raw)
        # Plain HTTP on the HTTPS port is told what to do instead of a reset.
        plain = http.client.HTTPConnection("127.0.0.1", self.server.https_port, timeout=10)
        plain.request("GET", "/api/v1/health")
        response = plain.getresponse()
        self.assertEqual(response.status, 400)
        self.assertIn(b"https://", response.read())
        # The plain listener is unchanged.
        self.assertEqual(self.server.get("/api/v1/health")[0], 200)

    def test_session_cookie_is_secure_over_https(self):
        password, _ = create_user(self.server, "ana", "correct horse battery")
        for scheme, conn in (("https", self.https()),
                             ("http", http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=10))):
            conn.request("POST", "/api/v1/session", body=json.dumps({"username": "ana", "password": password}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            self.assertEqual(response.status, 200, scheme)
            cookie = response.getheader("Set-Cookie")
            self.assertIn("HttpOnly", cookie)
            if scheme == "https":
                self.assertIn("; Secure", cookie)
            else:
                self.assertNotIn("Secure", cookie)
            conn.close()

    def test_rtmps_publish_plays_over_https(self):
        key = self.server.create_channel("tls")
        publish = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
             "testsrc2=s=640x360:r=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "8", "-c:v", "libx264",
             "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-f", "flv",
             f"rtmps://127.0.0.1:{self.server.rtmps_port}/live/{key}"], stderr=subprocess.PIPE)
        try:
            url = f"https://127.0.0.1:{self.server.https_port}/live/tls/master.m3u8"
            deadline = time.monotonic() + 20
            while True:
                conn = self.https()
                conn.request("GET", "/live/tls/master.m3u8")
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            self.assertEqual(response.status, 200, self.server.read_log())
            self.assertIn(b"#EXT-X-STREAM-INF", body)
            # A video segment (held in a sealed memory file, sent with sendfile over
            # plain HTTP and from its mapping over TLS): the same bytes both ways,
            # whole and in a range.
            playlist = self.server.wait_for("/live/tls/v0/media.m3u8").decode()
            segment = "/live/tls/v0/" + [l for l in playlist.splitlines() if l and not l.startswith("#")][0]
            plain = urllib.request.urlopen(self.server.url(segment), timeout=10).read()
            self.assertGreater(len(plain), 64 * 1024)
            fd_dir = f"/proc/{self.server.proc.pid}/fd"
            held = [os.readlink(os.path.join(fd_dir, fd)) for fd in os.listdir(fd_dir)]
            self.assertTrue(any(link.startswith("/memfd:tidecast-segment") for link in held), held)
            for headers, expected in (({}, plain), ({"Range": "bytes=70000-"}, plain[70000:])):
                conn = self.https()
                conn.request("GET", segment, headers=headers)
                response = conn.getresponse()
                self.assertEqual(response.read(), expected, headers)
                conn.close()
            # ffmpeg verifies the chain too: the playlist and every segment come over TLS.
            probe = subprocess.run(["ffprobe", "-v", "error", "-tls_verify", "1", "-ca_file", self.cert,
                                    "-show_entries", "stream=codec_type,width,height", "-of", "json", url],
                                   capture_output=True, timeout=60)
            self.assertEqual(probe.returncode, 0, probe.stderr.decode())
            streams = json.loads(probe.stdout)["streams"]
            self.assertIn("video", [s["codec_type"] for s in streams])
            self.assertIn(640, [s.get("width") for s in streams])
        finally:
            _, err = publish.communicate(timeout=60)
        self.assertEqual(publish.returncode, 0, err.decode())
        self.assertIn("publish started channel=tls", self.server.read_log())

    def test_the_api_names_both_ingest_urls(self):
        body = json.loads(urllib.request.urlopen(self.server.url("/api/v1/version"), timeout=10).read())
        self.assertEqual(body["rtmp_url"], f"rtmp://<this-server>:{self.server.rtmp_port}/live")
        self.assertEqual(body["rtmps_url"], f"rtmps://<this-server>:{self.server.rtmps_port}/live")

    def test_garbage_on_the_tls_ports_is_dropped_and_logged(self):
        for port in (self.server.https_port, self.server.rtmps_port):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                # Fixed bytes: random ones can look like the header of a long TLS or
                # SSLv2 record (0x16 0x03 …, or high bit set and then 0x01), and
                # OpenSSL rightly waits for the rest of it until the handshake timeout.
                raw.sendall(b"\x01\x02not tls at all" + random.Random(7).randbytes(512))
                raw.settimeout(10)
                try:
                    while raw.recv(4096):
                        pass
                except ConnectionResetError:
                    pass  # closed: what matters is that it was not kept open
        log = self.server.wait_for_log("rtmp tls handshake failed")
        self.assertRegex(log, r"rtmp tls handshake failed remote=127\.0\.0\.1:\d+")
        conn = self.https()
        conn.request("GET", "/api/v1/health")
        self.assertEqual(conn.getresponse().status, 200)

    def test_sighup_reloads_the_certificate_and_keeps_it_on_a_bad_file(self):
        self.assertEqual(peer_certificate(self.server.https_port), der_of(self.cert))
        # A connection opened before the renewal keeps working across it.
        kept = self.https()
        kept.request("GET", "/api/v1/health")
        kept.getresponse().read()

        second_cert, second_key = make_certificate(self.tmp.name, "second")
        self.install(second_cert, second_key)
        self.server.proc.send_signal(signal.SIGHUP)
        self.server.wait_for_log("tls certificate reloaded")
        for port in (self.server.https_port, self.server.rtmps_port):
            self.assertEqual(peer_certificate(port), der_of(second_cert))
        kept.request("GET", "/api/v1/health")
        self.assertEqual(kept.getresponse().status, 200)
        kept.close()

        # A half-written renewal (key of another certificate) is refused whole.
        third_cert, third_key = make_certificate(self.tmp.name, "third")
        self.install(third_cert, second_key)
        self.server.proc.send_signal(signal.SIGHUP)
        log = self.server.wait_for_log("tls reload failed")
        self.assertRegex(log, r"reload failed, keeping the previous certificate: tls\.private_key .*server\.key")
        self.assertEqual(peer_certificate(self.server.https_port), der_of(second_cert))
        self.assertIsNone(self.server.proc.poll())


class TlsConfigErrors(unittest.TestCase):
    def run_server(self, tmp, config):
        path = os.path.join(tmp, "tidecast.json")
        config = {"data_dir": os.path.join(tmp, "data"), "http": {"listen": "127.0.0.1:0"},
                  "rtmp": {"listen": "127.0.0.1:0"}, **config}
        with open(path, "w") as f:
            json.dump(config, f)
        return subprocess.run([BIN, "--config", path], capture_output=True, timeout=30)

    def test_bad_tls_settings_stop_the_start_with_the_reason(self):
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = make_certificate(tmp, "only")
            other_cert, other_key = make_certificate(tmp, "other")
            with open(os.path.join(tmp, "garbage.pem"), "w") as f:
                f.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
            cases = [
                ({"http": {"listen": "127.0.0.1:0", "https_listen": "127.0.0.1:0"}},
                 r"http\.https_listen: needs tls\.certificate and tls\.private_key"),
                ({"rtmp": {"listen": "127.0.0.1:0", "rtmps_listen": "127.0.0.1:0"},
                  "tls": {"certificate": os.path.join(tmp, "missing.crt"), "private_key": key}},
                 r"tls\.certificate .*missing\.crt"),
                ({"http": {"listen": "127.0.0.1:0", "https_listen": "127.0.0.1:0"},
                  "tls": {"certificate": os.path.join(tmp, "garbage.pem"), "private_key": key}},
                 r"tls\.certificate .*garbage\.pem"),
                ({"http": {"listen": "127.0.0.1:0", "https_listen": "127.0.0.1:0"},
                  "tls": {"certificate": cert, "private_key": other_key}},
                 r"tls\.private_key .*other\.key"),
            ]
            for config, message in cases:
                done = self.run_server(tmp, config)
                self.assertNotEqual(done.returncode, 0, config)
                self.assertRegex(done.stderr.decode() + done.stdout.decode(), message)
            del other_cert


if __name__ == "__main__":
    unittest.main(verbosity=2)
