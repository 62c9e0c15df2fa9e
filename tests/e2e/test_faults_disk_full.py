"""Fault: the disk fills during a live stream. data_dir is a 30 MB tmpfs
(mounted by the test: needs root, as CI runs); a filler file leaves a few MB,
then a publisher runs until writes fail. The stream must keep playing from
memory (the live playlist keeps growing and probes), the write error must be
logged once (not once per segment), recording must resume once the filler is
deleted, and after the stream ends the catalog passes `PRAGMA integrity_check`
and the server still answers."""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
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
            deadline = time.time() + 40
            while "recording write failed" not in server.read_log() and time.time() < deadline:
                time.sleep(0.5)
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
            deadline = time.time() + 30  # recovery is declared after 10 s without a failed write
            while "writes recovered" not in server.read_log() and time.time() < deadline:
                time.sleep(0.3)
            self.assertIn("writes recovered", server.read_log())
            self.assertEqual(server.read_log().count("writes recovered"), 1)
            self.assertTrue(recorded_segments(videos_dir) - on_disk, "no new recorded segments after space returned")
            self.assertEqual(server.read_log().count("recording write failed"), 1)

            pub.kill()
            pub.wait()
            videos = server.wait_for_recordings(timeout=30)
            self.assertEqual(len(videos), 1)
            self.assertIn(videos[0]["state"], ("ready", "failed"))
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


if __name__ == "__main__":
    unittest.main()
