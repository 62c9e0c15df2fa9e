"""The web UI's text assets are sent precompressed when the client accepts it:
br before gzip, identity without Accept-Encoding or when both are refused.
Every encoded body decodes (by curl and by Python) to exactly the bytes sent
without encoding; each encoding has its own ETag; Range and HEAD apply to the
encoded bytes; every answer of such an asset says `Vary: Accept-Encoding`."""
import gzip
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, _request

ASSETS = ("/assets/engine-hls.js", "/assets/style.css", "/index.html", "/favicon.svg")


class WebAssets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.tmp = tempfile.TemporaryDirectory(prefix="tidecast-assets-")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def get(self, path, accept_encoding=None, method="GET", **headers):
        if accept_encoding is not None:
            headers["Accept-Encoding"] = accept_encoding
        return _request(self.server, method, path, headers)

    def curl_decoded(self, path, accept_encoding):
        """curl's own decoder: (content-encoding, encoded bytes on the wire, decoded body)."""
        out = os.path.join(self.tmp.name, "body")
        result = subprocess.run(
            ["curl", "-sS", "--compressed", "-H", f"Accept-Encoding: {accept_encoding}", "-o", out, "-w",
             "%{content_type}|%{size_download}|%header{content-encoding}", self.server.url(path)],
            check=True, capture_output=True, text=True, timeout=30)
        _, size, encoding = result.stdout.split("|")
        with open(out, "rb") as f:
            return encoding, int(size), f.read()

    def test_encodings_decode_to_the_identity_bytes(self):
        for path in ASSETS:
            with self.subTest(path=path):
                status, plain_headers, plain = self.get(path)
                self.assertEqual(status, 200)
                self.assertNotIn("content-encoding", plain_headers)
                self.assertEqual(plain_headers.get("vary"), "Accept-Encoding")

                status, headers, gz = self.get(path, "gzip")
                self.assertEqual(status, 200)
                self.assertEqual(headers.get("content-encoding"), "gzip")
                self.assertEqual(headers.get("vary"), "Accept-Encoding")
                self.assertEqual(headers["content-type"], plain_headers["content-type"])
                self.assertLess(len(gz), len(plain))
                self.assertEqual(gzip.decompress(gz), plain)
                gz_etag = headers["etag"]
                self.assertNotEqual(gz_etag, plain_headers["etag"])

                status, headers, br = self.get(path, "gzip, deflate, br")
                self.assertEqual(status, 200)
                self.assertEqual(headers.get("content-encoding"), "br")
                self.assertEqual(headers.get("vary"), "Accept-Encoding")
                self.assertLess(len(br), len(gz))
                self.assertNotIn(headers["etag"], (plain_headers["etag"], gz_etag))

                for accept in ("br", "gzip"):
                    encoding, wire, decoded = self.curl_decoded(path, accept)
                    self.assertEqual(encoding, accept)
                    self.assertEqual(wire, len(br if accept == "br" else gz))
                    self.assertEqual(decoded, plain)

    def test_player_bundle_is_sent_small(self):
        _, _, plain = self.get("/assets/engine-hls.js")
        _, _, br = self.get("/assets/engine-hls.js", "br")
        print(f"engine-hls.js: {len(plain)} bytes plain, {len(br)} br", file=sys.stderr)
        self.assertLess(len(br), len(plain) // 3)

    def test_refused_or_unknown_codings_get_identity(self):
        _, _, plain = self.get("/assets/style.css")
        for accept in ("", "identity", "br;q=0, gzip;q=0", "*;q=0", "zstd, deflate"):
            with self.subTest(accept=accept):
                status, headers, body = self.get("/assets/style.css", accept)
                self.assertEqual(status, 200)
                self.assertNotIn("content-encoding", headers)
                self.assertEqual(body, plain)
        status, headers, body = self.get("/assets/style.css", "br;q=0, gzip")
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(body), plain)

    def test_etag_range_and_head_per_encoding(self):
        path = "/assets/engine-hls.js"
        _, headers, br = self.get(path, "br")
        etag = headers["etag"]
        status, headers, body = self.get(path, "br", **{"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(headers.get("vary"), "Accept-Encoding")
        self.assertEqual(body, b"")
        status, _, _ = self.get(path, "gzip", **{"If-None-Match": etag})
        self.assertEqual(status, 200)  # the br validator does not name the gzip bytes

        # Ranges cut the encoded bytes: reassembled, they are the br body.
        pieces = []
        step = len(br) // 3 + 1
        for first in range(0, len(br), step):
            status, headers, piece = self.get(path, "br", Range=f"bytes={first}-{first + step - 1}")
            self.assertEqual(status, 206)
            self.assertEqual(headers.get("content-encoding"), "br")
            self.assertEqual(headers["content-range"],
                             f"bytes {first}-{min(first + step, len(br)) - 1}/{len(br)}")
            pieces.append(piece)
        self.assertEqual(b"".join(pieces), br)

        status, headers, body = self.get(path, "br", method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "br")
        self.assertEqual(int(headers["content-length"]), len(br))
        self.assertEqual(body, b"")

    def test_client_routes_and_plain_files(self):
        _, _, index = self.get("/index.html")
        status, headers, body = self.get("/watch", "gzip")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(body), index)
        # The variants are no URLs of their own; a non-text asset is never encoded.
        self.assertEqual(self.get("/assets/engine-hls.js.br")[0], 404)
        self.assertEqual(self.get("/assets/engine-hls.js.gz")[0], 404)
        status, headers, _ = self.get("/assets/licenses.txt", "gzip, br")
        self.assertEqual(status, 200)
        self.assertNotIn("content-encoding", headers)
        self.assertNotIn("vary", headers)


if __name__ == "__main__":
    unittest.main(verbosity=2)
