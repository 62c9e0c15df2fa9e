"""Overload: a ladder the CPU pool cannot encode in real time sheds its most
expensive rung; playback never stops and memory stays bounded."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, decode_errors


class Overload(unittest.TestCase):
    def test_a_rung_is_shed_and_playback_goes_on(self):
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "source.flv")
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                            "testsrc2=s=1280x720:r=30,noise=alls=20:allf=t", "-f", "lavfi", "-i",
                            "sine=sample_rate=48000", "-t", "60", "-c:v", "libx264", "-preset", "ultrafast",
                            "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                            "-c:a", "aac", "-f", "flv", source], check=True)
            # One CPU thread and slow presets: real time is impossible.
            heavy = [{"name": "720p", "height": 720, "video_bitrate_kbps": 3000, "preset": "slow"},
                     {"name": "480p", "height": 480, "video_bitrate_kbps": 1200, "preset": "medium"},
                     {"name": "360p", "height": 360, "video_bitrate_kbps": 700, "preset": "veryfast"}]
            # source_height_rung: the 720p re-encode of the 720p source too (the load this test needs).
            server = Server({"transcode": {"enabled": True, "rungs": heavy, "shed_queue_seconds": 2.0,
                                           "source_height_rung": True},
                             "threads": {"cpu": 1}})
            try:
                key = server.create_channel("hot")
                pub = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i",
                                        source, "-c", "copy", "-f", "flv", server.rtmp_url(key)])
                server.wait_for("/live/hot/master.m3u8", timeout=30)
                deadline = time.time() + 40
                shed = []
                while time.time() < deadline and not shed:
                    live = server.get_json("/api/v1/live")[1]["live"]
                    shed = [r["name"] for r in (live[0]["rungs"] if live else []) if r["shed_count"] > 0]
                    time.sleep(0.5)
                self.assertEqual(shed[:1], ["720p"], "the most expensive rung goes first")
                self.assertIn("shedding rung=720p", server.read_log())
                # The passthrough keeps playing, manifests stay valid.
                self.assertEqual(decode_errors(server.url("/live/hot/v0/media.m3u8"), 4), [])
                self.assertEqual(server.get("/live/hot/manifest.mpd")[0], 200)
                metrics = server.get("/metrics")[2].decode()
                rss = float(next(l.split()[1] for l in metrics.splitlines()
                                 if l.startswith("process_resident_memory_bytes ")))
                self.assertLess(rss, 1.5 * 1024 ** 3)
                self.assertIn('tidecast_transcode_shed_total{channel="hot",rung="720p"}', metrics)
                self.assertIsNone(server.proc.poll())
                pub.kill()
                pub.wait()
            finally:
                server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
