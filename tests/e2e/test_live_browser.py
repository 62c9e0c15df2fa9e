"""Headless Chromium plays Tidecast's own watch page: live HLS (hls.js) and
DASH (dash.js), then the recording once the publisher unpublishes."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.browser import play
from support.tidecast import Server, publish


class BrowserPlayback(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        key = cls.server.create_channel("studio")
        cls.publisher = publish(cls.server.rtmp_url(key), seconds=45, size="1280x720", gop_seconds=2)
        cls.server.wait_for("/live/studio/master.m3u8")
        time.sleep(4)  # a few segments in the window

    @classmethod
    def tearDownClass(cls):
        if cls.publisher.poll() is None:
            cls.publisher.kill()
        cls.server.close()

    def check_playback(self, report):
        self.assertTrue(report["started"], report)
        self.assertGreaterEqual(report["advanced"], 8.0, report)
        self.assertEqual(report["stalls"], 0, report)
        self.assertEqual(report["errors"], [], report)

    def test_1_live_hls_with_hls_js(self):
        self.check_playback(play(self.server.url("/watch.html?channel=studio&engine=hls"), seconds=10))

    def test_2_live_dash_with_dash_js(self):
        self.check_playback(play(self.server.url("/watch.html?channel=studio&engine=dash"), seconds=10))

    def test_3_the_recording_plays_after_unpublish(self):
        self.assertEqual(self.publisher.wait(60), 0)
        videos = self.server.wait_for_recordings()
        self.assertEqual(videos[0]["state"], "ready")
        video_id = videos[0]["id"]
        for engine in ("hls", "dash"):
            with self.subTest(engine=engine):
                self.check_playback(play(self.server.url(f"/watch.html?video={video_id}&engine={engine}"), seconds=10))


if __name__ == "__main__":
    unittest.main(verbosity=2)
