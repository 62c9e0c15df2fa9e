"""Fault: the disk fills during a live stream. data_dir is a 30 MB tmpfs
(mounted by the test: needs root, as CI runs); a filler file leaves a few MB,
then a publisher runs until writes fail. The stream must keep playing from
memory (the live playlist keeps growing and probes), the write error must be
logged once (not once per segment), recording must resume once the filler is
deleted, the finished video must be ready with the lost segments marked as
gaps (HLS EXT-X-GAP, DASH Periods split around them) and every other
segment on disk and decodable, and after the stream ends the catalog passes
`PRAGMA integrity_check` and the server still answers."""
# ctest: run alone (Chromium plays the recording through its gap; starved beside other browser tests it would time out)
# ctest: long (a minute of filling a small disk; Chromium plays the result)
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support import browser  # noqa: E402
from support.tidecast import Server, ffprobe_json, media_playlist_segments, publish


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def recorded_segments(videos_dir):
    out = set()
    for root, _, files in os.walk(videos_dir):
        out.update(os.path.join(root, f) for f in files if f.endswith(".m4s") and "/init-" not in f)
    return out


@unittest.skipUnless(os.geteuid() == 0, "needs root to mount a small tmpfs (CI runs as root)")
class DiskFullDuringLive(unittest.TestCase):
    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="tidecast-tmpfs-")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", self.mount], capture_output=True)
        if done.returncode != 0:
            os.rmdir(self.mount)
            self.skipTest(f"cannot mount tmpfs: {done.stderr.decode().strip()}")

    def tearDown(self):
        subprocess.run(["umount", "-l", self.mount], check=False)
        os.rmdir(self.mount)

    def test_disk_fills_then_frees(self):
        data_dir = os.path.join(self.mount, "data")
        server = Server({"live": {"segment_seconds": 1.0}}, data_dir=data_dir)
        pub = None
        try:
            key = server.create_channel("full")
            # Leave ~4 MB: the catalog and the first segments fit, then writes fail.
            filler = os.path.join(self.mount, "filler")
            with open(filler, "wb") as f:
                f.write(b"\0" * (free_bytes(self.mount) - 4 * 1024 * 1024))
            pub = publish(server.rtmp_url(key), seconds=60, size="640x360", fps=25, gop_seconds=1, audio=True,
                          extra=["-b:v", "3M", "-maxrate", "3M", "-bufsize", "3M"])
            server.wait_for("/live/full/master.m3u8", timeout=30)

            # Until writes fail.
            server.wait_for_log("recording write failed", timeout=40)
            self.assertIn("recording write failed", server.read_log())
            self.assertLess(free_bytes(self.mount), 512 * 1024)

            # While full: more segments appear in the live playlist and it still probes.
            def live_sequence():
                text = server.get("/live/full/v0/media.m3u8")[2].decode()
                sequence, segments = media_playlist_segments(text)
                return sequence + len(segments)
            before = live_sequence()
            time.sleep(4)
            self.assertGreater(live_sequence(), before + 2, "the live playlist stopped while the disk was full")
            code, data, err = ffprobe_json(server.url("/live/full/master.m3u8"), "-show_streams")
            self.assertEqual(code, 0, err)
            self.assertEqual({s["codec_type"] for s in data["streams"]}, {"video", "audio"})
            log = server.read_log()
            self.assertEqual(log.count("recording write failed"), 1, "the disk-full error must be logged once:\n" + log[-4000:])

            # Space returns: recording resumes (new segment files on disk).
            videos_dir = os.path.join(data_dir, "videos")
            on_disk = recorded_segments(videos_dir)
            os.remove(filler)
            server.wait_for_log("writes recovered", timeout=30)  # recovery is declared after 10 s without a failed write
            self.assertIn("writes recovered", server.read_log())
            self.assertEqual(server.read_log().count("writes recovered"), 1)
            self.assertTrue(recorded_segments(videos_dir) - on_disk, "no new recorded segments after space returned")
            self.assertEqual(server.read_log().count("recording write failed"), 1)

            pub.kill()
            pub.wait()
            videos = server.wait_for_recordings(timeout=30)
            self.assertEqual(len(videos), 1)
            self.assertEqual(videos[0]["state"], "ready", server.read_log()[-3000:])
            self.check_gaps(server, videos[0]["id"])
        finally:
            if pub and pub.poll() is None:
                pub.kill()
                pub.wait()
            server.stop()

        # The catalog is intact and a restarted server answers.
        with sqlite3.connect(os.path.join(data_dir, "tidecast.db")) as db:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        server.start()
        try:
            self.assertEqual(server.get("/api/v1/health")[0], 200)
            status, body = server.get_json("/api/v1/videos")
            self.assertEqual(status, 200, body)
        finally:
            server.close()

    def check_gaps(self, server, video_id):
        """The recording lists the lost segments as gaps, and only those."""
        m = re.search(r"recording ready channel=full video=\S+ duration_ms=\d+ missing_segments=(\d+)",
                      server.read_log())
        self.assertTrue(m and int(m.group(1)) > 0, "the outage must have cost segments")
        text = server.get(f"/vod/{video_id}/v0/media.m3u8")[2].decode()
        gap, gaps, present = False, [], []
        at, gap_start, gap_end = 0.0, None, None  # the first run of gaps, in seconds
        for line in text.splitlines():
            if line == "#EXT-X-GAP":
                gap = True
            elif line.startswith("#EXTINF:"):
                duration = float(line[8:].split(",")[0])
            elif line and not line.startswith("#"):
                (gaps if gap else present).append(line)
                if gap and gap_start is None:
                    gap_start = at
                if not gap and gap_start is not None and gap_end is None:
                    gap_end = at
                at += duration
                gap = False
        self.assertTrue(gaps, text)
        self.assertGreater(len(present), len(gaps), text)
        for uri in present:
            self.assertEqual(server.get(f"/vod/{video_id}/v0/{uri}")[0], 200, uri)
        for uri in gaps:
            self.assertEqual(server.get(f"/vod/{video_id}/v0/{uri}")[0], 404, uri)
        mpd = server.get(f"/vod/{video_id}/manifest.mpd")[2].decode()
        self.assertGreater(mpd.count("<Period "), 1, mpd)
        # ffmpeg decodes the whole recording: every listed segment is there and whole.
        done = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", server.url(f"/vod/{video_id}/master.m3u8"),
                               "-map", "0:v:0", "-f", "null", "-"], capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("Invalid data", done.stderr)
        # Players step over the hole: hls.js skips EXT-X-GAP, dash.js moves on to the next Period.
        if not browser.chromium_available() or gap_end is None:
            return
        for engine in ("hls", "dash"):
            report = browser.play(server.url(f"/watch.html?video={video_id}&engine={engine}"),
                                  seek=max(gap_start - 2, 0), seconds=gap_end - gap_start + 6)
            self.assertTrue(report["started"], report)
            self.assertEqual(report["errors"], [], report)
            self.assertGreater(report["final_time"], gap_end + 1, (engine, gap_start, gap_end, report))


if __name__ == "__main__":
    unittest.main()
