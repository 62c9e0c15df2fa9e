"""What one node shows of the whole cluster (issue 13): three nodes, one PostgreSQL.

- The events stream (SSE) of node A announces a channel going live on node B
  within about two seconds (from B's lease), and going offline again; A's
  /api/v1/live lists it.
- Viewers on different nodes add up: viewers of the owner and viewers of a
  node relaying it are counted where they watch, and every node reports the sum.
- The login limit holds across nodes: failed sign-ins spread over the three
  nodes from one client address are refused after the same count as on one.
Client addresses are set with X-Forwarded-For (loopback is a trusted proxy).
"""
import http.client
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import request
from support.cluster import Cluster
from support.tidecast import auth, create_token, poll, publish

LOGIN_LIMIT = 10  # accounts.login_attempts_per_minute's default


class EventReader(threading.Thread):
    """Reads one node's /api/v1/events, keeping each `live` event with the time it arrived."""

    def __init__(self, node, token):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=120)
        self.conn.request("GET", "/api/v1/events", headers=auth(token))
        self.response = self.conn.getresponse()
        assert self.response.status == 200, self.response.status
        self.live = []  # (time, channel, live)

    def run(self):
        buffer = b""
        try:
            while True:
                chunk = self.response.read1(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    lines = block.decode().splitlines()
                    if "event: live" not in lines:
                        continue
                    data = json.loads(next(l[6:] for l in lines if l.startswith("data: ")))
                    self.live.append((time.time(), data["channel"], data["live"]))
        except (OSError, http.client.HTTPException):  # closed by the test
            return

    def first(self, channel, live, after=0):
        return next((t for t, c, l in self.live if c == channel and l == live and t >= after), None)

    def close(self):
        self.conn.close()


class ClusterState(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(nodes=3, lease_seconds=3, haproxy=False)
        cls.token = create_token(cls.cluster.nodes[0], "ci")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def test_1_live_elsewhere_events_and_viewers(self):
        a, b, c = self.cluster.nodes
        key = self.cluster.create_channel("elsewhere")
        events = EventReader(a, self.token)
        events.start()
        try:
            publisher = publish(b.rtmp_url(key), seconds=60, size="320x240", audio=False)
            try:
                owner = poll(lambda: self.cluster.owner("elsewhere"), lambda o: o is not None, 20, interval=0.05)
                taken = time.time()
                self.assertEqual(owner, b.name)
                announced = poll(lambda: events.first("elsewhere", True), lambda t: t is not None, 10, interval=0.05)
                self.assertIsNotNone(announced, f"node {a.name} never announced the channel live on {b.name}")
                print(f"live on {b.name} announced by {a.name} after {announced - taken:.2f} s", file=sys.stderr)
                self.assertLess(announced - taken, 3.0, "a channel live on another node shows within about 2 s")
                listed = a.get_json("/api/v1/live")[1]["live"]
                self.assertEqual([(e["channel"], e["publishing"]) for e in listed], [("elsewhere", True)])

                # Viewers: two on the owner, one on a node relaying it; each node counts its own.
                self.assertEqual(poll(lambda: b.get("/live/elsewhere/v0/media.m3u8")[0], lambda s: s == 200, 30), 200)
                for node, address in ((b, "10.1.0.1"), (b, "10.1.0.2"), (c, "10.1.0.3")):
                    status, _, _ = node.get("/live/elsewhere/master.m3u8", headers={"X-Forwarded-For": address})
                    self.assertEqual(status, 200, node.name)

                def viewers(node):
                    live = node.get_json("/api/v1/live")[1]["live"]
                    return next((e["viewers"] for e in live if e["channel"] == "elsewhere"), None)

                for node in (a, b, c):
                    self.assertEqual(poll(lambda: viewers(node), lambda v: v == 3, 10), 3,
                                     f"{node.name} must report the viewers of every node")
                channels = a.get_json("/api/v1/channels")[1]["channels"]
                entry = next(ch for ch in channels if ch["name"] == "elsewhere")
                self.assertTrue(entry["live"])
                self.assertEqual(entry["viewers"], 3)
            finally:
                publisher.send_signal(signal.SIGINT)  # a clean unpublish: the lease is released
                publisher.wait(30)
            ended = time.time()
            gone = poll(lambda: events.first("elsewhere", False, after=ended - 1), lambda t: t is not None, 15,
                        interval=0.1)
            self.assertIsNotNone(gone, "the end on the other node is announced too")
        finally:
            events.close()

    def test_2_login_limit_holds_across_nodes(self):
        nodes = self.cluster.nodes
        statuses = []
        for i in range(LOGIN_LIMIT + 2):
            node = nodes[i % len(nodes)]
            status, _, _ = request(node, "POST", "/api/v1/session", {"username": "nobody", "password": "wrong guess"},
                                headers={"X-Forwarded-For": "203.0.113.9"})
            statuses.append((node.name, status))
        codes = [s for _, s in statuses]
        self.assertEqual(codes[:LOGIN_LIMIT], [401] * LOGIN_LIMIT, statuses)
        self.assertEqual(codes[LOGIN_LIMIT:], [429, 429], statuses)
        # Another address is not affected.
        status, _, _ = request(nodes[0], "POST", "/api/v1/session", {"username": "nobody", "password": "x"},
                            headers={"X-Forwarded-For": "203.0.113.10"})
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
