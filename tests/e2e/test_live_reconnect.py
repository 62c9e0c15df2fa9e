"""A publisher that drops and comes back within the grace period continues the
same live session: one recording, with a discontinuity (HLS) / a new Period (DASH)."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, decode_errors, ffprobe_json, publish


class Reconnect(unittest.TestCase):
    def test_reconnect_within_grace_yields_one_recording_with_a_discontinuity(self):
        server = Server({"live": {"reconnect_grace_seconds": 10}})
        try:
            key = server.create_channel("studio")
            first = publish(server.rtmp_url(key), seconds=60, gop_seconds=2)
            server.wait_for("/live/studio/master.m3u8")
            time.sleep(5)
            first.send_signal(signal.SIGKILL)  # the connection drops without an unpublish
            first.wait()
            time.sleep(2)
            self.assertEqual(server.get("/live/studio/master.m3u8")[0], 200)  # still serving during grace
            second = publish(server.rtmp_url(key), seconds=8, gop_seconds=2)
            self.assertEqual(second.wait(60), 0)

            videos = server.wait_for_recordings()
            self.assertEqual(len(videos), 1, videos)
            video = videos[0]
            self.assertEqual(video["state"], "ready")
            self.assertIn("publisher reconnected", server.read_log())

            playlist = server.get(f"/vod/{video['id']}/v0/media.m3u8")[2].decode()
            self.assertEqual(playlist.count("#EXT-X-DISCONTINUITY\n"), 1)
            self.assertEqual(playlist.count("#EXT-X-MAP"), 2)
            mpd = server.get(f"/vod/{video['id']}/manifest.mpd")[2].decode()
            self.assertEqual(mpd.count("<Period"), 2)
            code, data, err = ffprobe_json(server.url(video["hls"]), "-show_format")
            self.assertEqual(code, 0, err)
            self.assertGreater(float(data["format"]["duration"]), 11)
            # Each rendition decodes cleanly across the discontinuity (timestamps continue).
            # (FFmpeg 5.1's HLS demuxer mis-interleaves separate audio/video playlists
            # across a discontinuity, so the renditions are decoded one at a time.)
            for track in ("v0", "a0"):
                self.assertEqual(decode_errors(server.url(f"/vod/{video['id']}/{track}/media.m3u8"), 30), [])
        finally:
            server.close()

    def test_no_reconnect_ends_the_session_after_the_grace_period(self):
        server = Server({"live": {"reconnect_grace_seconds": 2}})
        try:
            key = server.create_channel("studio")
            pub = publish(server.rtmp_url(key), seconds=60, gop_seconds=1)
            server.wait_for("/live/studio/master.m3u8")
            time.sleep(3)
            pub.send_signal(signal.SIGKILL)
            pub.wait()
            deadline = time.time() + 10
            while time.time() < deadline:
                text = server.get("/live/studio/v0/media.m3u8")[2].decode()
                if "#EXT-X-ENDLIST" in text:
                    break
                time.sleep(0.2)
            self.assertIn("#EXT-X-ENDLIST", text)
            self.assertIn("no reconnect within grace", server.read_log())
            self.assertEqual(server.get_json("/api/v1/live")[1]["live"], [])
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
