"""Bad input through the live ladder: mid-stream resolution changes (in-band
SPS: 1280x720 -> 640x360 -> 1280x720), a stretch of corrupted NAL units and
a publisher timestamp jump of +60 s. The transcoder resynchronises (or keeps
scaling into the planned sizes), every rung keeps making decodable segments
at its planned size, and the process stays up."""
# ctest: run alone (the live ladder must encode in real time)
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, decode_errors, ffprobe_json, media_playlist_segments


def part(tmp, name, size, seconds, corrupt=False):
    path = os.path.join(tmp, name + ".h264")
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", f"testsrc2=s={size}:r=30",
           "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-g", "60",
           "-sc_threshold", "0", "-pix_fmt", "yuv420p"]
    if corrupt:
        cmd += ["-bsf:v", "noise=amount=3000"]  # about one byte in 3000 overwritten
    subprocess.run(cmd + ["-f", "h264", path], check=True)
    return path


class BadInput(unittest.TestCase):
    def test_resolution_change_corrupt_nals_and_a_timestamp_jump(self):
        with tempfile.TemporaryDirectory() as tmp:
            parts = [part(tmp, "a", "1280x720", 8), part(tmp, "b", "640x360", 6),
                     part(tmp, "c", "1280x720", 3, corrupt=True), part(tmp, "d", "1280x720", 23)]
            joined = os.path.join(tmp, "joined.h264")
            with open(joined, "wb") as out:
                for p in parts:
                    with open(p, "rb") as f:
                        out.write(f.read())
            source = os.path.join(tmp, "source.flv")
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-fflags", "+genpts", "-f", "h264",
                            "-framerate", "30", "-i", joined, "-c", "copy", "-f", "flv", source], check=True)
            server = Server({"transcode": {"enabled": True, "source_height_rung": True}})  # 720p rung too
            try:
                key = server.create_channel("bad")
                # The jump is made on the way out, so -re paces on the clean input clock.
                pub = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i",
                                        source, "-c", "copy", "-bsf:v", r"setts=ts=TS+if(gte(N\,750)\,60000\,0)",
                                        "-f", "flv", server.rtmp_url(key)])
                server.wait_for("/live/bad/master.m3u8", timeout=30)
                time.sleep(34)  # past every event: 8 s size change, 14 s corruption, 25 s jump
                self.assertIsNone(server.proc.poll(), server.read_log()[-3000:])
                self.assertIsNone(pub.poll(), "the publisher was cut off")
                v0 = media_playlist_segments(server.get("/live/bad/v0/media.m3u8")[2].decode())
                newest = v0[0] + len(v0[1]) - 1
                live = server.get_json("/api/v1/live")[1]["live"][0]
                self.assertEqual([r["name"] for r in live["rungs"]], ["720p", "480p", "360p"])
                for track, size in (("v1", (1280, 720)), ("v2", (854, 480)), ("v3", (640, 360))):
                    with self.subTest(track=track):
                        seq, segs = media_playlist_segments(server.get(f"/live/bad/{track}/media.m3u8")[2].decode())
                        # Still making segments after the jump, close behind the source.
                        self.assertGreaterEqual(seq + len(segs) - 1, newest - 2, (track, seq, len(segs), newest))
                        url = server.url(f"/live/bad/{track}/media.m3u8")
                        code, data, err = ffprobe_json(url, "-show_streams")
                        self.assertEqual(code, 0, err)
                        video = [s for s in data["streams"] if s["codec_type"] == "video"][0]
                        self.assertEqual((video["width"], video["height"]), size)
                        self.assertEqual(decode_errors(url, 4), [])
                log = server.read_log()
                self.assertNotIn("stopped stream=bad", log)  # the ladder did not give up
                # Each kind of bad input is noticed and logged once with the channel name.
                self.assertEqual(log.count("source size changed stream=bad from=1280x720 to=640x360"), 1)
                self.assertEqual(log.count("source timestamp jump stream=bad"), 1)
                self.assertIn("stream=bad", next((l for l in log.splitlines()
                                                  if "corrupt source frame" in l or "decode error" in l), ""))
                pub.kill()
                pub.wait()
            finally:
                server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
