"""Go live: ffmpeg publishes RTMP, ffprobe/ffmpeg read the HLS and DASH Tidecast serves.

One 30-s publish is shared by the checks in order; the last ones run after the
publisher unpublishes and check the recording became a playable video.
"""
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.rtmp_raw import RawPublisher
from support.tidecast import (Server, decode_errors, ffprobe_json, media_playlist_segments, mpd_segment_files,
                              probe_segment, publish)

FPS = 30
TARGET = 2.0


class LiveStream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.key = cls.server.create_channel("studio")
        cls.publisher = publish(cls.server.rtmp_url(cls.key), seconds=30, fps=FPS, gop_seconds=2)
        cls.server.wait_for("/live/studio/master.m3u8", timeout=20)
        # Let the window fill a little so several segments are listed.
        deadline = time.time() + 20
        while time.time() < deadline:
            _, _, body = cls.server.get("/live/studio/v0/media.m3u8")
            if body.decode().count("#EXTINF") >= 3:
                break
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        if cls.publisher.poll() is None:
            cls.publisher.kill()
        cls.server.close()

    def url(self, path):
        return self.server.url(path)

    def test_01_manifests_probe_with_the_real_stream(self):
        for path in ("/live/studio/master.m3u8", "/live/studio/manifest.mpd"):
            code, data, err = ffprobe_json(self.url(path), "-show_streams")
            self.assertEqual(code, 0, err)
            video = [s for s in data["streams"] if s["codec_type"] == "video"]
            audio = [s for s in data["streams"] if s["codec_type"] == "audio"]
            self.assertTrue(video and audio, data)
            self.assertEqual((video[0]["codec_name"], video[0]["width"], video[0]["height"]), ("h264", 1280, 720))
            self.assertEqual(audio[0]["codec_name"], "aac")
        master = self.server.get("/live/studio/master.m3u8")[2].decode()
        self.assertIn("RESOLUTION=1280x720", master)
        self.assertIn('CODECS="avc1.', master)
        self.assertIn("#EXT-X-MEDIA:TYPE=AUDIO", master)

    def test_02_hls_and_dash_decode_without_errors(self):
        self.assertEqual(decode_errors(self.url("/live/studio/master.m3u8"), 6), [])
        self.assertEqual(decode_errors(self.url("/live/studio/manifest.mpd"), 6), [])

    def test_03_every_segment_starts_with_idr_and_lasts_the_target(self):
        text = self.server.get("/live/studio/v0/media.m3u8")[2].decode()
        self.assertIn("#EXT-X-PROGRAM-DATE-TIME:", text)
        _, segments = media_playlist_segments(text)
        init_uri = next(l.split('"')[1] for l in text.splitlines() if l.startswith("#EXT-X-MAP"))
        init = self.server.get("/live/studio/v0/" + init_uri)[2]
        self.assertGreaterEqual(len(segments), 3)
        for uri, extinf in segments:
            code, _, body = self.server.get("/live/studio/v0/" + uri)
            if code == 404:
                continue  # slid out of memory between the playlist and this fetch
            packets = probe_segment(init, body)["packets"]
            self.assertTrue(packets[0]["flags"].startswith("K"), f"{uri} starts with {packets[0]['flags']}")
            duration = sum(float(p["duration_time"]) for p in packets)
            self.assertAlmostEqual(duration, TARGET, delta=1.0 / FPS + 1e-6, msg=uri)
            self.assertAlmostEqual(extinf, TARGET, delta=1.0 / FPS + 1e-6, msg=uri)

    def test_04_hls_and_dash_list_the_same_segments(self):
        # The MPD's timeline is the HLS window (the time-shift window, not the
        # whole stream), its segments named by $Time$: the same files in the
        # same order, for both tracks.
        def same_segments():
            hls = {t: [u for u, _ in media_playlist_segments(self.server.get(f"/live/studio/{t}/media.m3u8")[2].decode())[1]]
                   for t in ("v0", "a0")}
            mpd = self.server.get("/live/studio/manifest.mpd")[2].decode()
            dash = {"v0": mpd_segment_files(mpd, "video"), "a0": mpd_segment_files(mpd, "audio")}
            if hls["v0"] != hls["a0"]:  # one track's newest segment completed a moment before the other's
                return False, hls, dash, mpd
            for t in ("v0", "a0"):
                if len(dash[t]) != len(hls[t]):
                    return False, hls, dash, mpd
                for d, h in zip(dash[t], hls[t]):
                    code, _, body = self.server.get(f"/live/studio/{t}/{d}")
                    if code != 200 or body != self.server.get(f"/live/studio/{t}/{h}")[2]:
                        return False, hls, dash, mpd
            return True, hls, dash, mpd
        for _ in range(10):
            same, hls, dash, mpd = same_segments()
            if same:
                break
            time.sleep(0.3)  # a segment completed between the fetches, or in one track first
        self.assertTrue(same, (hls, dash))
        self.assertGreaterEqual(len(hls["v0"]), 3)
        self.assertIn("$Time$", mpd)
        # One period: the media sequence is the index of the window's first segment.
        text = self.server.get("/live/studio/v0/media.m3u8")[2].decode()
        sequence, window = media_playlist_segments(text)
        self.assertEqual(sequence, int(window[0][0].split("-")[1].split(".")[0]))
        self.assertEqual(hls["v0"], hls["a0"])
        self.assertIn('type="dynamic"', mpd)
        self.assertIn("urn:mpeg:dash:utc:http-iso:2014", mpd)
        self.assertIn("/api/v1/time", mpd)
        self.assertIn("timeShiftBufferDepth", mpd)

    def test_05_http_headers(self):
        _, h, _ = self.server.get("/live/studio/master.m3u8")
        self.assertEqual(h["Content-Type"], "application/vnd.apple.mpegurl")
        self.assertEqual(h["Cache-Control"], "public, max-age=1")
        self.assertEqual(h["Access-Control-Allow-Origin"], "*")
        _, h, _ = self.server.get("/live/studio/manifest.mpd")
        self.assertEqual(h["Content-Type"], "application/dash+xml")
        text = self.server.get("/live/studio/v0/media.m3u8")[2].decode()
        uri = media_playlist_segments(text)[1][-1][0]
        code, h, body = self.server.get("/live/studio/v0/" + uri)
        self.assertEqual(code, 200)
        self.assertIn("immutable", h["Cache-Control"])
        self.assertIn(h["Content-Type"], ("video/mp4", "video/iso.segment"))
        code, h, part = self.server.get("/live/studio/v0/" + uri, {"Range": "bytes=0-99"})
        self.assertEqual((code, part), (206, body[:100]))
        self.assertEqual(self.server.get("/live/nobody/master.m3u8")[0], 404)

    def test_05b_manifests_are_the_same_bytes_until_the_next_update(self):
        # Rendered once per update of the window: two requests in a row get the
        # very same bytes (publishTime is the update's, not the request's), and
        # the ETag made with them answers If-None-Match with a 304.
        for path in ("/live/studio/manifest.mpd", "/live/studio/master.m3u8", "/live/studio/v0/media.m3u8",
                     "/live/studio/a0/media.m3u8"):
            for _ in range(10):
                code, h1, first = self.server.get(path)
                _, h2, second = self.server.get(path)
                self.assertEqual(code, 200, path)
                if h1.get("ETag") == h2.get("ETag"):
                    break
                time.sleep(0.2)  # a segment completed between the two
            self.assertTrue(h1.get("ETag", "").startswith('"'), (path, h1))
            self.assertEqual(h1["ETag"], h2["ETag"], path)
            self.assertEqual(first, second, path)
            for _ in range(10):
                _, h, body = self.server.get(path)
                code, h304, empty = self.server.get(path, {"If-None-Match": h["ETag"]})
                if code == 304:
                    break
                time.sleep(0.2)
            self.assertEqual((code, empty), (304, b""), path)
            self.assertEqual(h304["ETag"], h["ETag"], path)
            self.assertEqual(h304["Cache-Control"], "public, max-age=1", path)
        mpd = self.server.get("/live/studio/manifest.mpd")[2].decode()
        self.assertIn("urn:mpeg:dash:utc:http-iso:2014", mpd)

    def test_06_api_lists_the_live_channel(self):
        code, body = self.server.get_json("/api/v1/live")
        self.assertEqual(code, 200)
        live = {c["channel"]: c for c in body["live"]}
        studio = live["studio"]
        self.assertEqual((studio["width"], studio["height"]), (1280, 720))
        self.assertTrue(studio["video_codecs"].startswith("avc1."))
        self.assertGreater(studio["bitrate"], 100_000)
        self.assertGreater(studio["uptime_seconds"], 1)
        self.assertGreaterEqual(studio["viewers"], 1)
        self.assertNotIn(self.key, str(body))

    def test_07_wrong_key_is_refused(self):
        bad = publish(self.server.rtmp_url("not-a-key"), seconds=5, realtime=False)
        self.assertNotEqual(bad.wait(20), 0)
        self.assertIn("unknown stream key", self.server.read_log())

    def test_08_second_publisher_is_refused_and_the_first_keeps_going(self):
        second = publish(self.server.rtmp_url(self.key), seconds=5, realtime=False)
        self.assertNotEqual(second.wait(20), 0)
        self.assertIn("already live", self.server.read_log())
        self.assertIsNone(self.publisher.poll())
        self.assertEqual(decode_errors(self.url("/live/studio/master.m3u8"), 2), [])

    def test_09_bad_rtmp_input_closes_only_that_session(self):
        # Garbage instead of a handshake.
        with socket.create_connection(("127.0.0.1", self.server.rtmp_port), timeout=10) as s:
            s.sendall(b"\x07" + os.urandom(3000))
            self.assertEqual(s.recv(100), b"")  # closed by the server
        # A valid handshake, then a chunk announcing an oversized message.
        with socket.create_connection(("127.0.0.1", self.server.rtmp_port), timeout=10) as s:
            s.sendall(b"\x03" + bytes(1536))
            got = b""
            while len(got) < 1 + 1536 * 2:
                got += s.recv(8192)
            s.sendall(bytes(1536))
            # fmt 0 on csid 3: timestamp 0, length 0xFFFFFF (16 MB > the 8 MB limit), type 20, stream 0.
            s.sendall(bytes([0x03]) + b"\x00\x00\x00" + b"\xff\xff\xff" + b"\x14" + bytes(4) + bytes(64))
            s.settimeout(10)
            try:
                while s.recv(4096):
                    pass
            except ConnectionResetError:
                pass
        # The session logs its reason as it closes; under a slow (sanitizer) build the
        # line can land just after the client sees the close.
        self.server.wait_for_log("exceeds", timeout=10)
        log = self.server.read_log()
        self.assertIn("exceeds", log)
        self.assertIsNone(self.publisher.poll())
        self.assertEqual(decode_errors(self.url("/live/studio/manifest.mpd"), 2), [])

    def test_10_unpublish_ends_playlists_and_the_recording_is_a_video(self):
        self.assertEqual(self.publisher.wait(60), 0, self.publisher.stderr.read().decode())
        videos = self.server.wait_for_recordings()
        self.assertEqual(len(videos), 1)
        video = videos[0]
        self.assertEqual(video["state"], "ready")
        self.assertGreater(video["duration_ms"], 25_000)

        live_playlist = self.server.get("/live/studio/v0/media.m3u8")[2].decode()
        self.assertTrue(live_playlist.rstrip().endswith("#EXT-X-ENDLIST"))
        self.assertIn('type="static"', self.server.get("/live/studio/manifest.mpd")[2].decode())

        for path in (video["hls"], video["dash"]):
            code, data, err = ffprobe_json(self.url(path), "-show_format")
            self.assertEqual(code, 0, err)
            self.assertGreater(float(data["format"]["duration"]), 25)
            self.assertEqual(decode_errors(self.url(path), 40), [])
        vod_playlist = self.server.get(f"/vod/{video['id']}/v0/media.m3u8")[2].decode()
        self.assertIn("#EXT-X-PLAYLIST-TYPE:VOD", vod_playlist)
        self.assertTrue(vod_playlist.rstrip().endswith("#EXT-X-ENDLIST"))


class CommandReplies(unittest.TestCase):
    def test_connect_create_stream_and_publish_replies_are_not_held_back(self):
        # Each reply used to be its own send with Nagle on: the next one waited
        # for the client's delayed ACK (40 ms), so connect, createStream and
        # publish took 87 ms each and every segment was listed later.
        server = Server()
        self.addCleanup(server.close)
        # A channel each: the server may not have seen the last publisher go yet.
        keys = [server.create_channel(f"replies{i}") for i in range(3)]
        totals = []
        for key in keys:
            raw = RawPublisher(server.rtmp_port)
            raw.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                start = time.monotonic()
                raw.publish(key)
                totals.append(time.monotonic() - start)
            finally:
                raw.close()
        totals.sort()
        # A Nagle wait puts every publish at 40 ms or more; without one it takes
        # about 1 ms (3-6 ms under ASan).
        self.assertLess(totals[1], 0.03, totals)


class UnsupportedCodec(unittest.TestCase):
    def test_flv1_video_is_refused_with_a_reason(self):
        server = Server()
        try:
            key = server.create_channel("old")
            pub = publish(server.rtmp_url(key), seconds=4, realtime=False, audio=False, video_codec=("-c:v", "flv1"))
            pub.wait(30)
            server.wait_for_log("not supported", timeout=5)
            self.assertIn("video codec", server.read_log())
            self.assertIn("not supported", server.read_log())
            self.assertEqual(server.get("/api/v1/health")[0], 200)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
