"""The web UI's upload path in headless Chromium: sign in → upload a small
generated clip through the upload page (tus, throttled so the progress bar is
seen moving) → conversion progress from the server's events → a link to the
video → the video is on the home page and plays. Wrong-type and too-large
files are refused on the page in plain words; the manage page edits,
and deletes. Screenshots of upload and manage at phone and desktop sizes."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
# ctest: run alone (Chromium plays while conversions run; a second test on the two cores starves both)
import os
import random
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, make_clip
from support.webui import WebUi, create_user, screenshot_dir

VIEWPORTS = {"phone": "390x844", "desktop": "1920x1080"}
MAX_UPLOAD = 40 * 1000 * 1000


class WebUpload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tidecast-webui-")
        cls.clip = make_clip(os.path.join(cls.tmp.name, "beach_day.mp4"), seconds=6, size="640x360")
        # A deliberately slow rung (x264 veryslow, one thread) so the conversion
        # lasts several SSE ticks and the page has progress to show.
        slow_rung = {"name": "360p", "height": 360, "video_bitrate_kbps": 700, "preset": "veryslow"}
        cls.server = Server({"uploads": {"max_bytes": MAX_UPLOAD},
                             "transcode": {"rungs": [slow_rung]}, "jobs": {"threads": 1}})
        create_user(cls.server, "uploader", "long enough password")
        cls.ui = WebUi(cls.server.base)
        cls.ui.call("signin", username="uploader", password="long enough password")
        cls.shots = screenshot_dir()
        cls.video_id = None

    @classmethod
    def tearDownClass(cls):
        cls.ui.close()
        cls.server.close()
        cls.tmp.cleanup()

    def shoot(self, name, path, **extra):
        for label, size in VIEWPORTS.items():
            out = str(self.shots / f"{name}-{label}.png")
            reply = self.ui.call("screenshot", path=path, out=out, viewport=size, **extra)
            self.assertLessEqual(reply["overflow"], 0, f"{name} at {size} is wider than the viewport")
        self.ui.call("viewport", size="1280x800")

    def test_1_upload_convert_watch(self):
        size = os.path.getsize(self.clip)
        # ~2-3 s of upload so the bar is sampled on its way; the network drops for 2 s in the middle.
        # (Chrome's offline mode spares requests in flight, so the upload goes in 128 KiB requests:
        # the next one after the drop fails and tus resumes from the server's offset.)
        report = self.ui.call("upload", file=self.clip, throttle_bytes_per_second=max(size // 3, 64 * 1024),
                              drop_after_ms=1000, drop_ms=2500, chunk_kb=128)
        self.assertTrue(report["done"], report)
        self.assertTrue(report["dropped"], report)
        self.assertGreaterEqual(report["retries"], 1, report)
        self.assertTrue(any("Connection lost" in d for d in report["details"]), report)
        self.assertEqual(report["upload_values"], sorted(report["upload_values"]), report)  # resumed, not restarted
        self.assertIsNotNone(report["link"], report)
        moving = [v for v in report["upload_values"] if 0 < v < 100]
        self.assertGreaterEqual(len(set(moving)), 2, report)  # the bar moved
        self.assertTrue(any("/s" in d and "left" in d for d in report["details"]), report)  # speed and ETA
        self.assertTrue(any(d.startswith("Converting") or "converter" in d for d in report["details"]), report)
        type(self).video_id = report["video_id"]
        self.assertTrue(report["link"].endswith(report["video_id"]), report)

        home = self.ui.call("goto", path="/")
        self.assertEqual(home["status"], 200)
        card = self.ui.call("wait_text", selector="#video-list", contains="beach day", timeout=15)
        self.assertIn("0:06", card["text"])  # duration on the card

        played = self.ui.call("play", path=report["link"], seconds=5)
        self.assertTrue(played["started"], played)
        self.assertGreaterEqual(played["advanced"], 4.0, played)
        self.assertEqual(played["errors"], [], played)
        keys = self.ui.call("shortcuts")
        self.assertFalse(keys["before"]["paused"], keys)
        self.assertTrue(keys["afterK"]["paused"], keys)          # k pauses
        self.assertNotEqual(keys["afterM"]["muted"], keys["afterK"]["muted"], keys)  # m toggles mute
        self.assertLess(keys["afterLeft"]["time"], keys["afterM"]["time"] - 3, keys)  # ← goes back 5 s
        self.assertFalse(keys["afterSpace"]["paused"], keys)     # space plays again

    def test_2_wrong_type_and_too_large_refused_on_the_page(self):
        wrong = self.ui.call("refuse_file", name="notes.txt", mime="text/plain", size=100)
        self.assertIn("not a video file", wrong["text"])
        huge = self.ui.call("refuse_file", name="huge.mp4", mime="video/mp4", size=MAX_UPLOAD + 1)
        self.assertIn("accepts files up to", huge["text"])

    def test_3_manage_edit_and_delete(self):
        self.assertIsNotNone(self.video_id)
        self.shoot("upload", "/upload.html")
        self.shoot("manage", "/manage.html", wait_selector="#manage-list li")
        self.shoot("watch-video", f"/watch.html?video={self.video_id}", settle_ms=2500)
        edited = self.ui.call("edit_video", video_id=self.video_id, title="Beach, edited", visibility="private")
        self.assertIn("Beach, edited", edited["row"])
        # Private now: gone from the public list.
        self.assertNotIn(self.video_id, str(self.ui.call("fetch", path="/api/v1/videos")["json"]))
        deleted = self.ui.call("delete_video", video_id=self.video_id)
        self.assertEqual(deleted["rows"], 0)
        self.assertEqual(self.ui.call("fetch", path=f"/api/v1/videos/{self.video_id}")["status"], 404)

    def test_4_failed_conversion_shows_its_reason_and_retries(self):
        junk = os.path.join(self.tmp.name, "broken.mp4")
        with open(junk, "wb") as f:
            f.write(random.Random(4).randbytes(200_000))  # seeded: the same junk every run
        report = self.ui.call("upload", file=junk)
        self.assertTrue(report["done"], report)
        self.assertIn("failed", report["final_text"].lower(), report)
        retried = self.ui.call("retry_video", video_id=report["video_id"])
        self.assertIn("Conversion failed:", retried["reason"])
        self.assertGreater(len(retried["reason"]), len("Conversion failed: "))
        self.assertEqual(retried["status"], "Conversion queued again.", retried)


if __name__ == "__main__":
    unittest.main(verbosity=2)
