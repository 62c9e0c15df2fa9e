"""Low-latency HLS through a node that does not own the channel, and through
the nginx edge (packaging/examples/nginx-edge.conf) in front of that node.

Two nodes, one PostgreSQL, no HAProxy: the publish goes to n1 (the owner);
viewers ask n2, which holds nothing itself: it passes the blocking request
(_HLS_msn/_HLS_part, canonical) to the owner, which holds it until the part
exists, and relays the answer. Before that, n2 dropped the query and
answered at once with a playlist without the part the player asked for.

Low-latency DASH the same way: the segment in progress, which the owner
sends part by part (chunked), goes on from n2 (and through nginx) chunk by
chunk as it comes, not once complete.
"""
import os
import signal
import socket
import sys
import threading
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from support.cluster import Cluster, NginxEdge  # noqa: E402
from support.low_latency import playlist_edge  # noqa: E402
from support.tidecast import poll, publish  # noqa: E402

PLAYLIST = "/live/ll/v0/media.m3u8"
MPD_NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}
SEGMENT_SECONDS = 2.0  # the default; parts of 0.4 s


def newest_video_segment(mpd_text):
    """The $Time$ URL (under /live/<channel>/) of the last segment of the MPD's
    video timeline: on a low-latency channel, the segment in progress."""
    root = ET.fromstring(mpd_text)
    for adaptation in root.findall("d:Period", MPD_NS)[-1].findall("d:AdaptationSet", MPD_NS):
        if adaptation.get("contentType") != "video":
            continue
        template = adaptation.find("d:SegmentTemplate", MPD_NS)
        start = last = 0
        for s in template.find("d:SegmentTimeline", MPD_NS).findall("d:S", MPD_NS):
            if s.get("t") is not None:
                start = int(s.get("t"))
            for _ in range(int(s.get("r", "0")) + 1):
                last, start = start, start + int(s.get("d"))
        return template.get("media").replace("$RepresentationID$", "v0").replace("$Time$", str(last))
    raise AssertionError(mpd_text)


def whole_parts(data):
    """How many whole parts (moof+mdat: counted by their mdat) `data` starts with."""
    at = parts = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        if size < 8 or at + size > len(data):
            break
        parts += data[at + 4:at + 8] == b"mdat"
        at += size
    return parts


def note_parts(out, body, started):
    """Records in out["parts"] when each part came whole (seconds after `started`)."""
    parts = out.setdefault("parts", [])
    while len(parts) < whole_parts(body):
        parts.append(time.time() - started)
    if parts and "first" not in out:
        out["first"] = parts[0]


def stream_segment(port, path, started, out):
    """GETs `path` from 127.0.0.1:`port` over a raw socket; fills `out` with
    the head, the seconds after `started` when the first whole part and the
    end came, and the body (chunked transfer decoded, or a Content-Length)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            data = sock.recv(65536)
            if not data:
                raise AssertionError(f"{port}: closed before the head")
            buffer += data
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        out["head"] = head.decode()
        body = b""
        length = [line.split(":", 1)[1] for line in out["head"].lower().splitlines()
                  if line.startswith("content-length:")]
        while length:  # answered whole (a segment already complete)
            body += buffer
            buffer = b""
            note_parts(out, body, started)
            if len(body) >= int(length[0]):
                out["end"] = time.time() - started
                break
            data = sock.recv(65536)
            if not data:
                raise AssertionError(f"{port}: connection closed before the end")
            buffer = data
        while not length:
            if b"\r\n" in buffer:
                size = int(buffer.split(b"\r\n", 1)[0].split(b";")[0], 16)
                start = buffer.index(b"\r\n") + 2
                if len(buffer) >= start + size + 2:
                    if size == 0:
                        out["end"] = time.time() - started
                        break
                    body += buffer[start:start + size]
                    buffer = buffer[start + size + 2:]
                    note_parts(out, body, started)
                    continue
            data = sock.recv(65536)
            if not data:
                out["cut"] = time.time() - started
                raise AssertionError(f"{port}: connection closed before the last chunk")
            buffer += data
        out["body"] = body
    except Exception as e:  # reported by the test thread
        out["error"] = repr(e)
    finally:
        sock.close()


edge = playlist_edge


class ClusterLowLatency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(nodes=2, haproxy=False,
                              config={"live": {"latency_mode": "low", "part_seconds": 0.4}})
        n1, n2 = cls.cluster.nodes
        key = cls.cluster.create_channel("ll")
        cls.publisher = publish(n1.rtmp_url(key), seconds=60, size="640x360", gop_seconds=1)
        n1.wait_for(PLAYLIST, timeout=30)
        n2.wait_for(PLAYLIST, timeout=30)  # n2 knows the owner
        cls.nginx = NginxEdge(cls.cluster.tmp, n2.http_port)
        time.sleep(3)

    @classmethod
    def tearDownClass(cls):
        if cls.publisher.poll() is None:
            cls.publisher.kill()
        cls.nginx.close()
        cls.cluster.close()

    def blocking_reload(self, via):
        status, _, body = via.get(PLAYLIST)
        self.assertEqual(status, 200)
        msn, part, _ = edge(body.decode())
        started = time.time()
        status, headers, body = via.get(f"{PLAYLIST}?_HLS_msn={msn}&_HLS_part={part + 1}")
        waited = time.time() - started
        self.assertEqual(status, 200, body)
        # The answer has the part asked for: it was held until the part existed
        # (about one part, 0.4 s), well inside hls.js's low-latency timeout.
        self.assertGreaterEqual(edge(body.decode())[:2], (msn, part + 1), body)
        self.assertLess(waited, 3.0)
        return {k.lower(): v for k, v in headers.items()}

    def test_1_blocking_reload_through_a_node_that_does_not_own_the_channel(self):
        n2 = self.cluster.nodes[1]
        for _ in range(4):
            headers = self.blocking_reload(n2)
            self.assertEqual(headers.get("x-served-by"), "n2")
        # Garbage is refused by n2 itself, never fetched.
        status, _, body = n2.get(PLAYLIST + "?_HLS_msn=abc")
        self.assertEqual(status, 400)
        self.assertIn(b"bad_blocking_request", body)
        # What the owner refuses (too far ahead) is passed on as its 400.
        status, _, body = n2.get(PLAYLIST + "?_HLS_msn=999999")
        self.assertEqual(status, 400, body)

    def test_2_a_preload_hinted_part_through_the_other_node(self):
        n1, n2 = self.cluster.nodes
        _, _, body = n2.get(PLAYLIST)
        _, _, hint = edge(body.decode())
        started = time.time()
        status, _, part = n2.get("/live/ll/v0/" + hint)
        self.assertEqual(status, 200)
        self.assertLess(time.time() - started, 3.0)
        self.assertIn(b"moof", part[:64])
        self.assertEqual(part, n1.get("/live/ll/v0/" + hint)[2])  # the owner's bytes

    def test_3_blocking_reload_and_parts_through_the_nginx_edge(self):
        for _ in range(3):
            self.blocking_reload(self.nginx)
        _, _, body = self.nginx.get(PLAYLIST)
        msn, part, hint = edge(body.decode())
        status, _, first = self.nginx.get("/live/ll/v0/" + hint)
        self.assertEqual(status, 200)
        # The part is immutable: the edge answers it again from its cache.
        status, headers, again = self.nginx.get("/live/ll/v0/" + hint)
        self.assertEqual((status, again), (200, first))
        self.assertEqual(headers.get("x-cache-status"), "HIT")

    def test_3b_the_nginx_edge_never_answers_an_old_playlist_or_keeps_a_low_latency_mpd(self):
        # After a quiet spell the next viewer gets a fresh playlist, not an
        # old copy while it is refreshed.
        _, _, body = self.nginx.get(PLAYLIST)
        before = edge(body.decode())[:2]
        time.sleep(2.5)
        status, headers, body = self.nginx.get(PLAYLIST)
        self.assertEqual(status, 200)
        self.assertNotIn(headers.get("x-cache-status"), ("STALE", "UPDATING"))
        self.assertGreater(edge(body.decode())[0], before[0], (before, edge(body.decode())))
        # The low-latency MPD and the plain media playlist (a player's first
        # load) change every part: nobody keeps them.
        for path in ("/live/ll/manifest.mpd", PLAYLIST, PLAYLIST):
            status, headers, _ = self.nginx.get(path)
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("cache-control"), "no-cache", path)
            self.assertNotEqual(headers.get("x-cache-status"), "HIT", path)

    def test_3c_viewers_of_a_preload_hinted_part_through_nginx_do_not_wait_for_a_cache_lock(self):
        # With the lock, the second viewer would wait (woken every 0.5 s) and
        # then read the first one's copy (HIT); without, both go to the node,
        # which makes one fetch for them.
        _, _, body = self.nginx.get(PLAYLIST)
        hint = edge(body.decode())[2]
        answers = [None, None]

        def get(i):
            answers[i] = self.nginx.get("/live/ll/v0/" + hint)
        threads = [threading.Thread(target=get, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        for status, headers, part in answers:
            self.assertEqual(status, 200)
            self.assertIn(b"moof", part[:64])
            self.assertEqual(headers.get("x-cache-status"), "MISS")

    def test_4_ll_dash_segment_in_progress_part_by_part_through_the_other_node_and_nginx(self):
        n1, n2 = self.cluster.nodes
        # Wait for a segment that has just begun on the owner (the MPD lists it
        # from its first part on), so most of it is still to come.
        fetches = n2.metric("tidecast_cluster_pull_requests_total", '{result="fetch"}')
        read = lambda: newest_video_segment(n1.get("/live/ll/manifest.mpd")[2].decode())  # noqa: E731
        first = read()
        current = poll(read, lambda uri: uri != first, timeout=5, interval=0.02)
        started = time.time()
        self.assertNotEqual(current, first)
        path = f"/live/ll/{current}"
        # Two viewers through nginx: neither waits for the other's (uncacheable) fetch.
        where = {"owner": n1.http_port, "n2": n2.http_port, "nginx": self.nginx.port, "nginx 2": self.nginx.port}
        runs = {name: {} for name in where}
        threads = [threading.Thread(target=stream_segment, args=(port, path, started, runs[name]))
                   for name, port in where.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        timings = {name: (round(run.get("first", -1), 3), round(run.get("end", -1), 3)) for name, run in runs.items()}
        print(f"ll-dash first part / end of segment, s after it appeared: {timings}", file=sys.stderr)
        for name, run in runs.items():
            self.assertNotIn("error", run, (name, run.get("error"), timings))
        _, _, whole = n1.get(path)  # complete now
        self.assertIn(b"moof", whole[:200])
        # Each later part reaches a viewer here as it reaches the owner's own
        # viewer (the relay forwards every chunk as it comes).
        lags = {name: round(max(b - a for a, b in zip(runs["owner"]["parts"], run["parts"])), 3)
                for name, run in runs.items() if name != "owner"}
        print(f"ll-dash parts: {len(runs['owner']['parts'])}, worst lag behind the owner's viewer (s) {lags}",
              file=sys.stderr)
        for name, run in runs.items():
            # The concatenated chunks are the owner's complete segment, byte for byte.
            self.assertEqual(run["body"], whole, name)
            self.assertEqual(len(run["parts"]), len(runs["owner"]["parts"]), name)
            if name != "owner":
                self.assertLess(lags[name], SEGMENT_SECONDS / 4, (name, lags))
            # The first part came within about a part time (0.4 s) of it
            # existing on the owner, well before the segment was complete (the
            # bound is generous for a shared machine: half a segment).
            self.assertLess(run["first"], SEGMENT_SECONDS / 2, (name, timings))
            self.assertGreater(run["end"] - run["first"], SEGMENT_SECONDS / 4, (name, timings))
        for name, run in runs.items():
            self.assertIn("transfer-encoding: chunked", run["head"].lower(), name)
        self.assertIn("x-served-by: n2", runs["n2"]["head"].lower())
        # Three viewers of n2 (one direct, two through nginx), one fetch from the owner.
        self.assertEqual(n2.metric("tidecast_cluster_pull_requests_total", '{result="fetch"}') - fetches, 1)
        # The complete segment is now answered from n2's memory and nginx's cache.
        status, headers, again = n2.get(path)
        self.assertEqual((status, again), (200, whole))
        status, headers, again = self.nginx.get(path)
        self.assertEqual((status, again), (200, whole))

    def test_5_owner_killed_mid_segment_cuts_the_relayed_segment(self):
        # Last: it kills the owner.
        n1, n2 = self.cluster.nodes
        read = lambda: newest_video_segment(n1.get("/live/ll/manifest.mpd")[2].decode())  # noqa: E731
        first = read()
        current = poll(read, lambda uri: uri != first, timeout=5, interval=0.02)
        started = time.time()
        path = f"/live/ll/{current}"
        where = {"n2": n2.http_port, "nginx": self.nginx.port}
        runs = {name: {} for name in where}
        threads = [threading.Thread(target=stream_segment, args=(port, path, started, runs[name]))
                   for name, port in where.items()]
        for thread in threads:
            thread.start()
        poll(lambda: runs, lambda r: all("first" in run or "error" in run for run in r.values()), 5, interval=0.01)
        n1.stop(sig=signal.SIGKILL)
        killed = time.time() - started
        for thread in threads:
            thread.join(20)
        cuts = {name: round(run.get("cut", -1) - killed, 3) for name, run in runs.items()}
        print(f"owner killed mid-segment: viewers cut after (s) {cuts}", file=sys.stderr)
        for name, run in runs.items():
            # The parts so far, then the connection closes without the final
            # chunk: never a short segment that looks whole, and no hang.
            self.assertIn("first", run, (name, run))
            self.assertIn("closed before the last chunk", run.get("error", ""), (name, run))
            self.assertLess(run["cut"] - killed, 5.0, (name, run["cut"], killed))
        n2.wait_for_log("segment relay failed")
        # n2 goes on answering: the segment is not there to have (503, the
        # owner is gone; never the cut one as if whole).
        status, _, body = n2.get(path)
        self.assertIn(status, (404, 503), body)
        print(f"then n2 answers {status}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
