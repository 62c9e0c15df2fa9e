"""Fault: `kill -9` of the server while a live stream is recording and an
upload is converting, then a restart. Nothing finished may be lost: every
video that was ready (an earlier upload and an earlier live recording) is
still ready, plays, and has all its files; no catalog row disappears; the
catalog passes `PRAGMA integrity_check`; the interrupted conversion completes
after the restart; the interrupted recording is not left "recording" forever.
(A tus upload interrupted by kill -9 resumes: tests/e2e/test_uploads.py.)"""
import os
import signal
import sqlite3
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import (Server, create_token, decode_errors, ffprobe_json, make_clip, poll, publish,
                              upload_plain, video, wait_video)

CONFIG = {
    "transcode": {"rungs": [{"name": "240p", "height": 240, "video_bitrate_kbps": 400}]},
    "jobs": {"workers": 1, "retry_delay_seconds": 1, "threads": 2},
    "threads": {"cpu": 2},
}
TABLES = ("channels", "videos", "renditions", "jobs", "api_tokens")


def row_ids(db_path):
    """{table: set of rowids} for the tables that exist."""
    with sqlite3.connect(db_path) as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: {r[0] for r in db.execute(f"SELECT rowid FROM {t}")} for t in TABLES if t in names}


def files_of(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = os.path.getsize(p)
    return out


class Kill9(unittest.TestCase):
    def test_kill_9_during_live_and_conversion(self):
        tmp = tempfile.TemporaryDirectory(prefix="tidecast-kill9-")
        server = Server(CONFIG)
        pubs = []
        try:
            token = create_token(server)
            clip = make_clip(os.path.join(tmp.name, "clip.mp4"), seconds=4)
            long_clip = make_clip(os.path.join(tmp.name, "long.mp4"), seconds=20, size="1280x720")

            # Finished work: one converted upload, one live recording.
            status, body = upload_plain(server, token, clip, title="finished upload")
            self.assertEqual(status, 201, body)
            self.assertEqual(wait_video(server, body["id"])["state"], "ready")
            key = server.create_channel("kept")
            pub = publish(server.rtmp_url(key), seconds=6, size="640x360")
            pubs.append(pub)
            self.assertEqual(pub.wait(60), 0)
            recorded = server.wait_for_recordings(timeout=30)
            self.assertEqual(recorded[0]["state"], "ready", recorded)
            finished = {v["id"]: v for v in server.get_json("/api/v1/videos")[1]["videos"]}
            self.assertEqual(len(finished), 2)
            videos_dir = os.path.join(server.data_dir, "videos")
            finished_files = {vid: files_of(os.path.join(videos_dir, vid)) for vid in finished}

            # Work in flight: a live stream recording, and a conversion running.
            key2 = server.create_channel("cut")
            live = publish(server.rtmp_url(key2), seconds=60, size="640x360")
            pubs.append(live)
            server.wait_for("/live/cut/master.m3u8", timeout=30)
            status, body = upload_plain(server, token, long_clip, title="converting")
            self.assertEqual(status, 201, body)
            converting = body["id"]
            state = poll(lambda: video(server, converting)["state"], lambda s: s == "processing", 120)
            self.assertEqual(state, "processing")
            server.wait_for_log("recording channel=cut", timeout=20)
            time.sleep(3)  # a few recorded segments
            db_path = os.path.join(server.data_dir, "tidecast.db")
            rows_before = row_ids(db_path)

            server.stop(signal.SIGKILL)
            live.kill()
            live.wait()
            with sqlite3.connect(db_path) as db:
                self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])

            server.start()
            rows_after = row_ids(db_path)
            for table, ids in rows_before.items():
                self.assertTrue(ids <= rows_after.get(table, set()), f"rows lost from {table}")
            for vid, before in finished.items():
                after = video(server, vid)
                self.assertEqual(after["state"], "ready")
                self.assertEqual((after["duration_ms"], after["title"]), (before["duration_ms"], before["title"]))
                self.assertEqual(files_of(os.path.join(videos_dir, vid)), finished_files[vid], vid)
                code, data, err = ffprobe_json(server.url(after["hls"]), "-show_format")
                self.assertEqual(code, 0, err)
                self.assertEqual(decode_errors(server.url(after["dash"]), 3), [], vid)
            # The interrupted conversion runs again and finishes.
            self.assertEqual(wait_video(server, converting, timeout=300)["state"], "ready")
            # The interrupted recording does not stay "processing" (no live session survives a restart).
            with sqlite3.connect(db_path) as db:
                cut = db.execute("SELECT id, state, failure_reason FROM videos WHERE origin = 'live'").fetchall()
            cut = [row for row in cut if row[0] not in finished]
            self.assertEqual(len(cut), 1, cut)
            self.assertIn(cut[0][1], ("ready", "failed"), cut[0])
        finally:
            for p in pubs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            server.close()
            tmp.cleanup()


if __name__ == "__main__":
    unittest.main()
