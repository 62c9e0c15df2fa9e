"""Low-latency HLS through a node that does not own the channel, and through
the nginx edge (packaging/examples/nginx-edge.conf) in front of that node.

Two nodes, one PostgreSQL, no HAProxy: the publish goes to n1 (the owner);
viewers ask n2, which holds nothing itself: it passes the blocking request
(_HLS_msn/_HLS_part, canonical) to the owner, which holds it until the part
exists, and relays the answer. Before that, n2 dropped the query and
answered at once with a playlist without the part the player asked for.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.cluster import Cluster, NginxEdge  # noqa: E402
from support.low_latency import playlist_edge  # noqa: E402
from support.tidecast import publish  # noqa: E402

PLAYLIST = "/live/ll/v0/media.m3u8"


edge = playlist_edge


class ClusterLowLatency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(nodes=2, haproxy=False,
                              config={"live": {"latency_mode": "low", "part_seconds": 0.4}})
        n1, n2 = cls.cluster.nodes
        key = cls.cluster.create_channel("ll")
        cls.publisher = publish(n1.rtmp_url(key), seconds=60, size="640x360", gop_seconds=1)
        n1.wait_for(PLAYLIST, timeout=30)
        n2.wait_for(PLAYLIST, timeout=30)  # n2 knows the owner
        cls.nginx = NginxEdge(cls.cluster.tmp, n2.http_port)
        time.sleep(3)

    @classmethod
    def tearDownClass(cls):
        if cls.publisher.poll() is None:
            cls.publisher.kill()
        cls.nginx.close()
        cls.cluster.close()

    def blocking_reload(self, via):
        status, _, body = via.get(PLAYLIST)
        self.assertEqual(status, 200)
        msn, part, _ = edge(body.decode())
        started = time.time()
        status, headers, body = via.get(f"{PLAYLIST}?_HLS_msn={msn}&_HLS_part={part + 1}")
        waited = time.time() - started
        self.assertEqual(status, 200, body)
        # The answer has the part asked for: it was held until the part existed
        # (about one part, 0.4 s), well inside hls.js's low-latency timeout.
        self.assertGreaterEqual(edge(body.decode())[:2], (msn, part + 1), body)
        self.assertLess(waited, 3.0)
        return {k.lower(): v for k, v in headers.items()}

    def test_1_blocking_reload_through_a_node_that_does_not_own_the_channel(self):
        n2 = self.cluster.nodes[1]
        for _ in range(4):
            headers = self.blocking_reload(n2)
            self.assertEqual(headers.get("x-served-by"), "n2")
        # Garbage is refused by n2 itself, never fetched.
        status, _, body = n2.get(PLAYLIST + "?_HLS_msn=abc")
        self.assertEqual(status, 400)
        self.assertIn(b"bad_blocking_request", body)
        # What the owner refuses (too far ahead) is passed on as its 400.
        status, _, body = n2.get(PLAYLIST + "?_HLS_msn=999999")
        self.assertEqual(status, 400, body)

    def test_2_a_preload_hinted_part_through_the_other_node(self):
        n1, n2 = self.cluster.nodes
        _, _, body = n2.get(PLAYLIST)
        _, _, hint = edge(body.decode())
        started = time.time()
        status, _, part = n2.get("/live/ll/v0/" + hint)
        self.assertEqual(status, 200)
        self.assertLess(time.time() - started, 3.0)
        self.assertIn(b"moof", part[:64])
        self.assertEqual(part, n1.get("/live/ll/v0/" + hint)[2])  # the owner's bytes

    def test_3_blocking_reload_and_parts_through_the_nginx_edge(self):
        for _ in range(3):
            self.blocking_reload(self.nginx)
        _, _, body = self.nginx.get(PLAYLIST)
        msn, part, hint = edge(body.decode())
        status, _, first = self.nginx.get("/live/ll/v0/" + hint)
        self.assertEqual(status, 200)
        # The part is immutable: the edge answers it again from its cache.
        status, headers, again = self.nginx.get("/live/ll/v0/" + hint)
        self.assertEqual((status, again), (200, first))
        self.assertEqual(headers.get("x-cache-status"), "HIT")


if __name__ == "__main__":
    unittest.main()
