"""The watch page of a channel that is not live, in headless Chromium: it shows
the channel's title and "offline" (never a player error, never the previous
stream), starts playing by itself when the channel goes live, says so when the
stream ends, and plays again without a reload when the channel comes back.
Plus /live/<channel>/... of an offline channel: 404 {"error":{"code":"offline"}}."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, poll, publish
from support.webui import WebUi, create_user

WATCH = "/watch.html?channel=studio"


class WatchOfflineChannel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server({"live": {"segment_seconds": 1, "playlist_segments": 4}})
        create_user(cls.server, "artist", "correct horse battery")
        cls.ui = WebUi(cls.server.base)
        cls.publisher = None

    @classmethod
    def tearDownClass(cls):
        if cls.publisher and cls.publisher.poll() is None:
            cls.publisher.kill()
            cls.publisher.wait()
        cls.ui.close()
        cls.server.close()

    def go_live(self):
        type(self).publisher = publish(self.server.rtmp_url(self.key), seconds=120, size="640x360", gop_seconds=1,
                                       audio=False)

    def stop(self):
        self.publisher.send_signal(signal.SIGINT)  # ffmpeg unpublishes on its way out
        self.publisher.wait(30)

    def assert_offline(self, page):
        self.assertEqual(page["title"], "The Studio", page)
        self.assertTrue(page["offline"], page)
        self.assertIn("The Studio is offline", page["offline_text"], page)
        self.assertIn("offline", page["status"], page)
        self.assertEqual(page["errors"], [], page)
        self.assertEqual(page["time"], 0, page)  # nothing was played

    def test_offline_live_ended_offline_live(self):
        ui = self.ui
        self.assertTrue(ui.call("signin", username="artist", password="correct horse battery")["signed_in"])
        made = ui.call("create_channel", name="studio", title="The Studio")
        type(self).key = made["revealed"]
        ui.call("context")  # a visitor who is not signed in

        # Never live: title + offline, no player error.
        ui.call("goto", path=WATCH)
        self.assert_offline(ui.call("wait_live_state", state="offline", timeout=20))

        # The channel goes live: the open page starts playing by itself.
        self.go_live()
        playing = ui.call("wait_live_state", state="playing", advance=4, timeout=60)
        self.assertFalse(playing["reloaded"], playing)
        self.assertEqual(playing["live_starts"], 1, playing)
        self.assertEqual(playing["errors"], [], playing)

        # It stops: the page says so.
        self.stop()
        ended = ui.call("wait_live_state", state="ended", timeout=30)
        self.assertTrue(ended["ended"], ended)
        self.assertIn("ended", ended["status"], ended)
        offered = ui.call("wait_text", selector="#ended", contains="Watch the recording", timeout=60)
        self.assertIn("Watch the recording", offered["text"])  # its /vod/ recording

        # Opened again later: offline, not the old stream (which /live/ still
        # serves to its players for a few seconds).
        ui.call("goto", path=WATCH)
        page = ui.call("wait_live_state", state="offline", timeout=20)
        self.assert_offline(page)
        time.sleep(3)
        again = ui.call("wait_live_state", state="offline", timeout=5)
        self.assertEqual(again["time"], 0, again)
        self.assertEqual(again["live_starts"], 0, again)

        # Live again: plays without a reload.
        self.go_live()
        playing = ui.call("wait_live_state", state="playing", advance=4, timeout=60)
        self.assertFalse(playing["reloaded"], playing)
        self.assertEqual(playing["live_starts"], 1, playing)
        self.assertEqual(playing["errors"], [], playing)
        # (Failed resource loads are the signed-out visitor's 401s of the page chrome.)
        errors = [e for e in ui.call("console_errors")["errors"] if not e.startswith("Failed to load resource")]
        self.assertEqual(errors, [])
        self.stop()


class LiveOfflineHttp(unittest.TestCase):
    def test_offline_channels_answer_404_json_and_the_recording_stays_under_vod(self):
        server = Server({"live": {"segment_seconds": 1, "playlist_segments": 4}})
        try:
            def offline(path):
                code, headers, body = server.get(path)
                return code, headers.get("Content-Type", ""), json.loads(body or b"{}")

            for path in ("/live/never/master.m3u8", "/live/never/v0/media.m3u8", "/live/never/manifest.mpd",
                         "/live/never/v0/1-0.m4s"):
                code, ctype, body = offline(path)
                self.assertEqual(code, 404, path)
                self.assertTrue(ctype.startswith("application/json"), ctype)
                self.assertEqual(body["error"]["code"], "offline", body)
                self.assertEqual(body["channel"], "never", body)

            key = server.create_channel("studio")
            pub = publish(server.rtmp_url(key), seconds=5, size="320x240", gop_seconds=1, audio=False)
            text = server.wait_for("/live/studio/v0/media.m3u8").decode()
            segment = next(line for line in text.splitlines() if line.endswith(".m4s"))
            self.assertEqual(pub.wait(60), 0)
            videos = server.wait_for_recordings()
            self.assertEqual(videos[0]["state"], "ready")
            # Players that were watching see the end for a few seconds; then the channel is offline.
            code = poll(lambda: server.get("/live/studio/master.m3u8")[0], lambda c: c == 404, timeout=20)
            self.assertEqual(code, 404)
            for path in ("/live/studio/master.m3u8", "/live/studio/v0/media.m3u8", "/live/studio/manifest.mpd",
                         f"/live/studio/v0/{segment}"):
                code, _, body = offline(path)
                self.assertEqual((code, body["error"]["code"]), (404, "offline"), path)
            self.assertEqual(server.get(f"/vod/{videos[0]['id']}/master.m3u8")[0], 200)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
