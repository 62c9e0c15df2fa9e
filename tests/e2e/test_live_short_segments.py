"""1-second segments: a publish with 1-s GOPs and live.segment_seconds = 1."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, media_playlist_segments, probe_segment, publish


class ShortSegments(unittest.TestCase):
    def test_one_second_segments(self):
        server = Server({"live": {"segment_seconds": 1}})
        try:
            key = server.create_channel("fast")
            pub = publish(server.rtmp_url(key), seconds=10, fps=30, gop_seconds=1)
            server.wait_for("/live/fast/master.m3u8")
            time.sleep(4)
            text = server.get("/live/fast/v0/media.m3u8")[2].decode()
            self.assertIn("#EXT-X-TARGETDURATION:1", text)
            _, segments = media_playlist_segments(text)
            self.assertGreaterEqual(len(segments), 3)
            init_uri = next(l.split('"')[1] for l in text.splitlines() if l.startswith("#EXT-X-MAP"))
            init = server.get("/live/fast/v0/" + init_uri)[2]
            for uri, extinf in segments:
                self.assertAlmostEqual(extinf, 1.0, delta=1 / 30 + 1e-6)
                packets = probe_segment(init, server.get("/live/fast/v0/" + uri)[2])["packets"]
                self.assertTrue(packets[0]["flags"].startswith("K"))
            pub.wait(30)
        finally:
            server.close()


class CacheBudget(unittest.TestCase):
    def test_over_the_cache_budget_only_the_window_is_kept_and_playback_goes_on(self):
        server = Server({"live": {"segment_seconds": 1, "playlist_segments": 3, "cache_bytes": 1048576}})
        try:
            key = server.create_channel("big")
            pub = publish(server.rtmp_url(key), seconds=12, fps=30, gop_seconds=1)
            server.wait_for("/live/big/master.m3u8")
            time.sleep(7)
            self.assertIn("segment cache over budget", server.read_log())
            text = server.get("/live/big/v0/media.m3u8")[2].decode()
            _, window = media_playlist_segments(text)
            self.assertEqual(len(window), 3)
            for uri, _ in window:  # everything listed is still served
                self.assertEqual(server.get("/live/big/v0/" + uri)[0], 200)
            period, index = window[0][0][:-4].split("-")
            older = f"/live/big/v0/{period}-{int(index) - 1}.m4s"
            self.assertEqual(server.get(older)[0], 404)  # beyond the window: evicted at once
            pub.wait(30)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
