"""Stock players at their DEFAULT settings on a page from ANOTHER origin play
Tidecast's streams, as a site that embeds one would run them: live DASH in
dash.js 5, dash.js 4 and Shaka, live HLS in Shaka and hls.js, on-demand DASH in
dash.js 5, dash.js 4 and Shaka.

The page (tests/e2e/browser/foreign/) is served by a small HTTP server of this
test on its own port, never by Tidecast, and loads each library from the
browser harness's node_modules. Nothing is configured but the source URL, so
the players find the clock through the MPD's UTCTiming element and must be
able to fetch it cross-origin. Most streams are reached through a caching
proxy of the embedding site (a CDN or an nginx with its default
`Host: <upstream>`), so Tidecast sees a Host the browser cannot reach: the
MPD must not send players there. Chromium resolves no host name at all, so a
player falling back to an internet time source fails as it would offline.
"Plays" means the playhead advances through well over the first few segments
without freezing, and dash.js 5 keeps refetching the live MPD."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from support.browser import BROWSER_DIR, CHROMIUM, BrowserHarnessError, chromium_available, ensure_installed
from support.tidecast import Server, poll, publish

SEGMENT_SECONDS = 2.0  # the server's default live.segment_seconds
LIVE_SECONDS = 14       # sampled per live player: 7 segments' worth
VOD_SECONDS = 8
# The page may load only these packages' files.
LIBRARY_PACKAGES = ("dashjs", "dashjs4", "shaka-player", "hls.js")


class ForeignSite(http.server.ThreadingHTTPServer):
    """The other origin: foreign/player.html(+.js) and /lib/<package>/... from node_modules."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ForeignSiteHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def page_url(self, player, src):
        query = urllib.parse.urlencode({"player": player, "src": src})
        return f"http://127.0.0.1:{self.server_address[1]}/player.html?{query}"

    def close(self):
        self.shutdown()
        self.server_close()


class ForeignSiteHandler(http.server.BaseHTTPRequestHandler):
    TYPES = {".html": "text/html", ".js": "text/javascript", ".map": "application/json"}

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/player.html", "/player.js"):
            file = BROWSER_DIR / "foreign" / path[1:]
        elif path.startswith("/lib/") and path.split("/")[2] in LIBRARY_PACKAGES and ".." not in path:
            file = BROWSER_DIR / "node_modules" / path[len("/lib/"):]
        else:
            file = None
        if file is None or not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", self.TYPES.get(file.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Cdn(http.server.ThreadingHTTPServer):
    """A pass-through proxy in front of Tidecast that, like nginx's default
    `proxy_set_header Host $proxy_host`, sends its upstream's name as Host."""

    daemon_threads = True
    UPSTREAM_HOST = "tidecast-origin.invalid:8080"

    def __init__(self, upstream_port, only=None):
        super().__init__(("127.0.0.1", 0), CdnHandler)
        self.upstream_port = upstream_port
        self.only = only  # path prefixes passed on (None: all); the rest is 404
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def close(self):
        self.shutdown()
        self.server_close()


class CdnHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}

    def forward(self):
        if self.server.only and not self.path.startswith(self.server.only):
            self.send_error(404)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in self.HOP_BY_HOP | {"host"}}
        headers["Host"] = Cdn.UPSTREAM_HOST
        try:
            upstream.request(self.command, self.path, headers=headers)
            response = upstream.getresponse()
            body = response.read()
        finally:
            upstream.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in self.HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = forward
    do_HEAD = forward

    def log_message(self, *args):
        pass


def play_foreign(page_url, seconds, start_timeout=30):
    command = ["node", str(BROWSER_DIR / "foreign.mjs"), "--url", page_url, "--seconds", str(seconds),
               "--start-timeout", str(start_timeout), "--chromium", CHROMIUM]
    done = subprocess.run(command, cwd=BROWSER_DIR, capture_output=True, text=True,
                          timeout=2 * start_timeout + seconds + 90)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise BrowserHarnessError(f"foreign.mjs gave no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


@unittest.skipUnless(chromium_available(), "needs chromium (make test-deps)")
class ForeignPlayers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_installed()
        cls.server = Server()
        cls.site = ForeignSite()
        cls.cdn = Cdn(cls.server.http_port)
        # One that carries the media only (no /api/v1/time): players fall back
        # to the MPD's own time (UTCTiming direct).
        cls.media_cdn = Cdn(cls.server.http_port, only=("/live/", "/vod/"))
        small = {"size": "640x360", "fps": 25, "gop_seconds": 2}
        # A short stream whose recording is the on-demand test, and the live one.
        cls.recorded = publish(cls.server.rtmp_url(cls.server.create_channel("taped")), seconds=14, **small)
        cls.live = publish(cls.server.rtmp_url(cls.server.create_channel("onair")), seconds=600, **small)
        cls.server.wait_for("/live/onair/manifest.mpd")
        time.sleep(2 * SEGMENT_SECONDS)  # a few segments in the window

    @classmethod
    def tearDownClass(cls):
        for proc in (cls.live, cls.recorded):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        cls.cdn.close()
        cls.media_cdn.close()
        cls.site.close()
        cls.server.close()

    def play(self, player, path, seconds, via="cdn"):
        src = {"cdn": self.cdn, "media_cdn": self.media_cdn, "direct": self.server}[via].url(path)
        report = play_foreign(self.site.page_url(player, src), seconds)
        print(f"{player} {src}: {json.dumps(report)}", flush=True)
        return report

    def check_plays(self, report, seconds, may_fail=()):
        self.assertIsNone(report["harness_error"], report)
        self.assertEqual(report["errors"], [], report)
        self.assertTrue(report["started"], report)
        self.assertEqual([r for r in report["failed_requests"] if r.split()[-1] not in may_fail], [], report)
        # Well past the first few segments, and never standing still for long.
        self.assertGreaterEqual(report["advanced"], seconds - 2 * SEGMENT_SECONDS, report)
        self.assertLess(report["longest_freeze"], 2 * SEGMENT_SECONDS, report)

    def check_live_dash_js(self, report, may_fail=(), max_offset_ms=1000):
        self.check_plays(report, LIVE_SECONDS, may_fail)
        # The clock came from the MPD's UTCTiming (same machine: no real offset).
        self.assertGreaterEqual(report["time_requests"], 1, report)
        if report["clock_offset_ms"] is not None:
            self.assertLess(abs(report["clock_offset_ms"]), max_offset_ms, report)

    def check_live_dash_js5(self, report):
        self.check_live_dash_js(report)
        # minimumUpdatePeriod is one segment: the MPD is fetched again and again.
        self.assertGreaterEqual(report["manifest_requests"], 1 + LIVE_SECONDS / SEGMENT_SECONDS / 2, report)

    def test_1_live_dash_in_dashjs5_through_a_cdn(self):
        self.check_live_dash_js5(self.play("dashjs5", "/live/onair/manifest.mpd", LIVE_SECONDS))

    def test_2_live_dash_in_dashjs4_through_a_media_only_cdn(self):
        report = self.play("dashjs4", "/live/onair/manifest.mpd", LIVE_SECONDS, via="media_cdn")
        # The clock request fails (a 404 without CORS headers); the MPD's own
        # time is as old as the MPD when dash.js reads it, so less precise.
        self.check_live_dash_js(report, may_fail=(self.media_cdn.url("/api/v1/time"),), max_offset_ms=3000)

    def test_3_live_dash_in_dashjs5_direct(self):
        self.check_live_dash_js5(self.play("dashjs5", "/live/onair/manifest.mpd", LIVE_SECONDS, via="direct"))

    def test_4_live_dash_in_shaka(self):
        self.check_plays(self.play("shaka", "/live/onair/manifest.mpd", LIVE_SECONDS), LIVE_SECONDS)

    def test_5_live_hls_in_shaka(self):
        self.check_plays(self.play("shaka", "/live/onair/master.m3u8", LIVE_SECONDS), LIVE_SECONDS)

    def test_6_live_hls_in_hlsjs(self):
        self.check_plays(self.play("hlsjs", "/live/onair/master.m3u8", LIVE_SECONDS), LIVE_SECONDS)

    def test_7_recording_dash(self):
        self.assertEqual(self.recorded.wait(120), 0)
        # The short stream's recording turns ready once its reconnect grace is over.
        videos = poll(lambda: [v for v in self.server.get_json("/api/v1/videos")[1]["videos"]
                               if v["origin"] == "live" and v["state"] == "ready"], bool, timeout=60)
        self.assertTrue(videos, "no ready recording")
        for player in ("dashjs5", "dashjs4", "shaka"):
            with self.subTest(player=player):
                self.check_plays(self.play(player, f"/vod/{videos[0]['id']}/manifest.mpd", VOD_SECONDS), VOD_SECONDS)


if __name__ == "__main__":
    unittest.main(verbosity=2)
