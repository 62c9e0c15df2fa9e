"""Signed media URLs end to end: a private video plays only under
/vod/<id>/~<expiry>-<sig>/..., for the master playlist, media playlists, init
and media segments alike; the relative URLs inside the playlists inherit the
signature, so ffprobe reads the whole signed HLS master (and DASH MPD).

- unsigned, expired, tampered signature, signature of another video, malformed -> 403 (+ a log line)
- a valid signature -> 200, ffprobe reads it; Cache-Control private
- ".." through the signature segment, raw or percent-encoded -> 400
- public videos: unsigned and signed both work; the key file is 0600
"""
import base64
import hashlib
import hmac
import os
import re
import stat
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import Browser, create_user, request  # noqa: E402
from support.tidecast import Server, _request, ffprobe_json, make_clip  # noqa: E402

CONFIG = {
    "transcode": {"rungs": [{"name": "240p", "height": 240, "video_bitrate_kbps": 300}]},
    "jobs": {"workers": 1, "threads": 2},
    "threads": {"cpu": 2},
}


def sign(key, video_id, expiry):
    mac = hmac.new(key, f"/vod/{video_id}/\n{expiry}".encode(), hashlib.sha256).digest()
    return f"~{expiry}-" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


class SignedUrls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media = tempfile.TemporaryDirectory(prefix="tidecast-signed-")
        clip = make_clip(os.path.join(cls.media.name, "clip.mp4"), seconds=2, size="320x240")
        cls.server = Server(CONFIG)
        create_user(cls.server, "alice", "alice-secret-1")
        cls.alice = Browser(cls.server)
        assert cls.alice.login("alice", "alice-secret-1")[0] == 200
        with open(clip, "rb") as f:
            data = f.read()
        ids = []
        for title in ("private one", "public one"):
            status, _, body = request(cls.server, "POST", f"/api/v1/videos?title={title.replace(' ', '+')}",
                                      headers={"Cookie": f"tidecast_session={cls.alice.cookie}",
                                               "X-CSRF-Token": cls.alice.csrf, "Content-Type": "video/mp4"},
                                      raw=data)
            assert status == 201, body
            ids.append(body["id"])
        cls.private_id, cls.public_id = ids
        deadline = time.time() + 240
        for vid in ids:
            while True:
                state = cls.alice.call("GET", f"/api/v1/videos/{vid}")[2]["state"]
                if state in ("ready", "failed"):
                    assert state == "ready", state
                    break
                assert time.time() < deadline, "conversion too slow"
                time.sleep(0.3)
        status, _, body = cls.alice.call("PATCH", f"/api/v1/videos/{cls.private_id}", {"visibility": "private"})
        assert status == 200, body
        cls.video = body
        with open(os.path.join(cls.server.data_dir, "url_signing.key"), "rb") as f:
            cls.key = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.media.cleanup()

    def get(self, path):
        status, headers, body = _request(self.server, "GET", path)
        return status, headers, body

    def files(self, base):
        """(media playlist, init, first segment) paths relative to the video, read through `base`."""
        master = self.get(base + "master.m3u8")[2].decode()
        media = next(l for l in master.splitlines() if l and not l.startswith("#"))
        playlist = self.get(base + media)[2].decode()
        track = media.rsplit("/", 1)[0] + "/"
        init = track + re.search(r'#EXT-X-MAP:URI="([^"]+)"', playlist).group(1)
        segment = track + next(l for l in playlist.splitlines() if l and not l.startswith("#"))
        return media, init, segment

    def test_key_file_mode(self):
        self.assertEqual(len(self.key), 32)
        mode = stat.S_IMODE(os.stat(os.path.join(self.server.data_dir, "url_signing.key")).st_mode)
        self.assertEqual(mode, 0o600)

    def test_private_video_needs_a_valid_signature(self):
        vid = self.private_id
        urls = self.video["urls"]
        self.assertRegex(urls["hls"], rf"^/vod/{vid}/~\d+-[A-Za-z0-9_-]{{43}}/master\.m3u8$")
        self.assertTrue(urls["dash"].startswith(urls["hls"][: -len("master.m3u8")]))
        self.assertEqual(self.video["hls"], urls["hls"])
        base = urls["hls"][: -len("master.m3u8")]
        media, init, segment = self.files(base)
        for f in ("master.m3u8", "manifest.mpd", media, init, segment):
            status, headers, _ = self.get(base + f)
            self.assertEqual(status, 200, f)
            self.assertTrue(headers["cache-control"].startswith("private"), headers["cache-control"])
            self.assertEqual(self.get(f"/vod/{vid}/{f}")[0], 403, f)  # unsigned

        now = int(time.time())
        good = sign(self.key, vid, now + 600)
        self.assertEqual(self.get(f"/vod/{vid}/{good}/{segment}")[0], 200)
        expired = sign(self.key, vid, now - 5)
        tampered = good[:-1] + ("A" if good[-1] != "A" else "B")
        later = sign(self.key, vid, now + 600).split("-", 1)[1]
        moved_expiry = f"~{now + 9999}-{later}"
        other_video = sign(self.key, self.public_id, now + 600)
        wrong_key = sign(b"x" * 32, vid, now + 600)
        for bad in (expired, tampered, moved_expiry, other_video, wrong_key, "~x-y", "~", f"~{now + 600}-short"):
            for f in ("master.m3u8", media, init, segment):
                self.assertEqual(self.get(f"/vod/{vid}/{bad}/{f}")[0], 403, (bad, f))
        wanted = [f"media refused video={vid} reason={r}" for r in ("unsigned", "expired", "bad_signature", "malformed")]
        deadline = time.time() + 10  # the access log line may follow the response
        while not all(w in self.server.read_log() for w in wanted) and time.time() < deadline:
            time.sleep(0.1)
        for w in wanted:
            self.assertIn(w, self.server.read_log())

        # Someone else's API view: no video, no URLs.
        self.assertEqual(request(self.server, "GET", f"/api/v1/videos/{vid}")[0], 404)

    def test_ffprobe_reads_the_signed_playlists(self):
        for key in ("hls", "dash"):
            code, data, err = ffprobe_json(self.server.url(self.video["urls"][key]), "-show_streams")
            self.assertEqual(code, 0, err)
            self.assertTrue(any(s["codec_type"] == "video" for s in data["streams"]), data)

    def test_path_traversal_through_the_signature_segment(self):
        vid = self.private_id
        good = sign(self.key, vid, int(time.time()) + 600)
        for path in (f"/vod/{vid}/~x-y/../../tidecast.db", f"/vod/{vid}/{good}/../../url_signing.key",
                     f"/vod/{vid}/{good}/%2e%2e/%2e%2e/url_signing.key", f"/vod/{vid}/~x-y/..%2f..%2ftidecast.db"):
            status, _, body = self.get(path)
            self.assertIn(status, (400, 403), path)
            self.assertNotIn(self.key, body)

    def test_public_videos_work_with_and_without_a_signature(self):
        vid = self.public_id
        status, _, body = request(self.server, "GET", f"/api/v1/videos/{vid}")
        self.assertEqual(body["urls"]["hls"], f"/vod/{vid}/master.m3u8")
        self.assertEqual(self.get(f"/vod/{vid}/master.m3u8")[0], 200)
        good = sign(self.key, vid, int(time.time()) + 600)
        self.assertEqual(self.get(f"/vod/{vid}/{good}/master.m3u8")[0], 200)
        self.assertEqual(self.get(f"/vod/{vid}/{sign(self.key, vid, 5)}/master.m3u8")[0], 403)

    def test_visibility_changes_and_deletion_apply_at_once(self):
        # Runs last (it deletes the public video). /vod looks videos up from a
        # memory cache (api/video_lookup_cache.hpp): a change made on this node
        # must not wait for the cache's TTL.
        vid = self.public_id
        path = f"/vod/{vid}/master.m3u8"
        for _ in range(3):
            self.assertEqual(self.get(path)[0], 200)
            self.assertEqual(self.get(path)[0], 200)  # now from memory
            status, _, body = self.alice.call("PATCH", f"/api/v1/videos/{vid}", {"visibility": "private"})
            self.assertEqual(status, 200, body)
            self.assertEqual(self.get(path)[0], 403)  # no longer public, at once
            status, _, body = self.alice.call("PATCH", f"/api/v1/videos/{vid}", {"visibility": "public"})
            self.assertEqual(status, 200, body)
        self.assertEqual(self.get(path)[0], 200)
        status, _, body = self.alice.call("DELETE", f"/api/v1/videos/{vid}")
        self.assertIn(status, (200, 204), body)
        status, _, body = self.get(path)
        self.assertEqual((status, body), (404, b"no such video\n"))  # the row is gone at once, not only the files


if __name__ == "__main__":
    unittest.main(verbosity=2)
