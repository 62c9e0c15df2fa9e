"""On-demand uploads end to end: tus and plain POST into the real binary, the
durable job queue converting them, and the results played back with ffprobe.

- tus: half an upload, restart (graceful, then kill -9), resume, identical bytes
- plain POST of an H.264/AAC MP4 -> converted -> HLS and DASH decode cleanly
- a text file named .mp4, zero-byte and truncated files fail with clear reasons
  while a good upload next to them still converts
- kill -9 during a conversion -> restart -> exactly one output set, no temp dirs
- ten uploads with one worker -> converted in the order received
- no token -> 401; over uploads.max_bytes -> 413
"""
import os
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import (Server, _request, create_token, decode_errors, ffprobe_json, jobs,  # noqa: E402
                              make_clip, sha256_file, tus_create, tus_headers, tus_offset, tus_patch, upload_plain,
                              video, wait_video)

MAX_BYTES = 50 * 1024 * 1024
# A small ladder keeps the conversions quick on a shared 2-core machine.
CONFIG = {
    "transcode": {"rungs": [{"name": "240p", "height": 240, "video_bitrate_kbps": 400}]},
    "uploads": {"max_bytes": MAX_BYTES},
    "jobs": {"workers": 1, "retry_delay_seconds": 1, "threads": 2},
    "threads": {"cpu": 2},
}


class Media:
    """Test files, made once for the whole module."""
    dir = None

    @classmethod
    def make(cls):
        if cls.dir:
            return
        cls.dir = tempfile.TemporaryDirectory(prefix="tidecast-uploads-media-")
        d = cls.dir.name
        cls.clip = make_clip(os.path.join(d, "clip.mp4"), seconds=4)
        cls.short = make_clip(os.path.join(d, "short.mp4"), seconds=1, size="320x240")
        cls.long = make_clip(os.path.join(d, "long.mp4"), seconds=6, size="1280x720")
        cls.text = os.path.join(d, "notes.mp4")
        with open(cls.text, "w") as f:
            f.write("These are meeting notes, not a video.\n" * 20)
        cls.empty = os.path.join(d, "empty.mp4")
        open(cls.empty, "wb").close()
        cls.truncated = os.path.join(d, "truncated.mp4")
        with open(cls.clip, "rb") as src, open(cls.truncated, "wb") as dst:
            data = src.read()
            dst.write(data[: len(data) // 2])


def setUpModule():
    Media.make()


def tearDownModule():
    if Media.dir:
        Media.dir.cleanup()


def video_dirs(server):
    return sorted(os.listdir(os.path.join(server.data_dir, "videos")))


class PlainUploads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(CONFIG)
        cls.token = create_token(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_01_h264_aac_mp4_is_converted_and_plays(self):
        status, body = upload_plain(self.server, self.token, Media.clip, title="Holiday")
        self.assertEqual(status, 201, body)
        self.assertEqual((body["state"], body["title"], body["source_name"]), ("pending", "Holiday", "clip.mp4"))
        done = wait_video(self.server, body["id"])
        self.assertEqual(done["state"], "ready", done)
        self.assertEqual((done["width"], done["height"]), (640, 360))
        self.assertAlmostEqual(done["duration_ms"], 4000, delta=300)
        self.assertEqual(done["job"]["state"], "done")
        self.assertEqual(done["job"]["progress"], 100)
        kinds = sorted(r["kind"] for r in done["renditions"])
        self.assertEqual(kinds, ["audio", "video", "video"])  # source passthrough + 240p + audio
        for path in (done["hls"], done["dash"]):
            code, data, err = ffprobe_json(self.server.url(path), "-show_streams")
            self.assertEqual(code, 0, err)
            types = sorted({s["codec_type"] for s in data["streams"]})
            self.assertEqual(types, ["audio", "video"], data)
            self.assertEqual(decode_errors(self.server.url(path), 4), [], path)
        # The original is kept until the video is deleted.
        original = os.path.join(self.server.data_dir, "originals", body["id"])
        self.assertEqual(sha256_file(original), sha256_file(Media.clip))

    def test_02_unusable_files_fail_clearly_while_a_good_one_converts(self):
        uploads = {}
        for name, path in (("text", Media.text), ("empty", Media.empty), ("truncated", Media.truncated),
                           ("good", Media.short)):
            status, body = upload_plain(self.server, self.token, path)
            self.assertEqual(status, 201, body)
            uploads[name] = body["id"]
        # Bad files fail within seconds, without waiting for the queue.
        reasons = {name: wait_video(self.server, uploads[name], timeout=30).get("failure_reason")
                   for name in ("text", "empty", "truncated")}
        self.assertEqual(reasons["text"], "not a media file")
        self.assertEqual(reasons["empty"], "empty file (0 bytes)")
        self.assertRegex(reasons["truncated"], r"^truncated at 00:00:0\d \(of 00:00:04\)$")
        self.assertEqual(wait_video(self.server, uploads["good"])["state"], "ready")
        # Zero bytes over tus: complete on creation, fails the same way.
        status, headers = tus_create(self.server, self.token, 0, filename="nothing.mp4")
        self.assertEqual(status, 201)
        self.assertEqual(wait_video(self.server, headers["tidecast-video-id"], timeout=30)["failure_reason"],
                         "empty file (0 bytes)")

    def test_03_ten_uploads_with_one_worker_convert_in_order(self):
        ids = []
        for i in range(10):
            status, body = upload_plain(self.server, self.token, Media.short, title=f"clip {i}")
            self.assertEqual(status, 201, body)
            ids.append(body["id"])
        for video_id in ids:
            self.assertEqual(wait_video(self.server, video_id)["state"], "ready")
        by_video = {j["video_id"]: j for j in jobs(self.server, self.token)}
        started = [by_video[v]["started_at"] for v in ids]
        finished = [by_video[v]["finished_at"] for v in ids]
        self.assertEqual(started, sorted(started))
        self.assertEqual(finished, sorted(finished))
        for earlier, later in zip(ids, ids[1:]):  # one worker: each starts after the one before ended
            self.assertGreaterEqual(by_video[later]["started_at"], by_video[earlier]["finished_at"])

    def test_04_uploads_need_a_valid_token(self):
        status, body = upload_plain(self.server, None, Media.short)
        self.assertEqual(status, 401, body)
        self.assertEqual(body["error"]["code"], "unauthorized")
        self.assertEqual(upload_plain(self.server, "tct_not-a-real-token", Media.short)[0], 401)
        status, headers = tus_create(self.server, None, 100)
        self.assertEqual(status, 401)
        self.assertIn("bearer", headers.get("www-authenticate", "").lower())
        self.assertEqual(_request(self.server, "GET", "/api/v1/jobs")[0], 401)
        # A revoked token stops working at once.
        other = create_token(self.server, "short-lived")
        self.assertEqual(tus_create(self.server, other, 10)[0], 201)
        subprocess_revoke(self.server, "short-lived")
        self.assertEqual(tus_create(self.server, other, 10)[0], 401)

    def test_05_oversized_uploads_get_413(self):
        status, _ = tus_create(self.server, self.token, MAX_BYTES + 1)
        self.assertEqual(status, 413)
        # Plain POST: refused from Content-Length alone, before any body is sent.
        with socket.create_connection(("127.0.0.1", self.server.http_port), timeout=10) as s:
            s.sendall((f"POST /api/v1/videos HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {self.token}\r\n"
                       f"Content-Type: video/mp4\r\nContent-Length: {MAX_BYTES + 1}\r\n\r\n").encode())
            reply = s.recv(4096).decode(errors="replace")
        self.assertTrue(reply.startswith("HTTP/1.1 413"), reply)
        # tus: a PATCH longer than the declared Upload-Length.
        status, headers = tus_create(self.server, self.token, 10)
        status, _ = tus_patch(self.server, self.token, headers["location"], 0, b"x" * 20)
        self.assertEqual(status, 413)

    def test_06_tus_protocol_details(self):
        status, headers, _ = _request(self.server, "OPTIONS", "/api/v1/uploads")
        self.assertEqual(status, 204)
        self.assertEqual(headers["tus-version"], "1.0.0")
        self.assertEqual(headers["tus-extension"], "creation,termination")
        self.assertEqual(int(headers["tus-max-size"]), MAX_BYTES)
        self.assertEqual(headers["access-control-allow-origin"], "*")
        self.assertIn("Upload-Offset", headers["access-control-expose-headers"])
        status, headers = tus_create(self.server, self.token, 100)
        location = headers["location"]
        self.assertEqual(tus_patch(self.server, self.token, location, 5, b"x")[0], 409)  # wrong offset
        status, _, _ = _request(self.server, "PATCH", location, tus_headers(self.token, **{
            "Upload-Offset": "0", "Content-Type": "application/json"}), b"{}")
        self.assertEqual(status, 415)
        status, _, _ = _request(self.server, "HEAD", location, {"Authorization": f"Bearer {self.token}"})
        self.assertEqual(status, 412)  # no Tus-Resumable
        self.assertEqual(_request(self.server, "DELETE", location, tus_headers(self.token))[0], 204)
        self.assertEqual(_request(self.server, "HEAD", location, tus_headers(self.token))[0], 404)

    def test_07_delete_removes_files_and_rows(self):
        status, body = upload_plain(self.server, self.token, Media.short)
        done = wait_video(self.server, body["id"])
        self.assertEqual(done["state"], "ready")
        self.assertIn(body["id"], video_dirs(self.server))
        status, _, _ = _request(self.server, "DELETE", f"/api/v1/videos/{body['id']}", {"Authorization": f"Bearer {self.token}"})
        self.assertEqual(status, 204)
        self.assertEqual(self.server.get(f"/api/v1/videos/{body['id']}")[0], 404)
        self.assertEqual(self.server.get(f"/vod/{body['id']}/master.m3u8")[0], 404)
        self.assertNotIn(body["id"], video_dirs(self.server))
        self.assertFalse(os.path.exists(os.path.join(self.server.data_dir, "originals", body["id"])))


def subprocess_revoke(server, name):
    import subprocess
    from support.tidecast import BIN
    out = subprocess.run([BIN, "--config", server.config_path, "token", "revoke", name], capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr


class ResumableAcrossRestarts(unittest.TestCase):
    def setUp(self):
        self.server = Server(CONFIG)
        self.token = create_token(self.server)

    def tearDown(self):
        self.server.close()

    def resume_and_finish(self, location, data):
        offset = tus_offset(self.server, self.token, location)
        status, headers = tus_patch(self.server, self.token, location, offset, data[offset:])
        self.assertEqual(status, 204)
        self.assertEqual(int(headers["upload-offset"]), len(data))
        return offset, headers["tidecast-video-id"]

    def test_half_upload_restart_resume_identical_bytes(self):
        with open(Media.long, "rb") as f:
            data = f.read()
        half = len(data) // 2
        status, headers = tus_create(self.server, self.token, len(data), filename="long.mp4", title="Resumed")
        self.assertEqual(status, 201)
        location = headers["location"]
        status, headers = tus_patch(self.server, self.token, location, 0, data[:half])
        self.assertEqual((status, int(headers["upload-offset"])), (204, half))
        self.server.stop()
        self.server.start()
        offset, video_id = self.resume_and_finish(location, data)
        self.assertEqual(offset, half)
        original = os.path.join(self.server.data_dir, "originals", video_id)
        self.assertEqual(sha256_file(original), sha256_file(Media.long))
        done = wait_video(self.server, video_id)
        self.assertEqual((done["state"], done["title"], done["source_name"]), ("ready", "Resumed", "long.mp4"))

    def test_connection_dropped_then_kill_9_then_resume(self):
        with open(Media.long, "rb") as f:
            data = f.read()
        status, headers = tus_create(self.server, self.token, len(data), filename="long.mp4")
        location = headers["location"]
        sent = len(data) // 3
        # A PATCH announcing everything that breaks off after a third.
        with socket.create_connection(("127.0.0.1", self.server.http_port), timeout=10) as s:
            s.sendall((f"PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {self.token}\r\n"
                       f"Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                       f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(data)}\r\n\r\n").encode())
            s.sendall(data[:sent])
            time.sleep(0.5)
        deadline = time.time() + 10
        while tus_offset(self.server, self.token, location) != sent and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(tus_offset(self.server, self.token, location), sent)
        self.server.stop(signal.SIGKILL)
        self.server.start()
        offset, video_id = self.resume_and_finish(location, data)
        self.assertEqual(offset, sent)
        self.assertEqual(sha256_file(os.path.join(self.server.data_dir, "originals", video_id)), sha256_file(Media.long))
        self.assertEqual(wait_video(self.server, video_id)["state"], "ready")


class CrashDuringConversion(unittest.TestCase):
    def test_kill_9_mid_conversion_publishes_exactly_once(self):
        tmp = tempfile.TemporaryDirectory(prefix="tidecast-crash-media-")
        # Long enough to be caught mid-conversion on any machine: 20 s of 720p with
        # real entropy, three re-encoded rungs.
        source = make_clip(os.path.join(tmp.name, "busy.mp4"), seconds=20, size="1280x720",
                           source="testsrc2")
        config = dict(CONFIG)
        config["transcode"] = {"rungs": [
            {"name": "480p", "height": 480, "video_bitrate_kbps": 1200, "preset": "medium"},
            {"name": "360p", "height": 360, "video_bitrate_kbps": 700, "preset": "medium"},
            {"name": "240p", "height": 240, "video_bitrate_kbps": 400, "preset": "medium"}]}
        server = Server(config)
        try:
            token = create_token(server)
            status, body = upload_plain(server, token, source)
            self.assertEqual(status, 201, body)
            video_id = body["id"]
            # Wait until it is converting and has stored progress, then kill.
            deadline = time.time() + 120
            while time.time() < deadline:
                v = video(server, video_id)
                if v["state"] == "processing" and v.get("job", {}).get("progress", 0) > 0:
                    break
                self.assertNotEqual(v["state"], "ready", "conversion finished before it could be interrupted")
                time.sleep(0.1)
            self.assertIsNotNone(v["job"]["fps"])
            self.assertTrue(any(d.startswith(".tmp-") for d in video_dirs(server)), video_dirs(server))
            server.stop(signal.SIGKILL)
            server.start()
            done = wait_video(server, video_id, timeout=300)
            self.assertEqual(done["state"], "ready", done)
            self.assertEqual(done["job"]["attempts"], 2)
            self.assertEqual(video_dirs(server), [video_id])  # one output set, no temp leftovers
            self.assertEqual(decode_errors(server.url(done["hls"]), 3), [])
        finally:
            server.close()
            tmp.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
