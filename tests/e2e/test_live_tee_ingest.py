"""FFmpeg's tee muxer without +global_header sends an empty AVC sequence
header, then Annex B frames with the SPS/PPS in band. nginx-rtmp takes that
stream; Tidecast used to close the session ("invalid h264 configuration:
avcC: truncated header"). Now the unusable header is ignored (one log line),
the configuration comes from the first keyframe, and the stream goes live."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, decode_errors, ffprobe_json


def tee_publish(port, key, seconds):
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
         "testsrc2=s=640x360:r=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30", "-c:a", "aac",
         "-map", "0:v", "-map", "1:a", "-f", "tee", f"[f=flv]rtmp://127.0.0.1:{port}/live/{key}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class TeeIngest(unittest.TestCase):
    def test_tee_muxer_without_global_header_goes_live(self):
        server = Server({"live": {"segment_seconds": 1}})
        pub = None
        try:
            key = server.create_channel("tee")
            pub = tee_publish(server.rtmp_port, key, 12)
            server.wait_for("/live/tee/master.m3u8", timeout=30)
            time.sleep(3)
            self.assertIsNone(pub.poll(), pub.stderr.read().decode() if pub.poll() is not None else "")
            code, data, err = ffprobe_json(server.url("/live/tee/master.m3u8"), "-show_streams")
            self.assertEqual(code, 0, err)
            video = [s for s in data["streams"] if s["codec_type"] == "video"]
            self.assertTrue(video, data)
            self.assertEqual((video[0]["width"], video[0]["height"]), (640, 360))
            self.assertTrue(any(s["codec_type"] == "audio" for s in data["streams"]), data)
            self.assertEqual(decode_errors(server.url("/live/tee/v0/media.m3u8"), 2), [])
            log = server.read_log()
            self.assertEqual(log.count("ignoring an unusable h264 sequence header"), 1, log[-3000:])
            self.assertNotIn("invalid h264 configuration", log)
            self.assertEqual(pub.wait(60), 0, pub.stderr.read().decode())
        finally:
            if pub and pub.poll() is None:
                pub.kill()
                pub.wait()
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
