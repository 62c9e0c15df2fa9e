"""Live thumbnails and recording posters.

Two channels publish a moving test pattern at once: one through the ladder
and one with the ladder off. Pictures are made on demand: while nobody asks,
none is made (the made-pictures metric stays 0, though the listing already
links one); the first request makes it, a second one right after gets the
same picture without another encode. For each channel:
/live/<channel>/thumbnail.jpg is a JPEG (ffprobe: mjpeg, 640 wide),
cacheable for 5 s with an ETag, a new picture (bytes and ETag) after ~6 s,
linked from /api/v1/live with a cache-buster that follows the picture; once
the stream has ended it is the offline 404 JSON again, and the recording has
a poster.jpg (and storyboard), made at its end from its stored keyframes.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import BIN, Server, ffprobe_json, poll

CHANNELS = ("ladder", "plain")


def probe_jpeg(tmp, data, name):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    code, info, err = ffprobe_json(path, "-show_streams")
    assert code == 0, err
    return info["streams"][0]


class LiveThumbnails(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        source = os.path.join(cls.tmp.name, "source.flv")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=s=854x480:r=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "18",
                        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-g", "60", "-keyint_min", "60",
                        "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", source], check=True)
        cls.server = Server({"transcode": {"enabled": True, "rungs": [{"name": "240p", "height": 240,
                                                                        "video_bitrate_kbps": 300}]},
                             "live": {"reconnect_grace_seconds": 1}})
        keys = {name: cls.server.create_channel(name) for name in CHANNELS}
        off = subprocess.run([BIN, "--config", cls.server.config_path, "channel", "set-ladder", "plain", "off"],
                             capture_output=True, text=True, timeout=30)
        assert off.returncode == 0, off.stderr
        cls.publishers = [subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i",
                                            source, "-c", "copy", "-f", "flv", cls.server.rtmp_url(keys[name])])
                          for name in CHANNELS]

    @classmethod
    def tearDownClass(cls):
        for p in cls.publishers:
            p.kill()
            p.wait()
        cls.server.close()
        cls.tmp.cleanup()

    def listed(self):
        return {c["channel"]: c for c in self.server.get_json("/api/v1/live")[1]["live"]}

    def made(self):
        status, _, body = self.server.get("/metrics")
        self.assertEqual(status, 200)
        for line in body.decode().splitlines():
            if line.startswith("tidecast_live_thumbnails_made_total"):
                return int(float(line.split()[-1]))
        self.fail("no tidecast_live_thumbnails_made_total in /metrics")

    def test_0_no_picture_is_made_until_asked(self):
        # Both channels live and linked (the link names the keyframe), nobody looked: nothing made.
        links = poll(lambda: self.listed(), lambda l: all("thumbnail" in l.get(n, {}) for n in CHANNELS), timeout=30)
        for name in CHANNELS:
            self.assertTrue(links[name]["thumbnail"].startswith(f"/live/{name}/thumbnail.jpg?t="), links)
        time.sleep(1)
        self.assertEqual(self.made(), 0)
        # The first request makes one; one right after is the same picture, not another encode.
        etags = set()
        for _ in range(2):
            status, headers, _ = self.server.get("/live/plain/thumbnail.jpg")
            self.assertEqual(status, 200)
            etags.add(headers["ETag"])
        # (Two only if a keyframe 5 s newer came between the two requests.)
        self.assertEqual(self.made(), len(etags))

    def test_1_unknown_channel_is_offline(self):
        status, headers, body = self.server.get("/live/nobody/thumbnail.jpg")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"]["code"], "offline")

    def test_2_thumbnails_change_while_live(self):
        first = {}
        for name in CHANNELS:
            self.server.wait_for(f"/live/{name}/thumbnail.jpg", timeout=30)
            status, headers, body = self.server.get(f"/live/{name}/thumbnail.jpg")
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "image/jpeg")
            self.assertEqual(headers["Cache-Control"], "public, max-age=5")
            self.assertTrue(headers["ETag"].startswith('"'), headers)
            stream = probe_jpeg(self.tmp.name, body, f"{name}-1.jpg")
            self.assertEqual(stream["codec_name"], "mjpeg")
            self.assertEqual((stream["width"], stream["height"]), (640, 360))
            first[name] = (headers["ETag"], body)
            # The listing links it with a cache-buster; that URL is the same picture.
            link = self.listed()[name]["thumbnail"]
            self.assertTrue(link.startswith(f"/live/{name}/thumbnail.jpg?t="), link)
        # The ladder runs on "ladder" (its rungs show once it has segments), not on "plain".
        rungs = poll(lambda: self.listed()["ladder"]["rungs"], lambda r: len(r) == 1, timeout=10)
        self.assertEqual(len(rungs), 1)
        self.assertEqual(self.listed()["plain"]["rungs"], [])
        time.sleep(6)
        for name in CHANNELS:
            later = poll(lambda: self.server.get(f"/live/{name}/thumbnail.jpg"),
                         lambda r: r[0] == 200 and r[1]["ETag"] != first[name][0], timeout=15)
            self.assertEqual(later[0], 200)
            self.assertNotEqual(later[1]["ETag"], first[name][0])
            self.assertNotEqual(later[2], first[name][1])
            self.assertEqual(probe_jpeg(self.tmp.name, later[2], f"{name}-2.jpg")["codec_name"], "mjpeg")
            link = poll(lambda: self.listed()[name]["thumbnail"], lambda l: l.endswith(later[1]["ETag"][1:17]),
                        timeout=10)
            self.assertTrue(link.endswith(later[1]["ETag"][1:17]), link)  # ?t= follows the picture
            status, headers, _ = self.server.get(link, headers={"If-None-Match": later[1]["ETag"]})
            self.assertIn(status, (200, 304))  # 304 unless a newer picture came meanwhile

    def test_3_offline_after_the_end_and_recordings_have_posters(self):
        for p in self.publishers:
            p.wait(timeout=60)
        for name in CHANNELS:
            status, _, body = poll(lambda: self.server.get(f"/live/{name}/thumbnail.jpg"), lambda r: r[0] == 404,
                                   timeout=30)
            self.assertEqual(status, 404)
            self.assertEqual(json.loads(body), {"channel": name, "error": {"code": "offline",
                                                                           "message": f'channel "{name}" is not live'}})
            self.assertNotIn("thumbnail", self.listed().get(name, {}))
        videos = poll(lambda: [v for v in self.server.get_json("/api/v1/videos")[1]["videos"] if v["origin"] == "live"],
                      lambda vs: len(vs) == 2 and all(v["state"] == "ready" for v in vs), timeout=30)
        self.assertEqual(len(videos), 2)
        for v in videos:
            self.assertEqual(v["state"], "ready")
            poster = v["urls"]["poster"]
            status, headers, body = self.server.get(poster)
            self.assertEqual(status, 200)
            stream = probe_jpeg(self.tmp.name, body, f"{v['id']}-poster.jpg")
            self.assertEqual(stream["codec_name"], "mjpeg")
            self.assertEqual(stream["width"], 640)
            status, _, vtt = self.server.get(v["urls"]["storyboard"])
            self.assertEqual(status, 200)
            self.assertTrue(vtt.startswith(b"WEBVTT"), vtt[:40])


if __name__ == "__main__":
    unittest.main()
