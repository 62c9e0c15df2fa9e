"""On-demand files are served from disk, never whole into memory.

A ready video's download.mp4 is replaced by a 2 GiB file; 100 clients read it
at once in Range requests (90 over HTTP, 10 over HTTPS), each one slice, and
every slice's SHA-256 must match while the server's RSS grows by less than
100 MB. Before, every /vod request read and hashed the whole file, so this
would have needed 2 GiB per request. Conditional requests are answered from
the file's metadata: the ETag is stable and If-None-Match gives 304.
"""
import hashlib
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tls import connect, tls_server_with_video

MIB = 1 << 20
FILE_MIB = 2048
READERS = 100
TLS_READERS = 10


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def slices():
    """(first, last) byte offsets of each reader's slice, whole MiBs."""
    per = FILE_MIB // READERS
    bounds = [i * per for i in range(READERS)] + [FILE_MIB]
    return [(bounds[i] * MIB, bounds[i + 1] * MIB - 1) for i in range(READERS)]


class VodFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.server, cls.video_id = tls_server_with_video(cls.tmp.name, "big download")
        # The 2 GiB file: one random MiB, each copy stamped with its index (so
        # a slice from the wrong place cannot match), renamed into place.
        block = os.urandom(MIB)
        path = os.path.join(cls.server.data_dir, "videos", cls.video_id, "download.mp4")
        hashers = [hashlib.sha256() for _ in range(READERS)]
        owner = {}
        for i, (first, last) in enumerate(slices()):
            for m in range(first // MIB, (last + 1) // MIB):
                owner[m] = i
        with open(path + ".new", "wb") as f:
            for m in range(FILE_MIB):
                chunk = m.to_bytes(8, "big") + block[8:]
                hashers[owner[m]].update(chunk)
                f.write(chunk)
        os.replace(path + ".new", path)
        cls.expected = [h.hexdigest() for h in hashers]
        cls.target = f"/vod/{cls.video_id}/download.mp4"

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def connect(self, tls):
        return connect(self.server, tls, timeout=120)

    def test_1_100_range_readers_get_every_byte_with_bounded_memory(self):
        pid = self.server.proc.pid
        baseline = rss_bytes(pid)
        peak = [baseline]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_bytes(pid))
                time.sleep(0.02)

        results = [None] * READERS

        def read(i, first, last):
            try:
                conn = self.connect(tls=i < TLS_READERS)
                conn.request("GET", self.target, headers={"Range": f"bytes={first}-{last}"})
                response = conn.getresponse()
                digest, size = hashlib.sha256(), 0
                while True:
                    chunk = response.read(MIB)
                    if not chunk:
                        break
                    digest.update(chunk)
                    size += len(chunk)
                results[i] = (response.status, response.getheader("Content-Range"), size, digest.hexdigest())
                conn.close()
            except Exception as e:  # reported below with the reader's index
                results[i] = ("error", repr(e), 0, "")

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.time()
        readers = [threading.Thread(target=read, args=(i, first, last)) for i, (first, last) in enumerate(slices())]
        for t in readers:
            t.start()
        for t in readers:
            t.join(600)
        done.set()
        sampler.join()
        elapsed = time.time() - started
        for i, (first, last) in enumerate(slices()):
            self.assertEqual(results[i][:3], (206, f"bytes {first}-{last}/{FILE_MIB * MIB}", last - first + 1),
                             f"reader {i}")
            self.assertEqual(results[i][3], self.expected[i], f"reader {i}: wrong bytes")
        growth = peak[0] - baseline
        print(f"100 readers, 2 GiB in {elapsed:.1f} s; server RSS {baseline / MIB:.0f} MiB -> peak "
              f"{peak[0] / MIB:.0f} MiB (+{growth / MIB:.1f} MiB)", file=sys.stderr)
        self.assertLess(growth, 100 * MIB)

    def test_2_a_viewer_leaving_mid_file_costs_nothing_else(self):
        # The server sends with sendfile(): a peer that is gone must be an
        # error for that connection only (SIGPIPE used to kill the process).
        for _ in range(5):
            conn = self.connect(tls=False)
            conn.request("GET", self.target)
            response = conn.getresponse()
            response.read(MIB)
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        time.sleep(1)
        self.assertIsNone(self.server.proc.poll(), self.server.read_log()[-2000:])
        conn = self.connect(tls=False)
        conn.request("HEAD", self.target)
        self.assertEqual(conn.getresponse().status, 200)

    def test_3_conditional_requests_come_from_the_file_metadata(self):
        conn = self.connect(tls=False)
        conn.request("HEAD", self.target)
        head = conn.getresponse()
        head.read()
        self.assertEqual(head.status, 200)
        self.assertEqual(int(head.getheader("Content-Length")), FILE_MIB * MIB)
        etag = head.getheader("ETag")
        conn.request("GET", self.target, headers={"Range": "bytes=0-15"})
        first = conn.getresponse()
        self.assertEqual(first.read()[:8], (0).to_bytes(8, "big"))
        self.assertEqual(first.getheader("ETag"), etag)
        conn.request("GET", self.target, headers={"If-None-Match": etag})
        cached = conn.getresponse()
        cached.read()
        self.assertEqual(cached.status, 304)
        conn.request("GET", self.target, headers={"Range": f"bytes={FILE_MIB * MIB}-"})
        past = conn.getresponse()
        past.read()
        self.assertEqual(past.status, 416)
        # The same ETag after a restart: nothing about it is per process.
        self.server.stop()
        self.server.start()
        again = self.connect(tls=False)
        again.request("HEAD", self.target)
        self.assertEqual(again.getresponse().getheader("ETag"), etag)


if __name__ == "__main__":
    unittest.main(verbosity=2)
