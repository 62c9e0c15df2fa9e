"""Low latency (live.latency_mode low): LL-HLS parts, blocking playlist reload,
preload-hinted parts, the spec's answers to bad requests, hls.js in
low-latency mode playing it, and low-latency DASH (the segment in progress
sent part by part with chunked transfer). One server, one publish with 1-s
GOPs."""
import os
import re
import sys
import socket
import subprocess
import threading
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import Browser, create_user
from support.browser import play
from support.low_latency import playlist_edge
from support.tidecast import BIN, Server, decode_errors, poll, probe_segment, publish

PARTS = re.compile(r'#EXT-X-PART:DURATION=([\d.]+),URI="([^"]+)"(,INDEPENDENT=YES)?')


edge = playlist_edge


MPD_NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}


def newest_video_segment(mpd_text):
    """The $Time$ URL (under /live/<channel>/) of the last segment of the
    video timeline: on a low-latency channel, the segment in progress."""
    root = ET.fromstring(mpd_text)
    period = root.findall("d:Period", MPD_NS)[-1]
    for adaptation in period.findall("d:AdaptationSet", MPD_NS):
        if adaptation.get("contentType") != "video":
            continue
        template = adaptation.find("d:SegmentTemplate", MPD_NS)
        start = 0
        for s in template.find("d:SegmentTimeline", MPD_NS).findall("d:S", MPD_NS):
            if s.get("t") is not None:
                start = int(s.get("t"))
            for _ in range(int(s.get("r", "0")) + 1):
                last, start = start, start + int(s.get("d"))
        media = template.get("media").replace("$RepresentationID$", "v0").replace("$Time$", str(last))
        return media, template.get("initialization").replace("$RepresentationID$", "v0")
    raise AssertionError(mpd_text)


def read_chunked(sock, deadline):
    """(head, [(arrival time, chunk bytes)]) of a chunked HTTP/1.1 response."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, buffer = buffer.split(b"\r\n\r\n", 1)
    chunks = []
    while time.time() < deadline:
        if b"\r\n" in buffer:
            size = int(buffer.split(b"\r\n", 1)[0], 16)
            start = buffer.index(b"\r\n") + 2
            if len(buffer) >= start + size + 2:
                if size == 0:
                    return head.decode(), chunks
                chunks.append((time.time(), buffer[start:start + size]))
                buffer = buffer[start + size + 2:]
                continue
        data = sock.recv(65536)
        if not data:
            raise AssertionError(f"connection closed after {len(chunks)} chunks")
        buffer += data
    raise AssertionError("no end of the chunked response in time")


def boxes(data):
    """The top-level box types of `data`; it must hold whole boxes only."""
    types, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        assert size >= 8 and at + size <= len(data), (at, size, len(data))
        types.append(data[at + 4:at + 8].decode())
        at += size
    return types


class LowLatency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Debug logging: the request lines show what hls.js asked for. The
        # server is normal latency; the channel "ll" is set to low by its
        # owner (an admin here) before it publishes.
        cls.server = Server({"live": {"latency_mode": "normal", "part_seconds": 0.4}, "log_level": "debug"})
        key = cls.server.create_channel("ll")
        password, _ = create_user(cls.server, "root", None, role="admin")
        cls.admin = Browser(cls.server)
        assert cls.admin.login("root", password)[0] == 200
        status, _, body = cls.admin.call("PATCH", "/api/v1/channels/ll", {"latency_mode": "low"})
        assert status == 200 and body["channel"]["latency_mode"] == "low", (status, body)
        cls.publisher = publish(cls.server.rtmp_url(key), seconds=110, size="640x360", gop_seconds=1)
        cls.server.wait_for("/live/ll/master.m3u8")
        time.sleep(5)  # a few segments in the window

    @classmethod
    def tearDownClass(cls):
        if cls.publisher.poll() is None:
            cls.publisher.kill()
        cls.server.close()

    def playlist(self, query=""):
        status, headers, body = self.server.get("/live/ll/v0/media.m3u8" + query)
        return status, body.decode()

    def test_1_ll_hls_playlist_and_parts_make_the_segments(self):
        status, text = self.playlist()
        self.assertEqual(status, 200)
        self.assertIn("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.200", text)
        self.assertIn("#EXT-X-PART-INF:PART-TARGET=0.400", text)
        self.assertIn('#EXT-X-RENDITION-REPORT:URI="../a0/media.m3u8"', text)
        parts = PARTS.findall(text)
        self.assertGreater(len(parts), 5, text)
        for duration, _, _ in parts:
            self.assertLessEqual(float(duration), 0.4 + 1e-6)
        # A listed segment whose parts are listed: the segment is its parts, byte for byte.
        lines = text.splitlines()
        init_uri = next(l.split('"')[1] for l in lines if l.startswith("#EXT-X-MAP"))
        init = self.server.get("/live/ll/v0/" + init_uri)[2]
        for i, line in enumerate(lines):
            if line.startswith("#EXTINF") and lines[i - 1].startswith("#EXT-X-PART:"):
                segment_uri = lines[i + 1]
                break
        else:
            self.fail(text)
        prefix = segment_uri[:-4] + "."
        part_uris = [uri for _, uri, _ in parts if uri.startswith(prefix)]
        joined = b"".join(self.server.get("/live/ll/v0/" + uri)[2] for uri in part_uris)
        status, _, segment = self.server.get("/live/ll/v0/" + segment_uri)
        self.assertEqual(status, 200)
        self.assertEqual(segment, joined)
        packets = probe_segment(init, segment)["packets"]
        self.assertTrue(packets[0]["flags"].startswith("K"))
        # A byte range across parts.
        status, _, middle = self.server.get("/live/ll/v0/" + segment_uri, {"Range": "bytes=100-9999"})
        self.assertEqual(status, 206)
        self.assertEqual(middle, segment[100:10000])
        # ffmpeg reads the LL stream (master, both tracks) without a decode error, and
        # the DASH view of the same segments (held as their parts).
        self.assertEqual(decode_errors(self.server.url("/live/ll/master.m3u8"), seconds=4), [])
        self.assertEqual(decode_errors(self.server.url("/live/ll/manifest.mpd"), seconds=4), [])

    def test_2_blocking_reload_answers_once_the_part_exists(self):
        for _ in range(5):
            _, text = self.playlist()
            msn, part, hint = edge(text)
            started = time.time()
            status, answer = self.playlist(f"?_HLS_msn={msn}&_HLS_part={part + 1}")
            waited = time.time() - started
            self.assertEqual(status, 200)
            # Held until the next part (0.4 s of media) exists; generous for a shared CPU.
            self.assertLess(waited, 2.5)
            newer_msn, newer_part, _ = edge(answer)
            self.assertGreaterEqual((newer_msn, newer_part), (msn, part + 1), answer)
            # The whole next segment.
            status, answer = self.playlist(f"?_HLS_msn={msn + 1}")
            self.assertEqual(status, 200)
            self.assertIn(f"#EXT-X-MEDIA-SEQUENCE:", answer)

    def test_3_a_preload_hinted_part_asked_for_early_is_sent_once_complete(self):
        _, text = self.playlist()
        _, _, hint = edge(text)
        self.assertNotIn(f'URI="{hint}"', text.split("#EXT-X-PRELOAD-HINT")[0])
        started = time.time()
        status, headers, body = self.server.get("/live/ll/v0/" + hint)
        self.assertEqual(status, 200)
        self.assertLess(time.time() - started, 2.5)
        self.assertGreater(len(body), 100)
        self.assertIn(b"moof", body[:64])

    def test_4_bad_blocking_requests_get_the_spec_answers(self):
        _, text = self.playlist()
        msn, part, _ = edge(text)
        for query in ("?_HLS_part=1", "?_HLS_msn=abc", "?_HLS_msn=-1", "?_HLS_msn=1&_HLS_part=x",
                      f"?_HLS_msn={msn + 50}", f"?_HLS_msn={msn}&_HLS_part={part + 9}",
                      "?_HLS_msn=99999999999"):
            with self.subTest(query=query):
                started = time.time()
                status, body = self.playlist(query)
                self.assertEqual(status, 400, body)
                self.assertIn("bad_blocking_request", body)
                self.assertLess(time.time() - started, 1.0)  # answered at once, never held
        self.server.wait_for_log("low-latency request refused")
        # An old msn is answered at once with the current playlist.
        status, body = self.playlist("?_HLS_msn=1&_HLS_part=0")
        self.assertEqual(status, 200)
        # A part that will never come (far beyond the hint) is a 404 at once.
        self.assertEqual(self.server.get("/live/ll/v0/1-999.0.m4s")[0], 404)

    def held(self):
        live = self.server.get_json("/api/v1/live")[1]["live"]
        return next(c for c in live if c["channel"] == "ll")["held_requests"]

    def test_5_a_client_that_goes_away_frees_its_held_request_at_once(self):
        # Held requests count against per-address and total caps: a client that
        # hangs up must stop counting right away, not when its part comes.
        _, text = self.playlist()
        msn, _, _ = edge(text)
        self.assertEqual(self.held(), 0)
        sockets = []
        for _ in range(10):
            s = socket.create_connection(("127.0.0.1", self.server.http_port))
            s.sendall(f"GET /live/ll/v0/media.m3u8?_HLS_msn={msn + 2}&_HLS_part=0 HTTP/1.1\r\n"
                      "Host: x\r\n\r\n".encode())
            sockets.append(s)
        held = poll(self.held, lambda n: n >= 10, timeout=1.5, interval=0.05)
        self.assertEqual(held, 10)
        for s in sockets:
            s.close()
        # Part 0 of segment msn + 2 is at least a whole segment (2 s) away.
        self.assertEqual(poll(self.held, lambda n: n == 0, timeout=1.0, interval=0.05), 0)

    def test_6_hls_js_in_low_latency_mode_plays_30_s_without_a_stall(self):
        log_start = len(self.server.read_log())
        report = play(self.server.url("/watch.html?channel=ll&engine=hls"), seconds=30)
        self.assertTrue(report["started"], report)
        self.assertGreaterEqual(report["advanced"], 24.0, report)
        self.assertEqual(report["stalls"], 0, report)
        self.assertEqual(report["errors"], [], report)
        # It played the low-latency way: blocking reloads and parts, all answered 200.
        requests = re.findall(r"target=(\S+) status=(\d+)", self.server.read_log()[log_start:])
        blocking = [(t, s) for t, s in requests if "_HLS_msn=" in t]
        parts = [(t, s) for t, s in requests if re.search(r"/v0/\d+-\d+\.\d+\.m4s$", t)]
        self.assertGreater(len(blocking), 20, requests[-20:])
        self.assertGreater(len(parts), 20, requests[-20:])
        self.assertEqual([r for r in blocking + parts if r[1] != "200"], [])

    def test_7_ll_dash_sends_the_segment_in_progress_part_by_part(self):
        status, _, body = self.server.get("/live/ll/manifest.mpd")
        self.assertEqual(status, 200)
        mpd = body.decode()
        # 2-s segments of 0.4-s parts: available a part after they start.
        self.assertEqual(mpd.count('availabilityTimeOffset="1.600" availabilityTimeComplete="false"'), 2, mpd)
        self.assertIn('<Latency target="1600" min="800" max="3600"/>', mpd)
        self.assertIn('<PlaybackRate min="0.96" max="1.04"/>', mpd)
        self.assertIn("urn:mpeg:dash:utc:http-iso:2014", mpd)
        # Wait for a segment that has just begun, so most of it is still to come.
        first, init_uri = newest_video_segment(mpd)
        current = poll(lambda: newest_video_segment(self.server.get("/live/ll/manifest.mpd")[2].decode())[0],
                       lambda uri: uri != first, timeout=5, interval=0.02)
        self.assertNotEqual(current, first)
        sock = socket.create_connection(("127.0.0.1", self.server.http_port), timeout=10)
        try:
            sock.sendall(f"GET /live/ll/{current} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            head, chunks = read_chunked(sock, time.time() + 10)
        finally:
            sock.close()
        self.assertIn("200 OK", head.splitlines()[0])
        self.assertIn("transfer-encoding: chunked", head.lower())
        # One complete moof+mdat (part) per chunk, the first opening with styp.
        self.assertGreaterEqual(len(chunks), 3, [len(c) for _, c in chunks])
        for i, (_, chunk) in enumerate(chunks):
            self.assertEqual(boxes(chunk), (["styp"] if i == 0 else []) + ["moof", "mdat"])
        # Sent as the parts were made: spread over most of the segment.
        spread = chunks[-1][0] - chunks[0][0]
        self.assertGreater(spread, 0.8, [round(t - chunks[0][0], 2) for t, _ in chunks])
        # The chunks are the segment as served once complete, and it decodes.
        joined = b"".join(chunk for _, chunk in chunks)
        status, headers, whole = self.server.get(f"/live/ll/{current}")
        self.assertEqual(status, 200)
        self.assertEqual(joined, whole)
        init = self.server.get(f"/live/ll/{init_uri}")[2]
        packets = probe_segment(init, joined)["packets"]
        self.assertTrue(packets[0]["flags"].startswith("K"))
        self.assertGreater(len(packets), 30)  # about 2 s of 30 fps video

    def test_8_the_latency_mode_is_per_channel(self):
        # Bad values are refused (API and command line); unset, a channel has the server's mode.
        status, _, body = self.admin.call("PATCH", "/api/v1/channels/ll", {"latency_mode": "fast"})
        self.assertEqual(status, 400, body)
        key = self.server.create_channel("nm")
        cli = [BIN, "--config", self.server.config_path, "channel", "set-latency", "nm"]
        bad = subprocess.run(cli + ["fast"], capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        done = subprocess.run(cli + ["default"], capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        publisher = publish(self.server.rtmp_url(key), seconds=15, size="320x180", gop_seconds=1)
        try:
            self.server.wait_for("/live/nm/v0/media.m3u8")
            normal = self.server.get("/live/nm/v0/media.m3u8")[2].decode()
            low = self.server.get("/live/ll/v0/media.m3u8")[2].decode()
            live = {c["channel"]: c for c in self.server.get_json("/api/v1/live")[1]["live"]}
        finally:
            publisher.kill()
            publisher.wait()
        self.assertIn("#EXT-X-PART-INF:PART-TARGET=0.400", low)
        for tag in ("EXT-X-PART-INF", "EXT-X-SERVER-CONTROL", "EXT-X-PART:", "EXT-X-PRELOAD-HINT"):
            self.assertNotIn(tag, normal)
        self.assertEqual(live["ll"]["latency_mode"], "low")
        self.assertEqual(live["nm"]["latency_mode"], "normal")
        mpd = self.server.get("/live/nm/manifest.mpd")[2].decode()
        self.assertNotIn("availabilityTimeOffset", mpd)

    def test_9_the_watch_page_plays_ll_dash_with_catch_up(self):
        # engine-dash.js turns on dash.js live catch-up for an MPD with a ServiceDescription.
        log_start = len(self.server.read_log())
        report = play(self.server.url("/watch.html?channel=ll&engine=dash"), seconds=12)
        self.assertTrue(report["started"], report)
        self.assertGreaterEqual(report["advanced"], 9.0, report)
        self.assertEqual(report["stalls"], 0, report)
        self.assertEqual(report["errors"], [], report)
        # It fetched segments while they were being made: by $Time$ URLs, all 200.
        requests = re.findall(r"target=(\S+) status=(\d+)", self.server.read_log()[log_start:])
        segments = [(t, s) for t, s in requests if re.search(r"/ll/v\d/\d+-t\d+\.m4s$", t)]
        self.assertGreater(len(segments), 3, requests[-20:])
        self.assertEqual([r for r in segments if r[1] != "200"], [])

    def test_10_a_plain_playlist_request_is_answered_as_a_part_completes(self):
        # A player places its start PART-HOLD-BACK behind the newest part of its first (plain)
        # playlist load, as if that part had just completed: answered up to a part later,
        # it started up to a part further behind for good (live/fresh_playlist.hpp).
        appeared = {}  # (msn, part) -> when a blocking reload for it was answered
        stop = threading.Event()

        def follow():
            msn, part, _ = edge(self.playlist()[1])
            while not stop.is_set():
                status, text = self.playlist(f"?_HLS_msn={msn}&_HLS_part={part + 1}")
                if status == 200:
                    msn, part, _ = edge(text)
                    appeared.setdefault((msn, part), time.time())

        follower = threading.Thread(target=follow, daemon=True)
        follower.start()
        ages = []
        try:
            time.sleep(1)
            for i in range(10):
                time.sleep(0.037 * i % 0.4)  # spread over the part cycle
                status, text = self.playlist()
                answered = time.time()
                self.assertEqual(status, 200)
                newest = edge(text)[:2]
                deadline = time.time() + 3
                while newest not in appeared and time.time() < deadline:
                    time.sleep(0.01)
                self.assertIn(newest, appeared)
                ages.append(round((answered - appeared[newest]) * 1000))
        finally:
            stop.set()
            follower.join(timeout=5)
        # Fresh: within the fresh window (an eighth of the 0.4-s part, 50 ms) plus delivery.
        # Answered at once they are spread over the whole part (0-400 ms). One hiccup allowed.
        self.assertLessEqual(sum(1 for age in ages if age > 150), 1, ages)


if __name__ == "__main__":
    unittest.main(verbosity=2)
