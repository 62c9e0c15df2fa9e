"""Small on-demand files (playlists, init segments) answer at once on a
keep-alive connection, over HTTP and HTTPS. A file response goes out as the
head, then the body; with Nagle's algorithm on, the body waited for the
client's delayed ACK of the head: 40+ ms per playlist instead of well under
one (issue 14: "cheap playlists"). The ceiling below is 20x the good case on a
loaded machine and half the bad one."""
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tls import connect, tls_server_with_video

REQUESTS = 40
CEILING_MS = 20


class VodSmallFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.server, cls.video_id = tls_server_with_video(cls.tmp.name, "small files")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def connect(self, tls):
        return connect(self.server, tls, timeout=30)

    def test_keep_alive_requests_for_small_files_do_not_wait(self):
        for tls in (False, True):
            for name in ("master.m3u8", "manifest.mpd"):
                with self.subTest(tls=tls, file=name):
                    conn = self.connect(tls)
                    path = f"/vod/{self.video_id}/{name}"
                    conn.request("GET", path)
                    first = conn.getresponse()
                    size = len(first.read())
                    self.assertEqual(first.status, 200)
                    self.assertLess(size, 4096)
                    started = time.monotonic()
                    for _ in range(REQUESTS):
                        conn.request("GET", path)
                        response = conn.getresponse()
                        self.assertEqual(len(response.read()), size)
                    per_request_ms = (time.monotonic() - started) / REQUESTS * 1000
                    print(f"{'https' if tls else 'http'} {name}: {per_request_ms:.2f} ms per request",
                          file=sys.stderr)
                    self.assertLess(per_request_ms, CEILING_MS)
                    conn.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
