"""The web UI's go-live path in headless Chromium: sign in (user made with the
CLI) → create a channel on the go-live page → reveal and copy the stream key
from the page → ffmpeg publishes with that key → the home page lists the live
channel → the watch page plays and switches rung in the quality menu without
stalling → the go-live page shows the stream's health → the stream ends while
watched and the page says so. Screenshots of sign-in, go-live, home and watch
at phone and desktop sizes go to build/artifacts/screenshots/."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
# ctest: run alone (the live ladder must encode in real time)
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, publish
from support.webui import WebUi, create_user, screenshot_dir

VIEWPORTS = {"phone": "390x844", "desktop": "1920x1080"}
LADDER = {"enabled": True, "rungs": [
    {"name": "240p", "height": 240, "video_bitrate_kbps": 300, "profile": "main", "preset": "ultrafast"}]}

# The studio card's picture once it has loaded (and its src is not `other_than`).
CARD_PICTURE = """(async () => {
  const deadline = Date.now() + %(seconds)s * 1000;
  for (;;) {
    const card = document.querySelector('#live-list a[href="/watch.html?channel=studio"]')?.closest('li');
    const img = card?.querySelector('.thumb img');
    const src = img ? img.getAttribute('src') : null;
    if (img && src !== %(other_than)s && img.complete && img.naturalWidth > 0) {
      return { src, width: img.naturalWidth, height: img.naturalHeight };
    }
    if (Date.now() > deadline) return { src, width: 0, height: 0 };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
})()"""


class WebLive(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server({"transcode": LADDER})
        create_user(cls.server, "artist", "correct horse battery")
        cls.ui = WebUi(cls.server.base)
        cls.publisher = None
        cls.shots = screenshot_dir()
        print(f"screenshots: {cls.shots}", file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        if cls.publisher and cls.publisher.poll() is None:
            cls.publisher.kill()
            cls.publisher.wait()
        cls.ui.close()
        cls.server.close()

    def shoot(self, name, path, **extra):
        for label, size in VIEWPORTS.items():
            out = str(self.shots / f"{name}-{label}.png")
            reply = self.ui.call("screenshot", path=path, out=out, viewport=size, **extra)
            self.assertLessEqual(reply["overflow"], 0, f"{name} at {size} is wider than the viewport")
        self.ui.call("viewport", size="1280x800")

    def test_1_sign_in_create_channel_publish_watch(self):
        ui = self.ui
        self.shoot("signin", "/signin.html")
        wrong = ui.call("signin", username="artist", password="nope")
        self.assertFalse(wrong["signed_in"])
        self.assertIn("do not match", wrong["error"])
        self.assertTrue(ui.call("signin", username="artist", password="correct horse battery")["signed_in"])

        made = ui.call("create_channel", name="studio", title="The Studio")
        self.assertEqual(made["hidden_type"], "password")  # hidden until revealed
        self.assertEqual(made["revealed_type"], "text")
        self.assertGreater(len(made["revealed"]), 16)
        self.assertEqual(made["copied"], made["revealed"])
        self.assertEqual(made["rows"], 1)  # the double-click made one channel
        self.assertEqual(made["create_error"], "")
        # The page shows the port the server really listens on, with its own host name.
        self.assertEqual(made["rtmp_url"], f"rtmp://127.0.0.1:{self.server.rtmp_port}/live", made)
        self.assertFalse(made["rtmps_shown"], made)  # no RTMPS listener here

        # The key from the page publishes.
        url = f"rtmp://127.0.0.1:{self.server.rtmp_port}/live/{made['copied']}"
        type(self).publisher = publish(url, seconds=300, size="640x360", gop_seconds=2)
        self.server.wait_for("/live/studio/master.m3u8", timeout=30)
        time.sleep(4)  # a few segments in the window

        home = ui.call("wait_home_live", channel="studio")
        self.assertTrue(home["found"], home)
        self.assertEqual(home["badge"].upper(), "LIVE")
        self.assertIn("The Studio", home["card"])

        report = ui.call("play", path="/watch.html?channel=studio", seconds=10, switch_level="other")
        self.assertTrue(report["started"], report)
        self.assertGreaterEqual(report["advanced"], 8.0, report)
        self.assertEqual(report["errors"], [], report)
        self.assertGreaterEqual(len(report["quality_options"]), 3, report)  # Auto + two rungs
        self.assertNotEqual(report["switched_from"], report["switched_to"], report)
        self.assertEqual(report["level"], report["switched_to"], report)  # the picked rung is playing
        self.assertEqual(report["video_height"], 240 if report["switched_to"] == 0 else 360, report)
        self.assertEqual(report["stalls_after_switch"], 0, report)
        self.assertTrue(report["live_badge"], report)
        self.assertIsNotNone(report["latency_text"], report)

    def test_2_go_live_page_shows_health_and_preview(self):
        self.ui.call("goto", path="/golive.html")  # still signed in from test 1
        health = self.ui.call("wait_text", selector="#health", contains="Bitrate", timeout=15)
        self.assertIn("Frame rate", health["text"])
        self.assertRegex(health["text"], r"Keyframe interval\s+2\.0 s")  # publish() uses 2-s GOPs
        self.shoot("golive", "/golive.html", wait_selector="#health dt")
        self.shoot("home", "/", wait_selector="#live-list li")
        self.ui.call("screenshot", path="/", out=str(self.shots / "home-phone-dark.png"), viewport="390x844",
                     wait_selector="#live-list li", color_scheme="dark")
        self.ui.call("viewport", size="1280x800")
        self.shoot("watch-live", "/watch.html?channel=studio", wait_selector="#live-badge:not([hidden])", settle_ms=3000)
        # Live: the tap-to-unmute button over the muted picture, the channel (a link to its page) under it.
        self.ui.call("goto", path="/watch.html?channel=studio")
        self.ui.call("wait_text", selector="#unmute", contains="unmute", timeout=20)
        link = self.ui.call("eval", expr="document.querySelector('#channel-link')?.getAttribute('href') ?? null")
        self.assertEqual(link["value"], "/c/studio")
        # The channel's embed page plays too (the button shows once the muted picture moves).
        self.ui.call("goto", path="/embed.html?channel=studio")
        self.ui.call("wait_text", selector="#unmute", contains="unmute", timeout=20)

    def test_2_home_card_shows_the_live_thumbnail(self):
        # The live card's picture is the channel's live thumbnail, and the
        # page's own 10-s refresh brings a newer one (no reload).
        self.ui.call("goto", path="/")
        first = self.ui.call("eval", expr=CARD_PICTURE % {"other_than": "null", "seconds": 20})["value"]
        self.assertIn("/live/studio/thumbnail.jpg?t=", first["src"] or "", first)
        self.assertEqual((first["width"], first["height"]), (640, 360), first)
        later = self.ui.call("eval", expr=CARD_PICTURE % {"other_than": repr(first["src"]), "seconds": 25})["value"]
        self.assertNotEqual(later["src"], first["src"], later)
        self.assertEqual(later["width"], 640, later)

    def test_3_stream_end_while_watching(self):
        self.assertIsNone(self.publisher.poll(), "the publisher should still be live")
        self.ui.call("goto", path="/watch.html?channel=studio")
        self.ui.call("wait_text", selector="#live-badge", contains="LIVE", timeout=20)
        self.publisher.kill()
        self.publisher.wait()
        ended = self.ui.call("wait_text", selector="#ended", contains="ended", timeout=60)
        self.assertIn("stream has ended", ended["text"].lower())
        offered = self.ui.call("wait_text", selector="#ended", contains="Watch the recording", timeout=60)
        self.assertIn("Watch the recording", offered["text"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
