"""Three Tidecast nodes acting as one: PostgreSQL catalog, HAProxy in front, ffmpeg publishing.

One cluster (3 nodes, 3-s leases) is shared by the checks, in order:
- channel ids hash to one node each through HAProxy, spread over the nodes;
- a publish through HAProxy's RTMP port makes one node the owner (its lease);
  every node serves the channel, segments byte-identical, each answer naming
  the node that served it, and its live thumbnail (made by the owner when asked); hls.js and dash.js play it in Chromium through HAProxy;
- 50 concurrent requests for a new segment on a non-owner make one internal fetch;
  through the nginx edge (packaging/examples/nginx-edge.conf), one cache miss;
- a second publisher on another node is refused while the lease lives;
- internal calls need the cluster signature;
- the owner killed with SIGKILL while ffmpeg keeps republishing through
  HAProxy: another node takes the lease and the channel plays again;
- the owner paused (SIGSTOP) past its lease while another node takes the
  channel: resumed, it is fenced (its renewal refused) and relays the new owner;
- privacy, a key rotation and a user deletion made on one node hold on the
  others within a second;
- PostgreSQL stopped for longer than a lease: the owner goes on live, a
  catalog read answers 503 with Retry-After, a new publish is refused; all
  recover without a restart when it is back.
"""
import concurrent.futures
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.accounts import Browser, create_user, request
from support.browser import play
from support.cluster import Cluster
from support.tidecast import BIN, auth, create_token, media_playlist_segments, poll, publish


def segment_names(playlist_bytes):
    return [uri for uri, _ in media_playlist_segments(playlist_bytes.decode())[1]]

CHANNEL = "stage"


def republish_loop(url, seconds):
    """ffmpeg publishing in a loop, retrying every second as OBS does after a refusal or a drop."""
    script = ("end=$((SECONDS+%d)); while [ $SECONDS -lt $end ]; do "
              "ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i testsrc2=s=640x360:r=30 "
              "-t $((end-SECONDS)) -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p "
              "-g 60 -keyint_min 60 -sc_threshold 0 -f flv '%s'; sleep 1; done") % (seconds, url)
    return subprocess.Popen(["bash", "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


class ClusterOfThree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(nodes=3, lease_seconds=3, nginx=True)
        cls.key = cls.cluster.create_channel(CHANNEL)
        cls.other_key = cls.cluster.create_channel("backstage")
        cls.token = create_token(cls.cluster.nodes[0], "ci")
        cls.publisher = None

    @classmethod
    def tearDownClass(cls):
        if cls.publisher and cls.publisher.poll() is None:
            os.killpg(cls.publisher.pid, signal.SIGKILL)
        cls.cluster.close()

    def wait_playing(self, get, timeout=30):
        """The media playlist (through `get`) once it lists at least two segments."""
        return poll(lambda: get(f"/live/{CHANNEL}/v0/media.m3u8"),
                    lambda r: r[0] == 200 and len(segment_names(r[2])) >= 2, timeout)

    def test_1_channel_ids_hash_to_one_node_each(self):
        proxy = self.cluster.haproxy
        served = {}
        for i in range(30):
            names = set()
            for _ in range(3):
                _, headers, _ = proxy.get(f"/live/ch{i}/master.m3u8")
                names.add(headers.get("x-served-by"))
                # hash-balance-factor counts connections still closing as load; at idle
                # one such connection is above average and would send the next request on.
                time.sleep(0.05)
            self.assertEqual(len(names), 1, f"ch{i} was served by {names}")
            served[f"ch{i}"] = names.pop()
        spread = {node: list(served.values()).count(node) for node in set(served.values())}
        self.assertEqual(len(spread), 3, f"30 channel ids should reach all 3 nodes: {spread}")

    def test_2_publish_through_haproxy_every_node_serves(self):
        cls = type(self)
        cls.publisher = republish_loop(self.cluster.haproxy.rtmp_url(self.key), 90)
        status, _, body = self.wait_playing(self.cluster.haproxy.get)
        self.assertEqual(status, 200, body)
        owner = self.cluster.owner(CHANNEL)
        self.assertIn(owner, {"n1", "n2", "n3"})
        name = segment_names(body)[-1]
        copies = {}
        for node in self.cluster.nodes:
            status, headers, data = node.get(f"/live/{CHANNEL}/v0/{name}")
            self.assertEqual(status, 200, f"{node.name}: {data[:200]}")
            self.assertEqual(headers.get("X-Served-By"), node.name)
            copies[node.name] = data
            status, headers, _ = node.get(f"/live/{CHANNEL}/master.m3u8")
            self.assertEqual(status, 200)
        self.assertEqual(len(set(copies.values())), 1, "a segment must be byte-identical from every node")
        self.assertGreater(len(copies[owner]), 1000)
        # The live thumbnail: made on demand by the owner, relayed by the others.
        for node in self.cluster.nodes:
            status, headers, data = node.get(f"/live/{CHANNEL}/thumbnail.jpg")
            self.assertEqual(status, 200, f"{node.name}: {data[:200]}")
            self.assertEqual(headers.get("Content-Type"), "image/jpeg")
            self.assertEqual(data[:2], b"\xff\xd8", node.name)
        # hls through HAProxy lands on one node for this channel, whichever took the publish.
        served_by = set()
        for _ in range(5):
            served_by.add(self.cluster.haproxy.get(f"/live/{CHANNEL}/master.m3u8")[1]["x-served-by"])
            time.sleep(0.05)  # a connection still closing counts as load (hash-balance-factor, see test_1)
        self.assertEqual(len(served_by), 1)

    def test_2a_hls_js_and_dash_js_play_through_haproxy(self):
        # The node HAProxy picks for the channel may or may not be its owner;
        # either way the watch page plays (a non-owner relays the owner's media).
        proxy = self.cluster.haproxy
        served_by = proxy.get(f"/live/{CHANNEL}/master.m3u8")[1]["x-served-by"]
        for engine in ("hls", "dash"):
            report = play(f"{proxy.base}/watch.html?channel={CHANNEL}&engine={engine}", seconds=8)
            message = f"{engine} via {served_by} (owner {self.cluster.owner(CHANNEL)}): {report}"
            self.assertTrue(report.get("started"), message)
            self.assertGreaterEqual(report["advanced"], 5.0, message)
            self.assertEqual(report["errors"], [], message)

    def test_3_concurrent_requests_make_one_internal_fetch(self):
        owner = self.cluster.owner(CHANNEL)
        other = next(n for n in self.cluster.nodes if n.name != owner)
        owner_node = self.cluster.node(owner)
        # Wait for a segment the non-owner has not seen yet, then ask 50 times at once.
        _, _, body = owner_node.get(f"/live/{CHANNEL}/v0/media.m3u8")
        known = set(segment_names(body))
        fresh = poll(lambda: [s for s in segment_names(owner_node.get(f"/live/{CHANNEL}/v0/media.m3u8")[2])
                              if s not in known],
                     bool, 15, interval=0.05)
        self.assertTrue(fresh)
        path = f"/live/{CHANNEL}/v0/{fresh[-1]}"
        label = '{result="fetch"}'
        before = other.metric("tidecast_cluster_pull_requests_total", label)
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            results = list(pool.map(lambda _: other.get(path), range(50)))
        after = other.metric("tidecast_cluster_pull_requests_total", label)
        self.assertTrue(all(r[0] == 200 for r in results), [r[0] for r in results])
        self.assertEqual(len({r[2] for r in results}), 1)
        self.assertEqual(after - before, 1, "50 concurrent requests for one segment: one internal fetch")

    def test_3b_nginx_edge_sends_one_request_per_segment(self):
        edge = self.cluster.nginx
        _, _, body = edge.get(f"/live/{CHANNEL}/v0/media.m3u8")
        known = set(segment_names(body))
        fresh = poll(lambda: [s for s in segment_names(edge.get(f"/live/{CHANNEL}/v0/media.m3u8")[2]) if s not in known],
                     bool, 15, interval=0.1)
        self.assertTrue(fresh)
        path = f"/live/{CHANNEL}/v0/{fresh[-1]}"
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            results = list(pool.map(lambda _: edge.get(path), range(50)))
        self.assertTrue(all(r[0] == 200 for r in results), [r[0] for r in results])
        self.assertEqual(len({r[2] for r in results}), 1)
        statuses = [r[1].get("x-cache-status") for r in results]
        self.assertEqual(statuses.count("MISS"), 1, statuses)
        # A segment that does not exist yet is not remembered as missing.
        missing = f"/live/{CHANNEL}/v0/{fresh[-1].replace('.m4s', '9.m4s')}"
        self.assertEqual(edge.get(missing)[0], 404)
        self.assertNotEqual(edge.get(missing)[1].get("x-cache-status"), "HIT")

    def test_4_second_publisher_on_another_node_is_refused(self):
        owner = self.cluster.owner(CHANNEL)
        other = next(n for n in self.cluster.nodes if n.name != owner)
        p = publish(other.rtmp_url(self.key), seconds=5, size="320x240", audio=False)
        self.assertNotEqual(p.wait(30), 0, "a second publisher must be refused")
        other.wait_for_log(f"publish refused channel={CHANNEL}")
        self.assertIn(f"live on node {owner}", other.read_log())
        self.assertEqual(self.cluster.owner(CHANNEL), owner)

    def test_5_internal_calls_need_the_cluster_signature(self):
        node = self.cluster.nodes[0]
        status, _, body = node.get(f"/internal/v1/live/{CHANNEL}/master.m3u8")
        self.assertEqual(status, 403, body)
        status, _, body = node.get(f"/internal/v1/live/{CHANNEL}/master.m3u8",
                                   headers={"X-Tidecast-Cluster": f"n9 {int(time.time())} {'0' * 64}"})
        self.assertEqual(status, 403)
        self.assertIn(b"wrong cluster signature", body)
        node.wait_for_log("refused internal call")

    def test_6_owner_killed_another_node_takes_over(self):
        owner = self.cluster.owner(CHANNEL)
        node = self.cluster.node(owner)
        node.stop(sig=signal.SIGKILL)
        killed = time.time()
        # ffmpeg's connection broke; its loop republishes through HAProxy, which now
        # sends it to a live node; that node gets the lease once the old one expired.
        new_owner = poll(lambda: self.cluster.owner(CHANNEL), lambda o: o not in (None, owner), 30, interval=0.2)
        self.assertNotIn(new_owner, (None, owner))
        fresh = self.cluster.node(new_owner)
        status, _, body = self.wait_playing(fresh.get, timeout=30)
        self.assertEqual(status, 200, body)
        gap = time.time() - killed
        print(f"fail-over: owner {owner} killed, {new_owner} playing after {gap:.1f} s", file=sys.stderr)
        # Any surviving node serves it (the non-owner through the pull cache).
        for other in self.cluster.nodes:
            if other.name in (owner,):
                continue
            status, headers, _ = other.get(f"/live/{CHANNEL}/v0/media.m3u8")
            self.assertEqual(status, 200, other.name)
            self.assertEqual(headers.get("X-Served-By"), other.name)
        node.start()  # back in the cluster; the channel stays with its new owner
        self.assertEqual(self.cluster.owner(CHANNEL), new_owner)

    def test_7_paused_owner_comes_back_fenced(self):
        owner = self.cluster.owner(CHANNEL)
        paused = self.cluster.node(owner)
        paused.proc.send_signal(signal.SIGSTOP)
        try:
            os.killpg(self.publisher.pid, signal.SIGKILL)  # the encoder gives up on the frozen node
            time.sleep(3 + 1.5)  # past the 3-s lease
            other = next(n for n in self.cluster.nodes if n.name != owner and n.proc.poll() is None)
            type(self).publisher = republish_loop(other.rtmp_url(self.key), 60)
            taken = poll(lambda: self.cluster.owner(CHANNEL), lambda o: o == other.name, 20, interval=0.2)
            self.assertEqual(taken, other.name)
            self.wait_playing(other.get)
        finally:
            paused.proc.send_signal(signal.SIGCONT)
        # Back: it must not act as the owner. Its renewal is refused (the epoch moved
        # on), it says so, and it answers for the channel with the new owner's media.
        paused.wait_for_log(f"lease lost channel={CHANNEL}", timeout=10)
        status, headers, body = paused.get(f"/live/{CHANNEL}/v0/media.m3u8")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("X-Served-By"), owner)
        names = segment_names(body)
        _, _, current = other.get(f"/live/{CHANNEL}/v0/media.m3u8")
        self.assertTrue(set(names) & set(segment_names(current)), "the paused node must relay the new owner's playlist")
        self.assertEqual(self.cluster.owner(CHANNEL), other.name)

    def test_7b_changes_on_one_node_hold_on_the_others_within_a_second(self):
        owner = self.cluster.node(self.cluster.owner(CHANNEL))
        others = [n for n in self.cluster.nodes if n is not owner and n.proc.poll() is None]
        # Privacy set through another node: the owner refuses unsigned media within a second.
        status, _, body = request(others[0], "PATCH", f"/api/v1/channels/{CHANNEL}", {"visibility": "private"},
                                  headers=auth(self.token))
        self.assertEqual(status, 200, body)
        changed = time.time()
        status = poll(lambda: owner.get(f"/live/{CHANNEL}/master.m3u8")[0], lambda s: s == 403, 5, interval=0.05)
        took = time.time() - changed
        self.assertEqual(status, 403)
        self.assertLess(took, 2.0, "privacy must hold on every node within about a second")
        request(others[0], "PATCH", f"/api/v1/channels/{CHANNEL}", {"visibility": "public"}, headers=auth(self.token))
        self.assertEqual(poll(lambda: owner.get(f"/live/{CHANNEL}/master.m3u8")[0], lambda s: s == 200, 5), 200)
        # A key rotated on one node: the old key is refused on another at once.
        status, _, body = request(others[0], "POST", "/api/v1/channels/backstage/key", {}, headers=auth(self.token))
        self.assertEqual(status, 200, body)
        p = publish(others[-1].rtmp_url(self.other_key), seconds=5, size="320x240", audio=False)
        self.assertNotEqual(p.wait(30), 0, "the old stream key must be refused on every node")
        type(self).other_key = body["stream_key"]
        # A user deleted on one node is signed out on the others.
        password, _ = create_user(owner, "bob", "a long enough password")
        browser = Browser(others[0])
        self.assertEqual(browser.login("bob", password)[0], 200)
        self.assertEqual(browser.call("GET", "/api/v1/session")[0], 200)
        out = subprocess.run([BIN, "--config", others[-1].config_path, "admin", "delete-user", "bob"],
                             capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(browser.call("GET", "/api/v1/session")[0], 401)

    def test_8_postgres_outage_owner_keeps_serving_writes_wait(self):
        owner = self.cluster.node(self.cluster.owner(CHANNEL))
        other = next(n for n in self.cluster.nodes if n is not owner and n.proc.poll() is None)
        self.cluster.pg.stop()
        try:
            _, _, before = owner.get(f"/live/{CHANNEL}/v0/media.m3u8")
            time.sleep(5)  # longer than the 3-s lease
            status, headers, after = owner.get(f"/live/{CHANNEL}/v0/media.m3u8")
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("X-Served-By"), owner.name)
            self.assertNotEqual(segment_names(before)[-1], segment_names(after)[-1], "the owner goes on live")
            # A write needs the catalog: a clear 503 with Retry-After, not a hang or a 500.
            status, headers, _ = other.get("/api/v1/channels", headers=auth(self.token))
            self.assertEqual(status, 503)
            self.assertIn("Retry-After", headers)
            # A new publish is refused with a clear status.
            p = publish(other.rtmp_url(self.other_key), seconds=5, size="320x240", audio=False)
            self.assertNotEqual(p.wait(30), 0)
        finally:
            self.cluster.pg.start()
        # Back without a restart: the catalog answers again and the owner kept its channel.
        status = poll(lambda: other.get("/api/v1/channels", headers=auth(self.token))[0], lambda s: s == 200, 15)
        self.assertEqual(status, 200)
        # The owner's next renewal (every second here) finds its epoch unchanged and extends it.
        self.assertEqual(poll(lambda: self.cluster.owner(CHANNEL), lambda o: o == owner.name, 5), owner.name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
