"""What a visitor who is not signed in gets from the web UI and the API: the
go-live, upload and manage pages send them to the sign-in page, the APIs
answer 401, a private video is neither listed nor playable. A session that
expires while a page is open sends the user to sign in with a message.
Server-Sent Events stream job progress to an API token holder."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
import http.client
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, _request, auth, create_token, make_clip, upload_plain, wait_video
from support.webui import WebUi, create_user


class WebAccess(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tidecast-webui-")
        cls.server = Server()
        cls.token = create_token(cls.server)
        create_user(cls.server, "owner", "owner password 1")
        cls.clip = make_clip(os.path.join(cls.tmp.name, "secret.mp4"), seconds=3, size="320x180")
        cls.ui = WebUi(cls.server.base)

    @classmethod
    def tearDownClass(cls):
        cls.ui.close()
        cls.server.close()
        cls.tmp.cleanup()

    def test_1_pages_redirect_to_sign_in(self):
        self.ui.call("context")
        for page in ("/golive.html", "/upload.html", "/manage.html"):
            with self.subTest(page=page):
                reply = self.ui.call("goto", path=page, wait_url="/signin.html")
                self.assertIn("/signin.html", reply["url"])
                self.assertIn("next=" + page.replace("/", "%2F"), reply["url"])
                note = self.ui.call("text", selector="#signin-reason")
                self.assertIn("sign in", note["text"].lower())

    def test_2_apis_answer_401(self):
        self.ui.call("context")
        for method, path in (("GET", "/api/v1/session"), ("GET", "/api/v1/videos?mine=1"), ("GET", "/api/v1/events"),
                             ("POST", "/api/v1/channels"), ("POST", "/api/v1/videos")):
            with self.subTest(path=path):
                reply = self.ui.call("fetch", path=path, method=method, body={} if method == "POST" else None)
                self.assertEqual(reply["status"], 401, reply)

    def test_3_private_video_is_invisible(self):
        status, body = upload_plain(self.server, self.token, self.clip, title="Secret")
        self.assertEqual(status, 201, body)
        video_id = body["video"]["id"] if "video" in body else body["id"]
        wait_video(self.server, video_id)
        status, _, _ = _request(self.server, "PATCH", f"/api/v1/videos/{video_id}",
                                {**auth(self.token), "Content-Type": "application/json"}, b'{"visibility":"private"}')
        self.assertEqual(status, 200)
        self.ui.call("context")
        self.assertEqual(self.ui.call("fetch", path=f"/api/v1/videos/{video_id}")["status"], 404)
        listed = self.ui.call("fetch", path="/api/v1/videos")["json"]
        self.assertNotIn(video_id, [v["id"] for v in listed["videos"]])
        self.ui.call("goto", path=f"/watch.html?video={video_id}")
        said = self.ui.call("wait_text", selector="#not-found", contains="does not exist")
        self.assertIn("private", said["text"])

    def test_4_expired_session_sends_to_sign_in_with_a_message(self):
        self.ui.call("context")
        self.assertTrue(self.ui.call("signin", username="owner", password="owner password 1", next="/manage.html")["signed_in"])
        self.ui.call("goto", path="/golive.html")
        self.ui.call("expire_session")
        self.ui.call("fill_and_create_channel", name="late")
        reply = self.ui.call("wait_text", selector="#signin-reason", contains="expired")
        self.assertIn("session has expired", reply["text"])

    def test_5_events_stream_job_progress_to_a_token_holder(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=60)
        conn.request("GET", "/api/v1/events", headers=auth(self.token))
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        self.assertTrue(response.getheader("Content-Type").startswith("text/event-stream"))
        status, body = upload_plain(self.server, self.token, self.clip, title="Evented")
        self.assertEqual(status, 201, body)
        seen = b""
        deadline = time.time() + 120
        while b'"state":"ready"' not in seen and time.time() < deadline:
            seen += response.read1(65536)
        conn.close()
        self.assertIn(b"event: job\ndata: ", seen)
        self.assertIn(b"event: video\ndata: ", seen)
        self.assertIn(b'"state":"ready"', seen)


if __name__ == "__main__":
    unittest.main(verbosity=2)
