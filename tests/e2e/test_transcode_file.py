"""File mode: `tidecast transcode INPUT OUTDIR` builds the ladder and packages it.

A 10-s 1280x720 30 fps H.264/AAC file with real entropy (mandelbrot + temporal
noise, 1-s GOPs) goes through a ladder with a rung above the source (skipped)
and three below; ffprobe then checks every rung: resolution, clean decode,
segment n of every rung starting with an IDR at the same PTS as segment n of
the passthrough, average bitrate within 15 % of target and no 2-s window above
maxrate x 1.1.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import BIN, ffprobe_json  # noqa: E402

FPS = 30
SECONDS = 10
RUNGS = [  # name, height, expected width, kbps, maxrate kbps
    ("1080p", 1080, None, 5000, 5350),
    ("720p", 720, 1280, 2500, 2675),
    ("480p", 480, 854, 1200, 1284),
    ("360p", 360, 640, 700, 749),
]


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def write_config(directory, rungs, **transcode):
    config = {"transcode": {"rungs": [
        {"name": name, "height": height, "video_bitrate_kbps": kbps, "maxrate_kbps": maxrate,
         "bufsize_kbps": kbps * 3 // 2, "preset": "veryfast", "profile": "main" if height < 720 else "high"}
        for name, height, _, kbps, maxrate in rungs], **transcode}, "threads": {"cpu": 2}}
    path = os.path.join(directory, "tidecast.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def run_transcode(config, source, out):
    proc = subprocess.run([BIN, "--config", config, "transcode", source, out], capture_output=True, timeout=300)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def segments(out, track):
    files = glob.glob(os.path.join(out, track, "0-*.m4s"))
    return sorted(files, key=lambda p: int(re.search(r"0-(\d+)\.m4s$", p).group(1)))


def whole_track(out, track, directory):
    """init + every segment of a track as one fragmented MP4 file."""
    path = os.path.join(directory, f"whole-{track}.mp4")
    with open(path, "wb") as f:
        f.write(read(os.path.join(out, track, "init-0.mp4")))
        for segment in segments(out, track):
            f.write(read(segment))
    return path


def first_packet(out, track, segment, directory):
    path = os.path.join(directory, "probe.mp4")
    with open(path, "wb") as f:
        f.write(read(os.path.join(out, track, "init-0.mp4")) + read(segment))
    code, data, err = ffprobe_json(path, "-show_packets", "-read_intervals", "%+#1")
    assert code == 0, err
    return data["packets"][0]


class LadderFile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tidecast-transcode-")
        cls.dir = cls.tmp.name
        cls.source = os.path.join(cls.dir, "source.mp4")
        subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", f"mandelbrot=s=1280x720:r={FPS}:maxiter=500,noise=alls=8:allf=t",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                        "-t", str(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-b:v", "6M",
                        "-g", str(FPS), "-keyint_min", str(FPS), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "128k", cls.source], check=True, timeout=300)
        cls.out = os.path.join(cls.dir, "out")
        config = write_config(cls.dir, RUNGS, source_height_rung=True)  # the 720p rung beside the 720p source too
        cls.code, cls.stdout, cls.stderr = run_transcode(config, cls.source, cls.out)
        cls.rungs = {f"v{i}": rung for i, rung in enumerate([r for r in RUNGS if r[1] <= 720], start=1)}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_summary_line(self):
        self.assertEqual(self.code, 0, self.stderr)
        m = re.search(r"transcode: frames=(\d+) media_seconds=([\d.]+) .* speed=([\d.]+)x", self.stdout)
        self.assertTrue(m, self.stdout)
        self.assertEqual(int(m.group(1)), FPS * SECONDS)
        self.assertAlmostEqual(float(m.group(2)), SECONDS, delta=0.1)

    def test_master_lists_passthrough_and_fitting_rungs(self):
        master = read(os.path.join(self.out, "master.m3u8"), "r")
        variants = re.findall(r"RESOLUTION=(\d+x\d+).*\n(v\d)/media.m3u8", master)
        # Smallest first: players without a bandwidth estimate start on the first variant.
        self.assertEqual(variants, [("640x360", "v3"), ("854x480", "v2"), ("1280x720", "v1"), ("1280x720", "v0")])
        self.assertIn('CODECS="avc1.64001f,mp4a.40.2"', master)  # 720p High@3.1 from the real SPS
        self.assertIn("avc1.4d401f", master)  # 480p Main@3.1
        self.assertIn("avc1.4d401e", master)  # 360p Main@3.0
        mpd = read(os.path.join(self.out, "manifest.mpd"), "r")
        self.assertEqual(mpd.count("<Representation id=\"v"), 4)
        self.assertIn('type="static"', mpd)

    def test_rungs_decode_cleanly_at_their_size(self):
        for track, (name, _, width, _, _) in self.rungs.items():
            with self.subTest(rung=name):
                path = whole_track(self.out, track, self.dir)
                code, data, err = ffprobe_json(path, "-show_streams", "-count_frames")
                self.assertEqual(code, 0, err)
                stream = data["streams"][0]
                height = next(r[1] for r in RUNGS if r[0] == name)
                self.assertEqual((stream["width"], stream["height"]), (width, height))
                self.assertEqual(int(stream["nb_read_frames"]), FPS * SECONDS)
                errors = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path, "-f", "null",
                                         "-"], capture_output=True, timeout=120).stderr.decode().strip()
                self.assertEqual(errors, "")

    def test_segments_start_with_idrs_at_the_same_pts_in_every_rung(self):
        reference = [first_packet(self.out, "v0", s, self.dir) for s in segments(self.out, "v0")]
        self.assertEqual(len(reference), SECONDS // 2)
        for track in self.rungs:
            with self.subTest(track=track):
                packets = [first_packet(self.out, track, s, self.dir) for s in segments(self.out, track)]
                self.assertEqual(len(packets), len(reference))
                for n, (ours, theirs) in enumerate(zip(packets, reference)):
                    self.assertIn("K", ours["flags"], f"segment {n}")
                    self.assertLessEqual(abs(int(ours["pts"]) - int(theirs["pts"])), 90, f"segment {n}")  # 1 ms

    def test_bitrates_stay_on_target_and_under_maxrate(self):
        for track, (name, _, _, kbps, maxrate) in self.rungs.items():
            with self.subTest(rung=name):
                code, data, err = ffprobe_json(whole_track(self.out, track, self.dir), "-show_packets")
                self.assertEqual(code, 0, err)
                packets = [(float(p["dts_time"]), int(p["size"])) for p in data["packets"]]
                end = packets[-1][0] + 1 / FPS
                average = sum(size for _, size in packets) * 8 / (end - packets[0][0]) / 1000
                self.assertLess(abs(average - kbps) / kbps, 0.15, f"average {average:.0f} kbps")
                peak = 0
                for i, (start, _) in enumerate(packets):
                    if start + 2.0 > end + 1e-6:
                        break
                    peak = max(peak, sum(size for t, size in packets[i:] if t < start + 2.0) * 8 / 2.0 / 1000)
                self.assertLessEqual(peak, maxrate * 1.1, f"2-s peak {peak:.0f} kbps")


class OtherCodecs(unittest.TestCase):
    def test_hevc_with_mp3_gets_rungs_only_and_aac_audio(self):
        with tempfile.TemporaryDirectory(prefix="tidecast-transcode-") as tmp:
            source = os.path.join(tmp, "source.mkv")
            subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25", "-f", "lavfi", "-i", "sine=sample_rate=44100",
                            "-t", "3", "-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p",
                            "-c:a", "libmp3lame", source], check=True, timeout=120)
            out = os.path.join(tmp, "out")
            config = write_config(tmp, [("180p", 180, None, 300, 321), ("720p", 720, None, 2500, 2675)])
            code, stdout, stderr = run_transcode(config, source, out)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(sorted(os.listdir(out)), ["a0", "manifest.mpd", "master.m3u8", "v1"])
            master = read(os.path.join(out, "master.m3u8"), "r")
            self.assertIn("RESOLUTION=240x180", master)
            self.assertIn("mp4a.40.2", master)
            code, data, err = ffprobe_json(whole_track(out, "a0", tmp), "-show_streams")
            self.assertEqual(code, 0, err)
            self.assertEqual(data["streams"][0]["codec_name"], "aac")

    def test_unreadable_input_fails_with_context(self):
        with tempfile.TemporaryDirectory(prefix="tidecast-transcode-") as tmp:
            bogus = os.path.join(tmp, "bogus.mp4")
            with open(bogus, "wb") as f:
                f.write(b"not a video at all" * 100)
            code, _, stderr = run_transcode(write_config(tmp, RUNGS), bogus, os.path.join(tmp, "out"))
            self.assertEqual(code, 1)
            self.assertIn("transcode open", stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
