"""Real-world upload formats end to end: files as phones and laptops make them,
uploaded over the API, converted by the job queue, then checked with ffprobe
and played in headless Chromium.

- H.264/AAC MP4, VP9/Opus WebM (odd size), HEVC MKV: converted, HLS + DASH decode
- the odd-sized source (321x241): every video rendition's encoded pictures (ffprobe of the
  served media, and download.mp4) are even-sized, in the source's shape
- a portrait phone clip (320x240 stored, display matrix rotate=90) -> portrait rungs
- audio-only M4A -> only an audio rendition, no poster/storyboard
- variable frame rate -> constant frame rate output
- 10-bit H.264 -> 8-bit yuv420p
- two audio tracks (both flagged default, the second "better") -> the first one
- every video: download.mp4 is faststart (moov before mdat) and playable,
  poster.jpg decodes, storyboard.vtt cues point inside storyboard.jpg
- the H.264 upload plays in Chromium through hls.js and dash.js
"""
# ctest: run alone (Chromium plays while conversions run; a second test on the two cores starves both)
# ctest: long (conversion paths are in test_transcode_file and test_uploads; this adds formats and Chromium)
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import (Server, _request, create_token, decode_errors, ffprobe_json, upload_plain,  # noqa: E402
                              wait_video)
from support import browser  # noqa: E402

CONFIG = {
    "transcode": {"rungs": [{"name": "240p", "height": 240, "video_bitrate_kbps": 300, "preset": "ultrafast"}]},
    "jobs": {"workers": 1, "retry_delay_seconds": 1, "threads": 2},
    "threads": {"cpu": 2},
}
SECONDS = 5


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True, timeout=300)


def lavfi_video(size="320x240", rate=25):
    return ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}"]


def lavfi_audio(freq=440, layout="stereo"):
    return ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000,aformat=channel_layouts={layout}"]


def make_media(d):
    files = {}
    t = ["-t", str(SECONDS)]
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"]
    files["h264"] = os.path.join(d, "h264.mp4")
    ffmpeg(*lavfi_video(), *lavfi_audio(), *t, *x264, "-pix_fmt", "yuv420p", "-c:a", "aac", files["h264"])
    files["vp9"] = os.path.join(d, "vp9.webm")
    ffmpeg(*lavfi_video("321x241"), *lavfi_audio(), *t, "-c:v", "libvpx-vp9", "-deadline", "realtime",
           "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus", files["vp9"])
    files["hevc"] = os.path.join(d, "hevc.mkv")
    ffmpeg(*lavfi_video(), *lavfi_audio(), *t, "-c:v", "libx265", "-preset", "ultrafast",
           "-x265-params", "log-level=error", "-c:a", "aac", files["hevc"])
    plain = os.path.join(d, "plain.mp4")
    ffmpeg(*lavfi_video(), *lavfi_audio(), *t, *x264, "-pix_fmt", "yuv420p", "-c:a", "aac", plain)
    files["portrait"] = os.path.join(d, "portrait.mp4")
    ffmpeg("-i", plain, "-c", "copy", "-metadata:s:v", "rotate=90", files["portrait"])
    files["audio"] = os.path.join(d, "audio.m4a")
    ffmpeg(*lavfi_audio(330), *t, "-c:a", "aac", files["audio"])
    files["vfr"] = os.path.join(d, "vfr.mp4")  # every third frame missing: gaps of 1/30 and 2/30 s
    ffmpeg(*lavfi_video(rate=30), *t, "-vf", "select='mod(n,3)'", "-fps_mode", "vfr", *x264,
           "-pix_fmt", "yuv420p", files["vfr"])
    files["10bit"] = os.path.join(d, "10bit.mkv")
    ffmpeg(*lavfi_video(), *lavfi_audio(), *t, *x264, "-pix_fmt", "yuv420p10le", "-c:a", "aac", files["10bit"])
    files["two_audio"] = os.path.join(d, "two_audio.mp4")
    ffmpeg(*lavfi_video(), *lavfi_audio(440, "mono"), *lavfi_audio(880, "stereo"), *t, "-map", "0:v", "-map", "1:a",
           "-map", "2:a", *x264, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a:0", "48k", "-b:a:1", "192k",
           "-disposition:a:0", "default", "-disposition:a:1", "default", files["two_audio"])
    return files


def top_level_boxes(data):
    boxes, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        at += size
    return boxes


class UploadFormats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media_dir = tempfile.TemporaryDirectory(prefix="tidecast-formats-")
        cls.files = make_media(cls.media_dir.name)
        cls.server = Server(CONFIG)
        token = create_token(cls.server)
        ids = {}
        for name, path in cls.files.items():
            status, body = upload_plain(cls.server, token, path, title=name)
            assert status == 201, body
            ids[name] = body["id"]
        cls.videos = {name: wait_video(cls.server, vid) for name, vid in ids.items()}

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.media_dir.cleanup()

    def ready(self, name):
        v = self.videos[name]
        self.assertEqual(v["state"], "ready", v)
        return v

    def get(self, path):
        status, headers, body = _request(self.server, "GET", path)
        self.assertEqual(status, 200, path)
        return headers, body

    def probe_streams(self, url):
        code, data, err = ffprobe_json(url, "-show_streams")
        self.assertEqual(code, 0, err)
        return data["streams"]

    def local(self, name, body, suffix):
        path = os.path.join(self.media_dir.name, f"{name}{suffix}")
        with open(path, "wb") as f:
            f.write(body)
        return path

    def test_1_every_upload_converts_and_hls_and_dash_decode(self):
        for name in self.files:
            with self.subTest(upload=name):
                v = self.ready(name)
                for path in (v["hls"], v["dash"]):
                    kinds = sorted({s["codec_type"] for s in self.probe_streams(self.server.url(path))})
                    self.assertEqual(kinds, ["audio"] if name == "audio" else
                                     ["video"] if name == "vfr" else ["audio", "video"], path)
                    self.assertEqual(decode_errors(self.server.url(path), 2), [], path)

    def test_2_rotated_phone_clip_comes_out_portrait(self):
        code, data, err = ffprobe_json(self.files["portrait"], "-show_streams", "-select_streams", "v")
        self.assertEqual(code, 0, err)
        rotations = [sd.get("rotation") for sd in data["streams"][0].get("side_data_list", [])]
        self.assertTrue({90, -90} & set(rotations), f"the test file must carry a display matrix: {rotations}")
        v = self.ready("portrait")
        self.assertGreater(v["height"], v["width"])
        self.assertEqual((v["width"], v["height"]), (240, 320))
        for s in self.probe_streams(self.server.url(v["hls"])):
            if s["codec_type"] == "video":
                self.assertGreater(s["height"], s["width"], s)

    def test_3_audio_only_has_only_an_audio_rendition(self):
        v = self.ready("audio")
        self.assertEqual([r["kind"] for r in v["renditions"]], ["audio"])
        self.assertEqual([r["name"] for r in v["renditions"]], ["a0"])
        _, mpd = self.get(f"/vod/{v['id']}/manifest.mpd")
        self.assertNotIn(b'contentType="video"', mpd)
        for missing in ("poster.jpg", "storyboard.vtt", "storyboard.jpg"):
            status, _, _ = _request(self.server, "GET", f"/vod/{v['id']}/{missing}")
            self.assertEqual(status, 404, missing)

    def test_4_variable_frame_rate_becomes_constant(self):
        v = self.ready("vfr")
        _, body = self.get(f"/vod/{v['id']}/download.mp4")
        path = self.local("vfr-download", body, ".mp4")
        code, data, err = ffprobe_json(path, "-show_packets", "-select_streams", "v")
        self.assertEqual(code, 0, err)
        times = sorted(float(p["pts_time"]) for p in data["packets"])
        steps = {round(b - a, 3) for a, b in zip(times, times[1:])}
        self.assertEqual(len(steps), 1, f"uneven frame steps {steps}")
        self.assertAlmostEqual(steps.pop(), 1 / 20, places=2)  # the source's average rate

    def test_5_ten_bit_becomes_8_bit_420(self):
        v = self.ready("10bit")
        video = [s for s in self.probe_streams(self.server.url(v["hls"])) if s["codec_type"] == "video"]
        self.assertTrue(video)
        self.assertEqual({s["pix_fmt"] for s in video}, {"yuv420p"})

    def test_6_two_audio_tracks_keep_the_first(self):
        v = self.ready("two_audio")
        audio = [s for s in self.probe_streams(self.server.url(v["dash"])) if s["codec_type"] == "audio"]
        self.assertEqual([s["channels"] for s in audio], [1])

    def test_7_odd_sizes_become_even(self):
        # The VP9 source is 321x241; H.264 4:2:0 needs even sizes. What counts is
        # the encoded pictures, so every video rendition's served media is probed
        # (not only the catalog's numbers), and the top one again in download.mp4.
        v = self.ready("vp9")
        video = [r for r in v["renditions"] if r["kind"] == "video"]
        self.assertGreaterEqual(len(video), 1, v["renditions"])
        base = v["hls"].rsplit("/", 1)[0]
        probed = []
        for r in video:
            with self.subTest(rendition=r["name"]):
                streams = self.probe_streams(self.server.url(f"{base}/{r['name']}/media.m3u8"))
                pictures = [s for s in streams if s["codec_type"] == "video"]
                self.assertEqual(len(pictures), 1, streams)
                size = (pictures[0]["width"], pictures[0]["height"])
                probed.append(size)
                self.check_even_size(size, (321, 241))
                self.assertEqual(size, (r["width"], r["height"]), "the catalog names the encoded size")
        _, body = self.get(f"/vod/{v['id']}/download.mp4")
        code, data, err = ffprobe_json(self.local("vp9-download", body, ".mp4"), "-show_streams",
                                       "-select_streams", "v")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(data["streams"]), 1, data)
        size = (data["streams"][0]["width"], data["streams"][0]["height"])
        self.check_even_size(size, (321, 241))
        self.assertEqual(size, max(probed, key=lambda wh: wh[0] * wh[1]), "download.mp4 holds the top rendition")

    def check_even_size(self, size, source):
        width, height = size
        self.assertGreater(width, 0)
        self.assertGreater(height, 0)
        self.assertEqual((width % 2, height % 2), (0, 0), f"odd encoded size {size}")
        # Evened, not distorted: the shape of the source within 2 %.
        self.assertAlmostEqual(width / height, source[0] / source[1], delta=0.02 * source[0] / source[1])

    def test_8_download_is_faststart_and_plays(self):
        for name in self.files:
            with self.subTest(upload=name):
                v = self.ready(name)
                headers, body = self.get(f"/vod/{v['id']}/download.mp4")
                self.assertEqual(headers["content-type"], "video/mp4")
                boxes = top_level_boxes(body)
                self.assertIn("moov", boxes)
                self.assertLess(boxes.index("moov"), boxes.index("mdat"), boxes)
                path = self.local(name, body, ".mp4")
                kinds = sorted(s["codec_type"] for s in ffprobe_json(path, "-show_streams")[1]["streams"])
                self.assertEqual(kinds, ["audio"] if name == "audio" else
                                 ["video"] if name == "vfr" else ["audio", "video"])
                self.assertEqual(decode_errors(path, SECONDS), [])

    def test_9_poster_and_storyboard(self):
        for name in self.files:
            if name == "audio":
                continue
            with self.subTest(upload=name):
                v = self.ready(name)
                _, poster = self.get(f"/vod/{v['id']}/poster.jpg")
                streams = ffprobe_json(self.local(name + "-poster", poster, ".jpg"), "-show_streams")[1]["streams"]
                self.assertEqual(streams[0]["codec_name"], "mjpeg")
                self.assertEqual((streams[0]["width"], streams[0]["height"]),
                                 (v["width"], v["height"]))  # top rendition, under 1280 wide
                _, sprite = self.get(f"/vod/{v['id']}/storyboard.jpg")
                s = ffprobe_json(self.local(name + "-sprite", sprite, ".jpg"), "-show_streams")[1]["streams"][0]
                headers, vtt = self.get(f"/vod/{v['id']}/storyboard.vtt")
                self.assertTrue(headers["content-type"].startswith("text/vtt"))
                self.check_vtt(vtt.decode(), s["width"], s["height"])

    def check_vtt(self, text, sprite_width, sprite_height):
        self.assertTrue(text.startswith("WEBVTT"))
        cues = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)\n"
                          r"storyboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)", text)
        self.assertGreaterEqual(len(cues), SECONDS - 1, text)
        self.assertLessEqual(len(cues), 100)
        last_end = 0
        for cue in cues:
            n = [int(x) for x in cue]
            start = n[0] * 3600 + n[1] * 60 + n[2] + n[3] / 1000
            end = n[4] * 3600 + n[5] * 60 + n[6] + n[7] / 1000
            x, y, w, h = n[8:]
            self.assertAlmostEqual(start, last_end, places=3)
            self.assertGreater(end, start)
            self.assertLessEqual(x + w, sprite_width)
            self.assertLessEqual(y + h, sprite_height)
            self.assertEqual(w, 160)
            last_end = end

    @unittest.skipUnless(browser.chromium_available(), "no Chromium for the browser harness")
    def test_10_plays_in_chromium_with_hls_js_and_dash_js(self):
        # The five kinds the issue names: H.264/AAC MP4, VP9/Opus WebM, HEVC MKV,
        # the rotated phone clip and the audio-only file.
        for name in ("h264", "vp9", "hevc", "portrait", "audio"):
            v = self.ready(name)
            for engine in ("hls", "dash"):
                with self.subTest(video=name, engine=engine):
                    report = browser.play(self.server.url(f"/watch.html?video={v['id']}&engine={engine}"), seconds=4)
                    self.assertTrue(report["started"], report)
                    self.assertGreaterEqual(report["advanced"], 3.0, report)
                    self.assertEqual(report["errors"], [], report)


if __name__ == "__main__":
    unittest.main(verbosity=2)
