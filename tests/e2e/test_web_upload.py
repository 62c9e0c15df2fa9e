"""The web UI's upload path in headless Chromium: sign in → upload a small
generated clip through the upload page (tus, throttled so the progress bar is
seen moving; title and description typed while it uploads) → conversion
progress from the server's events (fps written for people) → a link to the
video → the video is on the home page and plays. The watch page: the
tap-to-unmute overlay, a quality menu with no height twice (a 360p source and
a 360p rung), channel/views/date/description under the player, a view counted
once per viewer, the Share / Embed panel; the embed page plays in an <iframe>
on another origin (which may frame no other page); a deleted video and an
unknown channel say "not found". Wrong-type and too-large files are refused
on the page in plain words; a text file named .mp4 fails with no Retry; the
manage page edits, and deletes. Screenshots of upload and manage at phone and
desktop sizes."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
# ctest: run alone (Chromium plays while conversions run; a second test on the two cores starves both)
import http.server
import os
import re
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, make_clip
from support.webui import WebUi, create_user, screenshot_dir

VIEWPORTS = {"phone": "390x844", "desktop": "1920x1080"}
MAX_UPLOAD = 40 * 1000 * 1000


class OtherSite(http.server.ThreadingHTTPServer):
    """Another origin (its own loopback port) whose one page frames Tidecast's
    embed page, and its watch page (which must refuse to be framed)."""

    daemon_threads = True

    def __init__(self, tidecast_base, video_id):
        page = (f'<!doctype html><title>A fan site</title><h1>Our favourite video</h1>'
                f'<iframe id="embed" src="{tidecast_base}/embed.html?video={video_id}" width="640" height="360" '
                f'allow="autoplay; fullscreen"></iframe>'
                f'<iframe id="framed-watch" src="{tidecast_base}/watch.html?video={video_id}" width="320" height="180">'
                f'</iframe>').encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server_address[1]}/fan.html"

    def close(self):
        self.shutdown()
        self.server_close()


class WebUpload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tidecast-webui-")
        cls.clip = make_clip(os.path.join(cls.tmp.name, "beach_day.mp4"), seconds=6, size="640x360")
        # A 360p rung as tall as the 360p source, which is passed through: the
        # conversion plans no such rung (and the quality menu lists 360p once).
        # A deliberately slow 240p rung (x264 veryslow, one thread) so the
        # conversion lasts several SSE ticks and the page has progress to show.
        same_height_rung = {"name": "360p", "height": 360, "video_bitrate_kbps": 700, "preset": "ultrafast"}
        slow_rung = {"name": "240p", "height": 240, "video_bitrate_kbps": 400, "preset": "veryslow"}
        cls.server = Server({"uploads": {"max_bytes": MAX_UPLOAD},
                             "transcode": {"rungs": [same_height_rung, slow_rung]}, "jobs": {"threads": 1}})
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
                              drop_after_ms=1000, drop_ms=2500, chunk_kb=128,
                              details={"title": "beach day by the sea", "description": "Waves and sand."})
        self.assertTrue(report["done"], report)
        self.assertTrue(report["details_typed_while_uploading"], report)
        self.assertTrue(report["dropped"], report)
        self.assertGreaterEqual(report["retries"], 1, report)
        self.assertTrue(any("Connection lost" in d for d in report["details"]), report)
        self.assertEqual(report["upload_values"], sorted(report["upload_values"]), report)  # resumed, not restarted
        self.assertIsNotNone(report["link"], report)
        moving = [v for v in report["upload_values"] if 0 < v < 100]
        self.assertGreaterEqual(len(set(moving)), 2, report)  # the bar moved
        self.assertTrue(any("/s" in d and "left" in d for d in report["details"]), report)  # speed and ETA
        self.assertTrue(any(d.startswith("Converting") or "converter" in d for d in report["details"]), report)
        # Frame rates as people write them: at most 2 decimals (never 116.80000000000001 fps).
        fps = [m for d in report["details"] for m in re.findall(r"([0-9.]+) fps", d)]
        self.assertTrue(fps, report["details"])
        for value in fps:
            self.assertRegex(value, r"^\d+(\.\d{1,2})?$", report["details"])
        type(self).video_id = report["video_id"]
        # What was typed during the upload is the video's.
        video = self.ui.call("fetch", path=f"/api/v1/videos/{report['video_id']}")["json"]
        self.assertEqual(video["title"], "beach day by the sea")
        self.assertEqual(video["description"], "Waves and sand.")
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

    def test_2a_watch_page_overlay_quality_info_views_share(self):
        self.assertIsNotNone(self.video_id)
        views = lambda: self.ui.call("fetch", path=f"/api/v1/videos/{self.video_id}")["json"]["views"]
        # test_1 played it once: counted once (written within ~2 s).
        deadline = time.monotonic() + 15
        while views() < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertEqual(views(), 1)
        page = self.ui.call("watch_page", path=f"/watch.html?video={self.video_id}")
        self.assertTrue(page["started"], page)
        # Autoplay started muted: a big button over the picture says so; one click unmutes and hides it.
        self.assertTrue(page["before"]["shown"], page)
        self.assertTrue(page["before"]["muted"], page)
        self.assertIn("unmute", page["before"]["text"].lower())
        self.assertFalse(page["after"]["shown"], page)
        self.assertFalse(page["after"]["muted"], page)
        # A 360p source and the ladder's 360p rung: 360p is listed once.
        heights = [h for h in page["levels"] if h]
        self.assertEqual(len(heights), len(set(heights)), page)
        labels = [o.split(" ")[0] for o in page["quality_options"][1:]]
        self.assertEqual(len(labels), len(set(labels)), page)
        # Under the player: the view count and the date; the description.
        self.assertIn("1 view", page["meta"])
        self.assertEqual(page["description"], "Waves and sand.")
        # The same viewer again within 30 min: not counted twice.
        self.assertIs(page["view_counted"], False, page)
        time.sleep(3)
        self.assertEqual(views(), 1)
        # Share / Embed: the link and the <iframe> snippet of the embed page.
        self.assertIn(f"/watch.html?video={self.video_id}", page["link"])
        self.assertIn(f'<iframe src="{self.server.base}/embed.html?video={self.video_id}"', page["embed_code"])
        # HLS/DASH is out of the way: only in the settings menu.
        self.assertFalse(page["engines_visible"], page)
        self.assertTrue(page["engines_visible_in_settings"], page)

    def test_2b_embed_plays_in_an_iframe_on_another_origin(self):
        self.assertIsNotNone(self.video_id)
        site = OtherSite(self.server.base, self.video_id)
        try:
            embed = self.ui.call("embed_foreign", url=site.url)
        finally:
            site.close()
        self.assertTrue(embed["played"], embed)
        self.assertTrue(embed["before"]["muted"], embed)
        self.assertTrue(embed["before"]["overlay"], embed)
        self.assertFalse(embed["after"]["muted"], embed)
        self.assertFalse(embed["after"]["overlay"], embed)
        self.assertEqual(embed["before"]["errors"], [], embed)
        # The watch page refuses to be framed by another site (frame-ancestors 'self').
        framed_watch = [f for f in embed["frames"] if "embed.html" not in f["url"]]
        self.assertEqual(len(framed_watch), 1, embed)
        self.assertFalse(framed_watch[0]["has_video"], embed)

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
        self.shoot("embed", f"/embed.html?video={self.video_id}", settle_ms=2500)
        edited = self.ui.call("edit_video", video_id=self.video_id, title="Beach, edited", visibility="private")
        self.assertIn("Beach, edited", edited["row"])
        # Private now: gone from the public list.
        self.assertNotIn(self.video_id, str(self.ui.call("fetch", path="/api/v1/videos")["json"]))
        deleted = self.ui.call("delete_video", video_id=self.video_id)
        self.assertEqual(deleted["rows"], 0)
        self.assertEqual(self.ui.call("fetch", path=f"/api/v1/videos/{self.video_id}")["status"], 404)
        # Its watch page now says "not found" in plain words, with no dead player.
        self.ui.call("goto", path=f"/watch.html?video={self.video_id}")
        gone = self.ui.call("wait_text", selector="#not-found", contains="Not found")
        self.assertIn("deleted", gone["text"])
        self.assertFalse(self.ui.call("eval", expr="document.querySelector('#player').checkVisibility()")["value"])
        self.ui.call("goto", path="/watch.html?channel=nobody-by-that-name")
        self.ui.call("wait_text", selector="#not-found", contains="no channel called")

    def test_4_a_file_that_is_not_media_fails_with_its_reason_and_no_retry(self):
        notes = os.path.join(self.tmp.name, "notes.mp4")
        with open(notes, "w") as f:
            f.write("These are my notes, not a video.\n" * 200)
        report = self.ui.call("upload", file=notes)
        self.assertTrue(report["done"], report)
        self.assertEqual(report["failure_code"], "not_media", report)
        self.assertIn("cannot be converted: not a media file", report["final_text"], report)
        self.assertEqual(report["retry_buttons"], 0, report)  # retrying can never help
        video = self.ui.call("fetch", path=f"/api/v1/videos/{report['video_id']}")["json"]
        self.assertIs(video["retryable"], False, video)
        self.ui.call("goto", path="/manage.html")
        row = f'#manage-list li[data-video="{report["video_id"]}"]'
        self.assertIn("not a media file", self.ui.call("wait_text", selector=row, contains="failed")["text"])
        retry = self.ui.call("eval", expr=f"document.querySelectorAll('{row} button').length && "
                                          f"[...document.querySelectorAll('{row} button')].map(b => b.textContent)")
        self.assertNotIn("Retry", retry["value"], retry)


if __name__ == "__main__":
    unittest.main(verbosity=2)
