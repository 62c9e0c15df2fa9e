"""SIGTERM during a live stream: the presentation ends cleanly (ENDLIST) and the
recording is a playable video after a restart; kill -9 loses no finished video."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, decode_errors, publish


class Shutdown(unittest.TestCase):
    def test_sigterm_during_live_ends_playlists_and_keeps_the_recording(self):
        server = Server()
        try:
            key = server.create_channel("studio")
            pub = publish(server.rtmp_url(key), seconds=60)
            server.wait_for("/live/studio/master.m3u8")
            time.sleep(5)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            self.assertEqual(server.proc.wait(15), 0)
            self.assertLess(time.monotonic() - started, 5)
            server.stop()
            pub.wait(15)

            server.start()
            videos = server.get_json("/api/v1/videos")[1]["videos"]
            self.assertEqual(len(videos), 1)
            video = videos[0]
            self.assertEqual(video["state"], "ready")
            self.assertGreater(video["duration_ms"], 4000)
            playlist = server.get(f"/vod/{video['id']}/v0/media.m3u8")[2].decode()
            self.assertTrue(playlist.rstrip().endswith("#EXT-X-ENDLIST"))
            self.assertEqual(decode_errors(server.url(video["hls"]), 30), [])
            self.assertEqual(decode_errors(server.url(video["dash"]), 30), [])

            # kill -9 afterwards: the finished video and the catalog survive.
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()
            server.stop()
            server.start()
            again = server.get_json("/api/v1/videos")[1]["videos"]
            self.assertEqual([v["id"] for v in again], [video["id"]])
            self.assertEqual(decode_errors(server.url(video["hls"]), 30), [])
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
