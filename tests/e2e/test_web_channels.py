"""First run, channel pages and the channel profile, in headless Chromium
against one fresh server:
- the server prints a one-time setup link; setup.html refuses a wrong token,
  makes the first admin with the right one (signed in), then refuses again;
- an anonymous visitor sees no Go live link and an empty home that says
  nothing is live; the admin's empty home says what to do next;
- the profile (description, next-stream text) and the avatar are set on the
  go-live page: a PNG is accepted, a text file refused (clear error, one log
  line), an oversized image refused; the avatar is served immutable;
- /c/<channel> has its title and og: tags filled in and escaped (a title with
  <script> and quotes), og:image the avatar while offline and the live
  thumbnail URL while live; an unknown channel is a 404 page;
- the channel page opened while offline shows the banner with the next-stream
  text and starts playing by itself once ffmpeg publishes (no reload), and
  lists the stream's recording after it ends.
Screenshots of every page at 390x844 and 1920x1080 (tests/e2e/browser/
screenshots.mjs) go to build/artifacts/screenshots/."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
import base64
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import Browser, request
from support.browser import BROWSER_DIR, CHROMIUM, ensure_installed
from support.tidecast import Server, poll, publish
from support.webui import WebUi, screenshot_dir

TITLE = 'Night <script>alert("x")</script> & \'co\''
TITLE_ESCAPED = "Night &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"
PASSWORD = "correct horse battery"


def tiny_png():
    """A real 1x1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\x30\x60\x90")) + chunk(b"IEND", b""))


def meta(html, prop):
    m = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', html)
    return m.group(1) if m else None


class WebChannels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server({"live": {"segment_seconds": 1, "playlist_segments": 4}})
        cls.ui = WebUi(cls.server.base)
        cls.publisher = None
        cls.shots = screenshot_dir()

    @classmethod
    def tearDownClass(cls):
        if cls.publisher and cls.publisher.poll() is None:
            cls.publisher.kill()
            cls.publisher.wait()
        cls.ui.close()
        cls.server.close()

    def screenshots(self, pages, cookie=None):
        """Every page at phone and desktop size; none wider than the viewport."""
        ensure_installed()
        cmd = ["node", str(BROWSER_DIR / "screenshots.mjs"), "--url", self.server.base, "--out", str(self.shots),
               "--chromium", CHROMIUM]
        for name, path in pages.items():
            cmd += ["--page", f"{name}={path}"]
        if cookie:
            cmd += ["--cookie", f"tidecast_session={cookie}"]
        started = time.monotonic()
        out = subprocess.run(cmd, cwd=BROWSER_DIR, capture_output=True, text=True, timeout=300)
        print(f"{out.stderr.strip()} ({len(pages)} pages, {time.monotonic() - started:.1f} s)", file=sys.stderr)
        report = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertEqual(report["errors"], [], report)
        self.assertEqual(len(report["shots"]), 2 * len(pages), report)
        for shot in report["shots"]:
            self.assertLessEqual(shot["overflow"], 0, f"{shot['name']} at {shot['size']} is wider than the viewport")
        return report

    def page_html(self, path):
        code, headers, body = self.server.get(path)
        return code, headers, body.decode()

    def test_1_first_run(self):
        ui = self.ui
        log = self.server.wait_for_log("/setup.html?token=")
        m = re.search(r"create the admin account at (http://\S+/setup\.html\?token=(\S+))", log)
        self.assertTrue(m, log)
        self.assertTrue(m.group(1).startswith(f"http://127.0.0.1:{self.server.http_port}/"), m.group(1))
        token = m.group(2)

        # Anonymous: no Go live link, and an empty home that says nothing is live.
        ui.call("goto", path="/")
        self.assertFalse(ui.call("visible", selector='.site nav a[href="/golive.html"]')["visible"])
        self.assertTrue(ui.call("visible", selector='#account a[href^="/signin.html"]')["visible"])
        ui.call("wait_text", selector="#empty-home", contains="Nothing is live yet")

        self.screenshots({"home-empty": "/", "setup": f"/setup.html?token={token}", "signin": "/signin.html",
                          "not-found": "/c/nobody"})

        # A wrong token: a clear error, nothing made.
        ui.call("goto", path="/setup.html?token=wrong")
        ui.call("fill", selector="#username", value="root")
        ui.call("fill", selector="#password", value=PASSWORD)
        ui.call("fill", selector="#password2", value=PASSWORD)
        ui.call("click", selector="#setup-submit")
        ui.call("wait_text", selector="#setup-error", contains="not valid")
        self.assertIn("setup refused reason=bad_setup_token", self.server.read_log())

        # The link: the admin is made and signed in, the home says what to do next.
        ui.call("goto", path=f"/setup.html?token={token}")
        ui.call("fill", selector="#username", value="root")
        ui.call("fill", selector="#password", value=PASSWORD)
        ui.call("fill", selector="#password2", value=PASSWORD)
        ui.call("click", selector="#setup-submit", wait_url="/")
        ui.call("wait_text", selector="#empty-home", contains="Create a channel")
        self.assertTrue(ui.call("visible", selector='.site nav a[href="/golive.html"]')["visible"])
        session = ui.call("fetch", path="/api/v1/session")["json"]
        self.assertEqual((session["user"]["name"], session["user"]["role"]), ("root", "admin"))

        # Once only: the same link refuses, in the page and over the API.
        code, _, body = request(self.server, "POST", "/api/v1/setup",
                                {"token": token, "username": "second", "password": PASSWORD})
        self.assertEqual((code, body["error"]["code"]), (410, "setup_done"))
        ui.call("context")
        ui.call("goto", path=f"/setup.html?token={token}")
        ui.call("wait_text", selector="#setup-closed", contains="already set up")
        ui.call("signin", username="root", password=PASSWORD)

    def test_2_profile_avatar_and_head(self):
        ui = self.ui
        made = ui.call("create_channel", name="studio", title=TITLE)
        type(self).key = made["revealed"]
        # Not live: "waiting for your stream" with the settings; the new-channel form tucked away on a revisit.
        ui.call("wait_text", selector="#waiting", contains="Waiting for your stream")
        self.assertFalse(ui.call("visible", selector="#monitor")["visible"])
        ui.call("goto", path="/golive.html?channel=studio")
        ui.call("wait_text", selector="#profile", contains="Channel page")
        self.assertFalse(ui.call("eval", expr="document.querySelector('#new-channel').open")["value"])
        ui.call("fill", selector="#profile-description", value="Synths and tea, \"live\" <b>weekly</b>.")
        ui.call("fill", selector="#profile-next", value="Fridays at 8 pm")
        ui.call("click", selector="#profile-submit")
        ui.call("wait_text", selector="#profile-note", contains="Saved")

        # Avatar: a PNG is accepted, a text file refused with a clear message and a log line.
        ui.call("choose_file", selector="#avatar-input", name="me.png", mime="image/png",
                base64=base64.b64encode(tiny_png()).decode())
        ui.call("wait_text", selector="#profile-note", contains="Avatar updated")
        ui.call("choose_file", selector="#avatar-input", name="notes.png", mime="image/png",
                base64=base64.b64encode(b"just some text, not an image\n").decode())
        ui.call("wait_text", selector="#avatar-note", contains="JPEG, PNG or WebP")
        self.server.wait_for_log("avatar refused reason=not_an_image")

        root = Browser(self.server)
        self.assertEqual(root.login("root", PASSWORD)[0], 200)
        type(self).cookie = root.cookie
        code, _, body = request(self.server, "POST", "/api/v1/channels/studio/avatar",
                                raw=b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024),
                                headers={"Content-Type": "image/png", "Cookie": f"tidecast_session={root.cookie}",
                                         "X-CSRF-Token": root.csrf})
        self.assertEqual((code, body["error"]["code"]), (413, "avatar_too_large"))
        code, _, channel = request(self.server, "GET", "/api/v1/channels/studio")
        channel = channel["channel"]
        self.assertEqual(channel["title"], TITLE)
        self.assertEqual(channel["next_stream"], "Fridays at 8 pm")
        avatar = channel["avatar"]
        self.assertRegex(avatar, r"^/avatars/\d+-[A-Za-z0-9]+\.png$")
        code, headers, data = self.server.get(avatar)
        self.assertEqual((code, headers["Content-Type"], data), (200, "image/png", tiny_png()))
        self.assertIn("immutable", headers["Cache-Control"])
        for bad in ("/avatars/..%2F..%2Fcatalog.db", "/avatars/1-a.svg", "/avatars/x.png"):
            self.assertIn(self.server.get(bad)[0], (400, 404), bad)  # an encoded "/" is refused earlier

        # The page's head: filled in, escaped; og:image is the avatar while offline.
        code, headers, html = self.page_html("/c/studio")
        self.assertEqual(code, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        # Framed by our own pages only, like every page but the embed page.
        self.assertEqual(headers.get("X-Frame-Options"), "SAMEORIGIN")
        head = html.split("</head>")[0]
        self.assertNotIn("<script>alert", html)
        self.assertIn(f"<title>{TITLE_ESCAPED} · Tidecast</title>", head)
        self.assertEqual(meta(head, "og:title"), TITLE_ESCAPED)
        self.assertEqual(meta(head, "og:description"),
                         "Synths and tea, &quot;live&quot; &lt;b&gt;weekly&lt;/b&gt;.")
        self.assertEqual(meta(head, "og:image"), self.server.base + avatar)
        code, headers, html = self.page_html("/c/nobody")
        self.assertEqual(code, 404)
        self.assertIn("Not found", html)

    def test_3_channel_page_goes_live_by_itself(self):
        ui = self.ui
        ui.call("context")  # an anonymous visitor
        ui.call("goto", path="/c/studio")
        offline = ui.call("wait_live_state", state="offline", timeout=20)
        self.assertEqual(offline["title"], TITLE, offline)
        self.assertTrue(offline["offline"], offline)
        self.assertIn("Next stream: Fridays at 8 pm", offline["offline_text"])
        self.assertFalse(ui.call("visible", selector='.site nav a[href="/golive.html"]')["visible"])
        self.screenshots({"channel-offline": "/c/studio", "golive-waiting": "/golive.html",
                          "home-admin-empty": "/"}, cookie=self.cookie)

        type(self).publisher = publish(self.server.rtmp_url(self.key), seconds=120, size="640x360", gop_seconds=1,
                                       audio=False)
        playing = ui.call("wait_live_state", state="playing", advance=3, timeout=60)
        self.assertFalse(playing["reloaded"], playing)
        self.assertEqual(playing["live_starts"], 1, playing)
        self.assertEqual(playing["errors"], [], playing)
        _, _, html = self.page_html("/c/studio")
        self.assertEqual(meta(html, "og:image"), f"{self.server.base}/live/studio/thumbnail.jpg")
        self.screenshots({"channel-live": "/c/studio", "watch-live": "/watch.html?channel=studio",
                          "golive-live": "/golive.html", "home-live": "/"}, cookie=self.cookie)

        self.publisher.send_signal(signal.SIGINT)
        self.publisher.wait(30)
        ui.call("wait_live_state", state="offline", timeout=30)
        videos = self.server.wait_for_recordings(timeout=60)
        self.assertEqual(videos[0]["state"], "ready")
        code, _, page = request(self.server, "GET", "/api/v1/videos?channel=studio")
        self.assertEqual([v["id"] for v in page["videos"]], [videos[0]["id"]])
        ui.call("goto", path="/c/studio")
        ui.call("wait_text", selector="#recordings", contains=videos[0]["title"], timeout=20)
        pages = {"channel-recording": "/c/studio", "watch-recording": f"/watch.html?video={videos[0]['id']}",
                 "home-content": "/", "upload": "/upload.html", "manage": "/manage.html"}
        if self.server.get("/embed.html")[0] == 200:
            pages["embed"] = f"/embed.html?video={videos[0]['id']}"
        self.screenshots(pages, cookie=self.cookie)
        errors = [e for e in ui.call("console_errors")["errors"] if not e.startswith("Failed to load resource")]
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
