"""A single box grows into a cluster: `tidecast catalog copy-to-postgres URL`.

A single-box server (SQLite) gets a user, a channel, an API token and a
converted upload; after the copy, a cluster node on the same data_dir and
signing key, reading only PostgreSQL, accepts the same password, token and
stream key and serves the same video id. New rows get fresh ids after the
copied ones, and a second copy into the now non-empty database is refused.
A node started without the ingest role refuses publishes.
"""
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import Browser, create_user, request
from support.cluster import Node
from support.postgres import Postgres
from support.tidecast import BIN, Server, auth, create_token, make_clip, publish, upload_plain, wait_video
from support.ws import WebSocket


class CopyToPostgres(unittest.TestCase):
    def test_single_box_catalog_moves_into_postgres(self):
        pg = Postgres()
        tmp = tempfile.TemporaryDirectory(prefix="tidecast-copy-")
        box = Server()
        node = None
        try:
            password, _ = create_user(box, "alice", "correct horse battery", role="admin")
            key = box.create_channel("studio")
            token = create_token(box, "ci")
            clip = make_clip(os.path.join(tmp.name, "clip.mp4"), seconds=2, size="320x240")
            status, created = upload_plain(box, token, clip, title="Before the move")
            self.assertEqual(status, 201, created)
            video_id = created["video"]["id"] if "video" in created else created["id"]
            self.assertEqual(wait_video(box, video_id)["state"], "ready")
            alice = Browser(box)
            self.assertEqual(alice.login("alice", password)[0], 200)
            chat = WebSocket(box.http_port, "/api/v1/channels/studio/chat",
                             {"Cookie": f"tidecast_session={alice.cookie}"})
            chat.recv_json()
            chat.send_json({"type": "post", "text": "before the move"})
            self.assertEqual(chat.wait_for(lambda m: m["type"] == "message")["id"], 1)
            chat.close()
            box.stop()

            url = pg.create_database("moved")
            out = subprocess.run([BIN, "--config", box.config_path, "catalog", "copy-to-postgres", url],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("copied users: 1 rows", out.stdout)
            self.assertIn("copied videos: 1 rows", out.stdout)
            again = subprocess.run([BIN, "--config", box.config_path, "catalog", "copy-to-postgres", url],
                                   capture_output=True, text=True, timeout=60)
            self.assertNotEqual(again.returncode, 0)
            self.assertIn("not empty", again.stderr)

            secret = os.path.join(tmp.name, "secret")
            with open(secret, "w") as f:
                f.write("a cluster secret of some length")
            node = Node("n1", {"enabled": True, "database": url, "secret_file": secret,
                               "signing_key_file": os.path.join(box.data_dir, "url_signing.key")},
                        data_dir=box.data_dir)
            # The same password, token and video id.
            status, _, _ = request(node, "POST", "/api/v1/session", {"username": "alice", "password": password})
            self.assertEqual(status, 200)
            status, _, body = request(node, "GET", f"/api/v1/videos/{video_id}", headers=auth(token))
            self.assertEqual(status, 200, body)
            self.assertEqual(body["title"] if "title" in body else body["video"]["title"], "Before the move")
            status, _, _ = node.get(f"/vod/{video_id}/master.m3u8")
            self.assertEqual(status, 200)
            # The same stream key goes live on the node.
            p = publish(node.rtmp_url(key), seconds=8, size="320x240", audio=False)
            node.wait_for("/live/studio/master.m3u8", timeout=20)
            p.kill()
            p.wait()
            # The chat's history came along, and its ids continue.
            chat = WebSocket(node.http_port, "/api/v1/channels/studio/chat",
                             {"Cookie": f"tidecast_session={alice.cookie}"})
            self.assertEqual([m["text"] for m in chat.recv_json()["history"]], ["before the move"])
            chat.send_json({"type": "post", "text": "after the move"})
            self.assertEqual(chat.wait_for(lambda m: m["type"] == "message")["id"], 2)
            chat.close()
            # New rows continue after the copied ids.
            status, _, body = request(node, "POST", "/api/v1/channels", {"name": "second"}, headers=auth(token))
            self.assertEqual(status, 201, body)
            # A node without the ingest role refuses publishes (HAProxy lists only ingest nodes for RTMP).
            node.close()
            node = Node("n2", {"enabled": True, "database": url, "secret_file": secret, "roles": ["serve", "storage"],
                               "signing_key_file": os.path.join(box.data_dir, "url_signing.key")})
            p = publish(node.rtmp_url(key), seconds=5, size="320x240", audio=False)
            self.assertNotEqual(p.wait(30), 0)
            node.wait_for_log("publish refused")
            self.assertIn("no ingest role", node.read_log())
        finally:
            if node:
                node.close()
            box.close()
            tmp.cleanup()
            pg.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
