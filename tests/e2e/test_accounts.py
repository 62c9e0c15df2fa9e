"""Accounts end to end: users made with the CLI, browser sessions (cookie + CSRF),
the login rate limit, ownership of channels and videos, and the catalog API
(paging, search, PATCH, DELETE, retry) against the real binary.

- create-user (password on stdin, or generated and printed once), list-users, delete-user
- login: cookie flags, wrong password 401, unknown user 401, logout 204 then 401
- a cookie-authenticated change without X-CSRF-Token is 403 `csrf`; with it, it works
- an artist creates a channel through the API and goes live with the returned key
- an artist cannot change or delete another user's channel or video (403/404)
- ?mine=1 needs a caller; private videos are hidden from everyone but owner and admins
- videos: limit/offset/total, title search (LIKE wildcards are literal), PATCH validation, retry of
  failed uploads, DELETE removes files
- API tokens over the API: created (shown once), used as Bearer, revoked
- login attempts per IP per minute: 429 with Retry-After (per X-Forwarded-For client behind a local proxy)
- live recordings belong to the channel's owner
- private channels: hidden from the lists, their live media only under a signed URL (ffprobe reads it),
  their recordings private
"""
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import Browser, create_user, request  # noqa: E402
from support.tidecast import BIN, Server, make_clip, publish  # noqa: E402

import subprocess  # noqa: E402

CONFIG = {
    "transcode": {"rungs": [{"name": "240p", "height": 240, "video_bitrate_kbps": 300}]},
    "jobs": {"workers": 1, "retry_delay_seconds": 1, "max_attempts": 1, "threads": 2},
    "threads": {"cpu": 2},
    "accounts": {"session_hours": 2, "login_attempts_per_minute": 1000},
}


def upload(browser, path, title):
    """POST /api/v1/videos with the raw file, as a signed-in browser."""
    with open(path, "rb") as f:
        data = f.read()
    headers = {"Cookie": f"tidecast_session={browser.cookie}", "X-CSRF-Token": browser.csrf,
               "Content-Type": "video/mp4"}
    from urllib.parse import urlencode
    return request(browser.server, "POST", "/api/v1/videos?" + urlencode({"title": title, "filename": "a.mp4"}),
                   headers=headers, raw=data)


def wait_state(browser, video_id, states, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, body = browser.call("GET", f"/api/v1/videos/{video_id}")
        assert status == 200, body
        if body["state"] in states:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{video_id} never reached {states}")


class Accounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media = tempfile.TemporaryDirectory(prefix="tidecast-accounts-")
        cls.clip = make_clip(os.path.join(cls.media.name, "clip.mp4"), seconds=1, size="320x240")
        cls.text = os.path.join(cls.media.name, "notes.mp4")
        with open(cls.text, "w") as f:
            f.write("not a video\n" * 50)
        cls.server = Server(CONFIG)
        cls.root_password, out = create_user(cls.server, "root", None, role="admin")
        assert "shown only this once" in out, out
        cls.alice_password, _ = create_user(cls.server, "alice", "alice-secret-1")
        cls.bob_password, _ = create_user(cls.server, "bob", "bob-secret-22")
        cls.alice, cls.bob, cls.root = Browser(cls.server), Browser(cls.server), Browser(cls.server)
        assert cls.alice.login("alice", cls.alice_password)[0] == 200
        assert cls.bob.login("bob", cls.bob_password)[0] == 200
        assert cls.root.login("root", cls.root_password)[0] == 200

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.media.cleanup()

    def cli(self, *args):
        return subprocess.run([BIN, "--config", self.server.config_path, *args], capture_output=True, timeout=60,
                              input=b"")

    def test_cli_users(self):
        out = self.cli("admin", "list-users")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(b"alice\tartist", out.stdout)
        self.assertIn(b"root\tadmin", out.stdout)
        # Duplicate, bad role, short password: clear errors, non-zero exit.
        self.assertNotEqual(self.cli("admin", "create-user", "alice").returncode, 0)
        self.assertNotEqual(self.cli("admin", "create-user", "carol", "--role", "king").returncode, 0)
        short = subprocess.run([BIN, "--config", self.server.config_path, "admin", "create-user", "carol"],
                               input=b"short\n", capture_output=True, timeout=60)
        self.assertNotEqual(short.returncode, 0)
        self.assertIn(b"at least 8", short.stderr)
        # Deleting a user ends their sessions.
        create_user(self.server, "dave", "dave-secret-1")
        dave = Browser(self.server)
        self.assertEqual(dave.login("dave", "dave-secret-1")[0], 200)
        self.assertEqual(dave.call("GET", "/api/v1/session")[0], 200)
        self.assertEqual(self.cli("admin", "delete-user", "dave").returncode, 0)
        self.assertEqual(dave.call("GET", "/api/v1/session")[0], 401)
        self.assertIn(b"--role", subprocess.run([BIN, "--help"], capture_output=True).stdout)
        # A password reset ends the user's sessions; the new password works, the old one not.
        create_user(self.server, "erin", "erin-secret-1")
        erin = Browser(self.server)
        self.assertEqual(erin.login("erin", "erin-secret-1")[0], 200)
        reset = subprocess.run([BIN, "--config", self.server.config_path, "admin", "reset-password", "erin"],
                               input=b"erin-secret-2\n", capture_output=True, timeout=60)
        self.assertEqual(reset.returncode, 0, reset.stderr)
        self.assertEqual(erin.call("GET", "/api/v1/session")[0], 401)
        self.assertEqual(Browser(self.server).login("erin", "erin-secret-1")[0], 401)
        self.assertEqual(Browser(self.server).login("erin", "erin-secret-2")[0], 200)

    def test_login_and_logout(self):
        b = Browser(self.server)
        status, _, body = b.login("alice", "wrong-password")
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "invalid_credentials")
        status, _, body = b.login("nobody", "whatever-password")
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "invalid_credentials")
        self.assertEqual(b.call("GET", "/api/v1/session")[2]["error"]["code"], "unauthenticated")

        status, _, body = b.login("alice", self.alice_password)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["user"]["name"], "alice")
        self.assertEqual(body["user"]["role"], "artist")
        self.assertTrue(body["csrf_token"])
        for flag in ("HttpOnly", "SameSite=Lax", "Path=/", f"Max-Age={2 * 3600}"):
            self.assertIn(flag, b.set_cookie)
        self.assertNotIn("Secure", b.set_cookie)
        status, _, me = b.call("GET", "/api/v1/session")
        self.assertEqual((status, me["user"]["name"], me["csrf_token"]), (200, "alice", body["csrf_token"]))
        # Behind a TLS proxy on this machine the cookie is Secure.
        _, headers, _ = request(self.server, "POST", "/api/v1/session",
                                {"username": "alice", "password": self.alice_password},
                                {"X-Forwarded-Proto": "https"})
        self.assertIn("Secure", headers["set-cookie"])
        # The password hash is Argon2id, never the password.
        import sqlite3
        db = sqlite3.connect(os.path.join(self.server.data_dir, "tidecast.db"))
        stored = db.execute("SELECT password_hash FROM users WHERE name = 'alice'").fetchone()[0]
        session_ids = [r[0] for r in db.execute("SELECT id_hash FROM sessions")]
        db.close()
        self.assertTrue(stored.startswith("$argon2id$"), stored)
        self.assertNotIn(b.cookie, session_ids)

        status, _, body = b.call("DELETE", "/api/v1/session", csrf=False)
        self.assertEqual((status, body["error"]["code"]), (403, "csrf"))
        status, headers, _ = b.call("DELETE", "/api/v1/session")
        self.assertEqual(status, 204)
        self.assertIn("Max-Age=0", headers["set-cookie"])
        self.assertEqual(b.call("GET", "/api/v1/session")[0], 401)

    def test_channels(self):
        status, _, body = self.alice.call("POST", "/api/v1/channels", {"name": "alice-live", "title": "A"},
                                          csrf=False)
        self.assertEqual((status, body["error"]["code"]), (403, "csrf"))
        bad = self.alice.call("POST", "/api/v1/channels", {"name": "x"}, headers={"X-CSRF-Token": "nope"},
                              csrf=False)
        self.assertEqual(bad[0], 403)
        self.assertEqual(request(self.server, "POST", "/api/v1/channels", {"name": "anon"})[0], 401)
        status, _, created = self.alice.call("POST", "/api/v1/channels", {"name": "alice-live", "title": "A"})
        self.assertEqual(status, 201, created)
        self.assertEqual(created["channel"]["name"], "alice-live")
        self.assertEqual(created["channel"]["owner"], "alice")
        self.assertTrue(created["rtmp_url"])
        key = created["stream_key"]

        self.assertEqual(request(self.server, "GET", "/api/v1/channels?mine=1")[0], 401)
        mine = [c["name"] for c in self.alice.call("GET", "/api/v1/channels?mine=1")[2]["channels"]]
        self.assertIn("alice-live", mine)
        self.assertNotIn("alice-live", [c["name"] for c in self.bob.call("GET", "/api/v1/channels?mine=1")[2]["channels"]])
        self.assertIn("alice-live", [c["name"] for c in self.root.call("GET", "/api/v1/channels?mine=1")[2]["channels"]])
        public = request(self.server, "GET", "/api/v1/channels")[2]["channels"]
        self.assertNotIn(key, str(public))

        # Someone else's channel: 403 for every change.
        self.assertEqual(self.bob.call("POST", "/api/v1/channels/alice-live/key")[0], 403)
        self.assertEqual(self.bob.call("PATCH", "/api/v1/channels/alice-live", {"title": "mine now"})[0], 403)
        self.assertEqual(self.bob.call("DELETE", "/api/v1/channels/alice-live")[0], 403)
        status, _, body = self.alice.call("PATCH", "/api/v1/channels/alice-live", {"title": "Alice on air"})
        self.assertEqual((status, body["channel"]["title"]), (200, "Alice on air"))
        # The channel's own ladder: stored as given, refused when malformed, null restores the default.
        status, _, body = self.alice.call("PATCH", "/api/v1/channels/alice-live", {"ladder": {"rungs": ["360p"]}})
        self.assertEqual((status, body["channel"]["ladder"]), (200, {"rungs": ["360p"]}))
        self.assertEqual(self.alice.call("PATCH", "/api/v1/channels/alice-live", {"ladder": "off"})[0], 400)
        self.assertEqual(self.alice.call("PATCH", "/api/v1/channels/alice-live", {"ladder": {"rungs": 3}})[0], 400)
        status, _, body = self.alice.call("PATCH", "/api/v1/channels/alice-live", {"ladder": None})
        self.assertEqual((status, body["channel"]["ladder"]), (200, None))

        # Go live with the key the API returned; the list shows it live.
        ffmpeg = publish(self.server.rtmp_url(key), seconds=8, size="320x240", fps=15, audio=False)
        try:
            self.server.wait_for("/live/alice-live/master.m3u8", timeout=20)
            entry = next(c for c in request(self.server, "GET", "/api/v1/channels")[2]["channels"]
                         if c["name"] == "alice-live")
            self.assertTrue(entry["live"])
            # The recording belongs to the channel's owner.
            mine = self.alice.call("GET", "/api/v1/videos?mine=1")[2]["videos"]
            self.assertIn("live", [v["origin"] for v in mine])
            self.assertNotIn("live", [v["origin"] for v in self.bob.call("GET", "/api/v1/videos?mine=1")[2]["videos"]])
            self.assertEqual(self.alice.call("DELETE", "/api/v1/channels/alice-live")[0], 409)
        finally:
            ffmpeg.kill()
            ffmpeg.wait()
        status, _, body = self.alice.call("POST", "/api/v1/channels/alice-live/key")
        self.assertEqual(status, 200, body)
        self.assertNotEqual(body["stream_key"], key)
        status, _, body = self.alice.call("POST", "/api/v1/channels", {"name": "alice-2", "title": ""})
        self.assertEqual(status, 201)
        self.assertEqual(self.root.call("DELETE", "/api/v1/channels/alice-2")[0], 204)
        self.assertEqual(self.alice.call("DELETE", "/api/v1/channels/alice-2")[0], 404)

    def test_private_channel(self):
        status, _, created = self.alice.call("POST", "/api/v1/channels", {"name": "alice-private", "title": "P"})
        self.assertEqual(status, 201, created)
        self.assertEqual(self.alice.call("PATCH", "/api/v1/channels/alice-private", {"visibility": "secret"})[0], 400)
        status, _, body = self.alice.call("PATCH", "/api/v1/channels/alice-private", {"visibility": "private"})
        self.assertEqual((status, body["channel"]["visibility"]), (200, "private"))
        hls = body["channel"]["hls"]
        self.assertRegex(hls, r"^/live/alice-private/~\d+-[A-Za-z0-9_-]{43}/master\.m3u8$")
        # Hidden from everyone else: the public list, the live list, bob's changes.
        self.assertNotIn("alice-private", [c["name"] for c in request(self.server, "GET", "/api/v1/channels")[2]["channels"]])
        self.assertEqual(self.bob.call("POST", "/api/v1/channels/alice-private/key")[0], 404)
        ffmpeg = publish(self.server.rtmp_url(created["stream_key"]), seconds=10, size="320x240", fps=15, audio=False)
        try:
            self.server.wait_for(hls, timeout=20)
            self.assertEqual(self.server.get("/live/alice-private/master.m3u8")[0], 403)
            self.assertEqual(self.server.get(hls.replace("/master.m3u8", "x/master.m3u8"))[0], 403)  # tampered
            self.assertNotIn("alice-private", str(request(self.server, "GET", "/api/v1/live")[2]))
            from support.tidecast import ffprobe_json
            code, data, err = ffprobe_json(self.server.url(hls), "-show_streams")
            self.assertEqual(code, 0, err)
            self.assertTrue(data["streams"])
            # Its live thumbnail: linked signed in the owner's channel JSON, refused unsigned, kept out of shared caches.
            self.assertEqual(self.server.get("/live/alice-private/thumbnail.jpg")[0], 403)
            from support.tidecast import poll
            mine = poll(lambda: {c["name"]: c for c in self.alice.call("GET", "/api/v1/channels?mine=1")[2]["channels"]},
                        lambda m: "thumbnail" in m["alice-private"], timeout=20)
            thumbnail = mine["alice-private"].get("thumbnail", "")
            self.assertRegex(thumbnail, r"^/live/alice-private/~\d+-[A-Za-z0-9_-]{43}/thumbnail\.jpg\?t=[0-9a-f]{16}$")
            status, headers, _ = self.server.get(thumbnail)
            self.assertEqual((status, headers["Content-Type"], headers["Cache-Control"]),
                             (200, "image/jpeg", "private, max-age=5"))
            # Its recording is private too, and the owner's.
            live = [v for v in self.alice.call("GET", "/api/v1/videos?mine=1")[2]["videos"] if v["origin"] == "live"
                    and v["visibility"] == "private"]
            self.assertTrue(live)
        finally:
            ffmpeg.kill()
            ffmpeg.wait()

    def test_videos(self):
        status, _, v = upload(self.alice, self.clip, "Sunset 100%_done")
        self.assertEqual(status, 201, v)
        vid = v["id"]
        status, _, mine = self.alice.call("GET", "/api/v1/videos?mine=1")
        self.assertIn(vid, [x["id"] for x in mine["videos"]])  # in every state
        self.assertEqual(request(self.server, "GET", "/api/v1/videos?mine=1")[0], 401)
        self.assertNotIn(vid, [x["id"] for x in self.bob.call("GET", "/api/v1/videos?mine=1")[2]["videos"]])
        self.assertIn(vid, [x["id"] for x in self.root.call("GET", "/api/v1/videos?mine=1")[2]["videos"]])
        done = wait_state(self.alice, vid, ("ready", "failed"))
        self.assertEqual(done["state"], "ready", done)
        self.assertTrue(done["can_edit"])
        self.assertEqual(done["urls"]["hls"], f"/vod/{vid}/master.m3u8")

        # Search: case-insensitive, LIKE wildcards are plain characters; paging has a total.
        def search(q, **extra):
            from urllib.parse import urlencode
            return request(self.server, "GET", "/api/v1/videos?" + urlencode({"q": q, **extra}))[2]
        self.assertEqual([x["id"] for x in search("SUNSET")["videos"]], [vid])
        self.assertEqual(search("100%_")["total"], 1)
        self.assertEqual(search("1_0")["total"], 0)
        self.assertEqual(search("%")["total"], 1)
        page = search("", limit=1, offset=5)
        self.assertEqual((page["videos"], page["limit"], page["offset"]), ([], 1, 5))
        self.assertGreaterEqual(page["total"], 1)
        self.assertEqual(request(self.server, "GET", "/api/v1/videos?limit=0")[0], 400)
        self.assertEqual(request(self.server, "GET", "/api/v1/videos?offset=-1")[0], 400)

        # Someone else's video: public -> 403; private -> 404.
        self.assertEqual(self.bob.call("PATCH", f"/api/v1/videos/{vid}", {"title": "x"})[0], 403)
        self.assertEqual(self.bob.call("DELETE", f"/api/v1/videos/{vid}")[0], 403)
        self.assertEqual(self.alice.call("PATCH", f"/api/v1/videos/{vid}", {"title": "x"}, csrf=False)[0], 403)
        self.assertEqual(self.alice.call("PATCH", f"/api/v1/videos/{vid}", {"visibility": "secret"})[0], 400)
        self.assertEqual(self.alice.call("PATCH", f"/api/v1/videos/{vid}", {"title": 7})[0], 400)
        self.assertEqual(self.alice.call("PATCH", f"/api/v1/videos/{vid}", {"owner_id": 1})[0], 400)
        status, _, body = self.alice.call("PATCH", f"/api/v1/videos/{vid}",
                                          {"title": "Evening", "description": "d", "visibility": "private"})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["title"], body["description"], body["visibility"]), ("Evening", "d", "private"))
        self.assertEqual(request(self.server, "GET", f"/api/v1/videos/{vid}")[0], 404)
        self.assertEqual(self.bob.call("GET", f"/api/v1/videos/{vid}")[0], 404)
        self.assertEqual(self.root.call("GET", f"/api/v1/videos/{vid}")[0], 200)
        self.assertEqual(self.bob.call("DELETE", f"/api/v1/videos/{vid}")[0], 404)
        self.assertNotIn(vid, [x["id"] for x in search("")["videos"]])
        self.assertIn(vid, [x["id"] for x in self.alice.call("GET", "/api/v1/videos?mine=1")[2]["videos"]])

        # Retry: only failed uploads.
        self.assertEqual(self.alice.call("POST", f"/api/v1/videos/{vid}/retry")[0], 409)
        status, _, bad = upload(self.alice, self.text, "notes")
        self.assertEqual(status, 201)
        failed = wait_state(self.alice, bad["id"], ("failed",), timeout=60)
        self.assertTrue(failed.get("failure_reason"))
        self.assertEqual(self.bob.call("POST", f"/api/v1/videos/{bad['id']}/retry")[0], 403)
        status, _, body = self.alice.call("POST", f"/api/v1/videos/{bad['id']}/retry")
        self.assertEqual(status, 202, body)
        self.assertIn(body["state"], ("pending", "processing", "failed"))
        self.assertEqual(body["job"]["state"] if body["state"] == "pending" else "queued", "queued")

        # Delete: rows and files.
        self.assertTrue(os.path.isdir(os.path.join(self.server.data_dir, "videos", vid)))
        self.assertEqual(self.alice.call("DELETE", f"/api/v1/videos/{vid}")[0], 204)
        self.assertEqual(self.alice.call("GET", f"/api/v1/videos/{vid}")[0], 404)
        self.assertFalse(os.path.exists(os.path.join(self.server.data_dir, "videos", vid)))
        self.assertEqual(self.alice.call("DELETE", f"/api/v1/videos/{vid}")[0], 404)

    def test_api_tokens(self):
        self.assertEqual(request(self.server, "GET", "/api/v1/tokens")[0], 401)
        self.assertEqual(self.alice.call("POST", "/api/v1/tokens", {"name": "alice-ci"}, csrf=False)[0], 403)
        status, _, created = self.alice.call("POST", "/api/v1/tokens", {"name": "alice-ci"})
        self.assertEqual(status, 201, created)
        secret, token_id = created["secret"], created["token"]["id"]
        listed = self.alice.call("GET", "/api/v1/tokens")[2]["tokens"]
        self.assertEqual([t["name"] for t in listed], ["alice-ci"])
        self.assertNotIn(secret, str(listed))
        self.assertEqual(self.bob.call("GET", "/api/v1/tokens")[2]["tokens"], [])
        # The token acts as alice, without CSRF.
        bearer = {"Authorization": f"Bearer {secret}"}
        status, _, me = request(self.server, "GET", "/api/v1/session", headers=bearer)
        self.assertEqual((status, me["user"]["name"]), (200, "alice"))
        status, _, ch = request(self.server, "POST", "/api/v1/channels", {"name": "alice-token"}, bearer)
        self.assertEqual((status, ch["channel"]["owner"]), (201, "alice"))
        self.assertEqual(request(self.server, "DELETE", "/api/v1/channels/alice-token", headers=bearer)[0], 204)
        # Only the owner can revoke it.
        self.assertEqual(self.bob.call("DELETE", f"/api/v1/tokens/{token_id}")[0], 404)
        self.assertEqual(self.alice.call("DELETE", f"/api/v1/tokens/{token_id}")[0], 204)
        self.assertEqual(request(self.server, "GET", "/api/v1/videos?mine=1", headers=bearer)[0], 401)


class LoginRateLimit(unittest.TestCase):
    def test_rate_limited(self):
        server = Server({"accounts": {"login_attempts_per_minute": 3}})
        try:
            create_user(server, "eve", "eve-secret-1")
            b = Browser(server)
            self.assertEqual([b.login("eve", "wrong-password-x")[0] for _ in range(3)], [401, 401, 401])
            status, headers, body = b.login("eve", "eve-secret-1")
            self.assertEqual((status, body["error"]["code"]), (429, "rate_limited"))
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
            server.wait_for_log("login rate limited", timeout=10)
            self.assertIn("login rate limited", server.read_log())
            # Behind a proxy on this machine, each forwarded client has its own budget.
            proxied = [request(server, "POST", "/api/v1/session", {"username": "eve", "password": "nope-nope"},
                               {"X-Forwarded-For": f"203.0.113.7, {ip}"})[0]
                       for ip in ("198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2")]
            self.assertEqual(proxied, [401, 401, 401, 429, 401])
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
