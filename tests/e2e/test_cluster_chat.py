"""Chat over two cluster nodes (one PostgreSQL, no HAProxy: clients pick the node).

A channel's room lives on one node (the rendezvous choice while nobody is
live); a viewer connected to the other node is relayed to it over a signed
internal WebSocket. Both see each other's messages and the same viewer count,
the relay passes close codes through (1009 for an oversized frame). When the
channel goes live on the other node, the room moves to its owner (members of
the old room are told to reconnect: 1012) and when the room's node stops, the
relayed viewer is told to go and the remaining node hosts the room.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import Browser, create_user  # noqa: E402
from support.cluster import Cluster  # noqa: E402
from support.tidecast import poll, publish  # noqa: E402
from support.ws import WebSocket  # noqa: E402

CHAT = "/api/v1/channels/studio/chat"


class ClusterChat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(nodes=2, haproxy=False)
        n1 = cls.cluster.nodes[0]
        password, _ = create_user(n1, "alice", "alice-secret-123")
        cls.alice = Browser(n1)
        assert cls.alice.login("alice", password)[0] == 200
        status, _, made = cls.alice.call("POST", "/api/v1/channels", {"name": "studio", "title": "Studio"})
        assert status == 201, made
        cls.stream_key = made["stream_key"]

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def connect(self, node, signed_in=True):
        headers = {"Cookie": f"tidecast_session={self.alice.cookie}"} if signed_in else {}
        ws = WebSocket(node.http_port, CHAT, headers)
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101, ws.head)
        hello = ws.recv_json()
        self.assertEqual(hello["type"], "hello")
        return ws, hello

    def test_one_room_over_two_nodes(self):
        n1, n2 = self.cluster.nodes
        # Both nodes must have registered (every 3 s) before they agree on the room's node.
        time.sleep(4)
        on_n1, _ = self.connect(n1)
        on_n2, hello = self.connect(n2, signed_in=False)
        self.assertFalse(hello["you"]["signed_in"])
        self.assertEqual(hello["room"]["viewers"], 2, hello)  # one room, both viewers in it

        start = time.time()
        on_n1.send_json({"type": "post", "text": "from n1"})
        seen = on_n2.wait_for(lambda m: m.get("type") == "message")
        print(f"cross-node fan-out: {1000 * (time.time() - start):.1f} ms", flush=True)
        self.assertEqual(seen["text"], "from n1")
        # A moderator on the relayed side moderates the same room.
        moderator, hello = self.connect(n2)
        self.assertTrue(hello["you"]["moderator"])
        moderator.send_json({"type": "delete", "id": seen["id"]})
        self.assertEqual(on_n1.wait_for(lambda m: m.get("type") == "deleted")["ids"], [seen["id"]])
        moderator.send_json({"type": "post", "text": "from n2"})
        self.assertEqual(on_n1.wait_for(lambda m: m.get("type") == "message")["text"], "from n2")

        # Close codes pass through the relay.
        bad, _ = self.connect(n2)
        bad.send_frame(0x1, b"x" * 10_000)
        self.assertEqual(bad.wait_closed(), 1009)

        host = n1 if n1.metric("tidecast_chat_rooms") == 1 else n2
        other = n2 if host is n1 else n1
        self.assertEqual(other.metric("tidecast_chat_rooms"), 0)  # never a second room
        on_host, on_other = (on_n1, on_n2) if host is n1 else (on_n2, on_n1)

        # The channel goes live on the other node: the room moves to its owner.
        # Members of the old room are told to reconnect (1012), through the relay too.
        publisher = publish(other.rtmp_url(self.stream_key), seconds=60, size="320x240", gop_seconds=1, audio=False)
        self.addCleanup(lambda: publisher.poll() is None and (publisher.kill(), publisher.wait()))
        self.assertEqual(on_host.wait_closed(), 1012)
        self.assertEqual(on_other.wait_closed(), 1012)
        self.assertTrue(poll(lambda: self.greeted(host), bool, timeout=20, interval=0.5))
        on_owner, hello = self.connect(other)
        relayed, hello = self.connect(host)
        self.assertEqual(hello["room"]["viewers"], 2, hello)
        self.assertEqual((other.metric("tidecast_chat_rooms"), host.metric("tidecast_chat_rooms")), (1, 0))
        self.assertIn("room moved channel=studio", host.read_log())

        # The room's node stops: a viewer relayed to it is told to go (1001,
        # passed through) or to reconnect (1012, the relay lost it).
        other.stop()
        self.assertIn(relayed.wait_closed(), (1001, 1012))
        # Once its lease expired and the registry forgot it, the remaining node hosts the room.
        self.assertTrue(poll(lambda: self.greeted(host), bool, timeout=40, interval=1))

    def greeted(self, node):
        ws = WebSocket(node.http_port, CHAT)
        try:
            return ws.status == 101 and ws.recv_json()["type"] == "hello"
        except Exception:  # noqa: BLE001 (closed: not yet)
            return False
        finally:
            ws.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
