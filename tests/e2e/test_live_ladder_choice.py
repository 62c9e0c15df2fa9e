"""Per-channel ladder choice (`tidecast channel set-ladder`), read when a publish starts.

- `480p`             -> the master offers the source + 480p only
- `off`              -> the source only, and no transcoder at all (no rungs, no metrics, no ladder log)
- `360p --no-source` -> the master offers 360p only (the source is still made: audio and recording ride on it)
"""
# ctest: run alone (the live ladder must encode in real time)
# ctest: long (the ladder code it drives is in test_live_ladder; the choice itself has unit tests)
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import BIN, Server, decode_errors


def cli(server, *args):
    return subprocess.run([BIN, "--config", server.config_path, *args], capture_output=True, text=True, timeout=30)


class LadderChoice(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.source = os.path.join(cls.tmp.name, "source.flv")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=s=1280x720:r=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "20",
                        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M", "-g", "60", "-keyint_min", "60",
                        "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", cls.source],
                       check=True)
        cls.server = Server({"transcode": {"enabled": True}})

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def publish_and_read_master(self, channel, key, variants):
        pub = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", self.source,
                                "-c", "copy", "-f", "flv", self.server.rtmp_url(key)])
        try:
            self.server.wait_for(f"/live/{channel}/master.m3u8", timeout=30)
            deadline = time.time() + 20
            master = ""
            while time.time() < deadline:
                master = self.server.get(f"/live/{channel}/master.m3u8")[2].decode()
                if master.count("#EXT-X-STREAM-INF") >= variants:
                    break
                time.sleep(0.5)
            time.sleep(3)  # more time: nothing else shows up
            master = self.server.get(f"/live/{channel}/master.m3u8")[2].decode()
            live = [c for c in self.server.get_json("/api/v1/live")[1]["live"] if c["channel"] == channel]
            metrics = self.server.get("/metrics")[2].decode()
            return master, live[0], metrics
        finally:
            pub.kill()
            pub.wait()

    def test_1_cli_validates(self):
        self.server.create_channel("checked")
        bad = cli(self.server, "channel", "set-ladder", "checked", "1080p")
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn('no rung named "1080p" in the configured ladder (configured: 720p, 480p, 360p)', bad.stderr)
        self.assertEqual(cli(self.server, "channel", "set-ladder", "checked", "off", "--no-source").returncode, 2)
        missing = cli(self.server, "channel", "set-ladder", "nobody", "off")
        self.assertEqual(missing.returncode, 1)
        self.assertIn('no channel named "nobody"', missing.stderr)
        ok = cli(self.server, "channel", "set-ladder", "checked", "default")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("ladder: default", ok.stdout)

    def test_2_only_the_chosen_rung(self):
        key = self.server.create_channel("one")
        done = cli(self.server, "channel", "set-ladder", "one", "480p")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn('{"rungs":["480p"]}', done.stdout)
        master, live, _ = self.publish_and_read_master("one", key, 2)
        self.assertEqual(master.count("#EXT-X-STREAM-INF"), 2, master)
        self.assertIn("RESOLUTION=1280x720", master)
        self.assertIn("RESOLUTION=854x480", master)
        self.assertEqual([r["name"] for r in live["rungs"]], ["480p"])

    def test_3_off_means_the_source_only_and_no_transcoder(self):
        key = self.server.create_channel("plain")
        self.assertEqual(cli(self.server, "channel", "set-ladder", "plain", "off").returncode, 0)
        master, live, metrics = self.publish_and_read_master("plain", key, 1)
        self.assertEqual(master.count("#EXT-X-STREAM-INF"), 1, master)
        self.assertIn("v0/media.m3u8", master)
        self.assertEqual(live["rungs"], [])
        self.assertNotIn('tidecast_transcode_speed{channel="plain"', metrics)
        log = self.server.read_log()
        self.assertIn('channel ladder channel=plain choice={"enabled":false}', log)
        self.assertNotIn("ladder stream=plain", log)  # the transcoder was never built

    def test_5_default_lists_no_height_twice(self):
        # A 720p source with the default 720p/480p/360p ladder: the source is the
        # 720p entry; a 720p re-encode beside it would list 720p twice.
        key = self.server.create_channel("plainly")
        master, live, _ = self.publish_and_read_master("plainly", key, 3)
        self.assertEqual(master.count("#EXT-X-STREAM-INF"), 3, master)
        for size in ("1280x720", "854x480", "640x360"):
            self.assertEqual(master.count(f"RESOLUTION={size}"), 1, master)
        self.assertEqual([r["name"] for r in live["rungs"]], ["480p", "360p"])

    def test_4_no_source(self):
        key = self.server.create_channel("small")
        self.assertEqual(cli(self.server, "channel", "set-ladder", "small", "360p", "--no-source").returncode, 0)
        master, live, _ = self.publish_and_read_master("small", key, 1)
        self.assertEqual(master.count("#EXT-X-STREAM-INF"), 1, master)
        self.assertIn("v1/media.m3u8", master)
        self.assertIn("RESOLUTION=640x360", master)
        self.assertNotIn("v0/media.m3u8", master)
        mpd = self.server.get("/live/small/manifest.mpd")[2].decode()
        self.assertNotIn('<Representation id="v0"', mpd)
        self.assertIn('<Representation id="v1"', mpd)


if __name__ == "__main__":
    unittest.main(verbosity=2)
