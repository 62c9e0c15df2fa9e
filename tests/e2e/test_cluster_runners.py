"""Conversion runners and the storage role of a cluster (issue #13).

One storage node (serve + storage) and three runners on a throwaway
PostgreSQL, HAProxy in front: two nodes with the convert role and one
`tidecast runner` process (no HTTP at all). 20 short uploads go through HAProxy
(its upload ACL sends them to the storage node); one runner is killed with
SIGKILL in the middle of a job. Every video must end ready with exactly one
rendition set on the storage node (no attempt directories left), jobs start
oldest first, and the killed runner's completion replayed with its old lease
token is refused with 409. Then a video is played through a node that does
not store it (pulled, byte-identical, X-Served-By that node); with the storage
node stopped, what that node cached still plays and the rest is a clear 503.
"""
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import types
import unittest

sys.path.insert(0, os.path.dirname(__file__))

from support.cluster import Cluster, HAProxy, Node
from support.tidecast import BIN, _request, create_token, make_clip, poll, upload_plain

UPLOADS = 20


def signed(cluster, method, target, node="s1"):
    """The X-Tidecast-Cluster header another node would send (cluster/cluster_auth.hpp)."""
    with open(cluster.secret_file) as f:
        secret = f.read().strip()
    seconds = str(int(time.time()))
    mac = hmac.new(secret.encode(), f"{node} {seconds} {method} {target}".encode(), hashlib.sha256).hexdigest()
    return {"X-Tidecast-Cluster": f"{node} {seconds} {mac}"}


class StandaloneRunner:
    """`tidecast runner`: the convert role alone, no listener."""

    def __init__(self, tmp, name, cluster_config, jobs):
        self.name = name
        self.data_dir = os.path.join(tmp, name)
        cfg = {"data_dir": self.data_dir, "log_level": "info", "jobs": jobs,
               "cluster": dict(cluster_config, node=name, roles=["convert"])}
        self.config_path = os.path.join(tmp, f"{name}.json")
        with open(self.config_path, "w") as f:
            json.dump(cfg, f)
        self.log_path = os.path.join(tmp, f"{name}.log")
        self.log = open(self.log_path, "ab", buffering=0)
        self.proc = subprocess.Popen([BIN, "--config", self.config_path, "runner"], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if not poll(self.read_log, lambda log: "runner node=" in log, 30):
            raise RuntimeError("tidecast runner did not start:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.log.close()


class ClusterRunnersTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tidecast-runners-")
        self.cluster = Cluster(nodes=0, haproxy=False, lease_seconds=3)
        self.haproxy = None
        try:
            c = self.cluster
            jobs = {"workers": 1, "threads": 1, "retry_delay_seconds": 1, "max_attempts": 3, "nice": 0}
            self.storage = Node("s1", c.cluster_config, {"cluster": {"roles": ["serve", "storage"]}, "jobs": jobs})
            c.nodes.append(self.storage)
            self.runners = []
            for i in range(2):
                runner = Node(f"r{i + 1}", c.cluster_config, {"cluster": {"roles": ["serve", "convert"]}, "jobs": jobs})
                c.nodes.append(runner)
                self.runners.append(runner)
            self.runners.append(StandaloneRunner(self.tmp.name, "r3", c.cluster_config, jobs))
            self.haproxy = HAProxy(c.tmp, c.nodes, storage=[self.storage])
        except BaseException:
            self.tearDown()
            raise

    def tearDown(self):
        if self.haproxy:
            self.haproxy.close()
        for runner in getattr(self, "runners", []):
            if isinstance(runner, StandaloneRunner):
                runner.close()
        self.cluster.close()
        self.tmp.cleanup()

    def sql(self, query):
        return self.cluster.pg.psql(query, database="tidecast")

    def test_runners_storage_and_pulls(self):
        c = self.cluster
        token = create_token(self.storage)
        clip = make_clip(os.path.join(self.tmp.name, "clip.mp4"), seconds=2, size="320x240", fps=15)

        # A node without the storage role refuses an upload with a clear 421.
        status, body = upload_plain(self.runners[0], token, clip, title="misdirected")
        self.assertEqual(status, 421, body)
        self.assertEqual(body["error"]["code"], "not_storage")

        # 20 uploads through HAProxy: all land on the storage node.
        via_haproxy = types.SimpleNamespace(http_port=self.haproxy.http_port)
        ids = []
        for i in range(UPLOADS):
            status, body = upload_plain(via_haproxy, token, clip, title=f"clip {i}")
            self.assertEqual(status, 201, body)
            ids.append(body["video"]["id"] if "video" in body else body["id"])
        self.assertEqual(self.sql("SELECT COUNT(*) FROM videos WHERE stored_on = 's1'"), str(UPLOADS))

        # Kill -9 a runner in the middle of a job (not r2: it serves the pulls below).
        def running():
            out = self.sql("SELECT id, lease_node, lease_token FROM jobs WHERE state = 'running' "
                           "AND lease_node IN ('r1', 'r3') ORDER BY id LIMIT 1")
            return out.split("|") if out else None
        # Short clips convert fast: the runner is frozen (SIGSTOP) first, and
        # killed only if the job is still its own then.
        victim = None
        deadline = time.time() + 120
        while victim is None and time.time() < deadline:
            seen = running()
            if not seen:
                time.sleep(0.02)
                continue
            job_id, victim_name, old_token = seen
            candidate = next(r for r in self.runners if r.name == victim_name)
            candidate.proc.send_signal(signal.SIGSTOP)
            if self.sql(f"SELECT lease_token FROM jobs WHERE id = {job_id} AND state = 'running'") == old_token:
                victim = candidate
                victim.proc.kill()
                victim.proc.wait()
            else:
                candidate.proc.send_signal(signal.SIGCONT)
        self.assertIsNotNone(victim, "no runner was caught in the middle of a job")

        # Every video ends ready.
        def states():
            return self.sql("SELECT state, COUNT(*) FROM videos GROUP BY state ORDER BY state")
        done = poll(states, lambda s: s == f"ready|{UPLOADS}", 240, interval=0.5)
        self.assertEqual(done, f"ready|{UPLOADS}",
                         self.sql("SELECT id, state, error, attempts, lease_node FROM jobs ORDER BY id"))
        self.assertEqual(self.sql(f"SELECT state FROM jobs WHERE id = {job_id}"), "done")
        self.assertGreaterEqual(int(self.sql(f"SELECT attempts FROM jobs WHERE id = {job_id}")), 2)

        # Oldest first: first attempts started in queue order (a few ms of
        # slack for two runners claiming at the same moment).
        rows = [r.split("|") for r in self.sql(
            "SELECT id, started_at FROM jobs WHERE attempts = 1 ORDER BY id").splitlines()]
        started = [int(s) for _, s in rows]
        for earlier, later in zip(started, started[1:]):
            self.assertLessEqual(earlier, later + 50, rows)

        # Exactly one rendition set per video on the storage node; attempt
        # directories of the killed runner are swept.
        videos_dir = os.path.join(self.storage.data_dir, "videos")
        leftovers = poll(lambda: [n for n in os.listdir(videos_dir) if n.startswith(".")], lambda x: not x, 30)
        self.assertEqual(leftovers, [])
        self.assertEqual(sorted(os.listdir(videos_dir)), sorted(ids))
        for video_id in ids:
            names = set(self.sql(f"SELECT name FROM renditions WHERE video_id = '{video_id}'").split())
            self.assertTrue(names)
            on_disk = {n for n in os.listdir(os.path.join(videos_dir, video_id))
                       if os.path.isdir(os.path.join(videos_dir, video_id, n)) and n in names}
            self.assertEqual(on_disk, names, video_id)
            self.assertFalse([n for n in os.listdir(os.path.join(videos_dir, video_id)) if n.endswith(".part")])
        for runner in self.runners:
            if runner is not victim:
                self.assertFalse(os.listdir(os.path.join(runner.data_dir, "runner")), runner.name)
        # Every runner took part, the standalone one included (the victim before it died).
        converted = {r.name: r.read_log().count("runner done job=") for r in self.runners}
        started = {r.name: r.read_log().count("runner start job=") for r in self.runners}
        print(f"victim={victim_name} job={job_id} started={started} converted={converted}", file=sys.stderr)
        self.assertTrue(all(started.values()), started)
        self.assertEqual(sum(converted.values()), UPLOADS, converted)

        # The killed runner's completion, replayed with its old token: 409, nothing changes.
        result = {"duration_seconds": 2.0, "width": 320, "height": 240,
                  "tracks": [{"id": "v0", "name": "source", "kind": "video", "codecs": "avc1.42c00d", "width": 320,
                              "height": 240, "bandwidth": 100000}]}
        target = f"/internal/v1/storage/jobs/{job_id}/commit"
        body = json.dumps({"token": old_token, "result": result}).encode()
        status, _, answer = _request(self.storage, "POST", target,
                                     {**signed(c, "POST", target), "Content-Type": "application/json"}, body)
        self.assertEqual(status, 409, answer)
        put = f"/internal/v1/storage/attempts/{job_id}/{old_token}/v0/init.mp4"
        status, _, answer = _request(self.storage, "PUT", put, signed(c, "PUT", put), b"stale")
        self.assertEqual(status, 409, answer)
        status, _, answer = _request(self.storage, "POST", target, {"Content-Type": "application/json"}, body)
        self.assertEqual(status, 403, answer)  # and nothing internal without the cluster secret
        self.assertEqual(sorted(os.listdir(videos_dir)), sorted(ids))

        # Played through a node that does not store it: pulled, byte-identical.
        puller = self.runners[1]
        video_id = ids[0]
        paths = [f"/vod/{video_id}/master.m3u8"]
        status, _, master = self.storage.get(paths[0])
        self.assertEqual(status, 200)
        media = next(l for l in master.decode().splitlines() if l and not l.startswith("#"))
        paths.append(f"/vod/{video_id}/{media}")
        _, _, playlist = self.storage.get(paths[-1])
        base = os.path.dirname(media)
        text = playlist.decode()
        init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text).group(1)
        segment = next(l for l in text.splitlines() if l and not l.startswith("#"))
        paths += [f"/vod/{video_id}/{base}/{init}", f"/vod/{video_id}/{base}/{segment}"]
        # The API on that node links the poster and the download (recorded at the commit), pulled too.
        status, _, body = _request(puller, "GET", f"/api/v1/videos/{video_id}", {"Authorization": f"Bearer {token}"})
        self.assertEqual(status, 200, body)
        doc = json.loads(body)
        urls = (doc["video"] if "video" in doc else doc)["urls"]
        self.assertIn("poster", urls)
        self.assertIn("download", urls)
        paths += [urls["poster"], urls["download"]]
        originals = {}
        for path in paths:
            status, headers, body = puller.get(path)
            self.assertEqual(status, 200, (path, body[:200]))
            self.assertEqual(headers.get("X-Served-By"), puller.name, path)
            status, _, direct = self.storage.get(path)
            self.assertEqual(status, 200)
            self.assertEqual(body, direct, path)
            originals[path] = body

        # A private video through that node: its signed link plays (the storing
        # node checks the signature, made with the key every node shares), an
        # unsigned one is refused.
        private = ids[2]
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        status, _, body = _request(puller, "PATCH", f"/api/v1/videos/{private}", auth,
                                   json.dumps({"visibility": "private"}).encode())
        self.assertEqual(status, 200, body)
        status, _, body = _request(puller, "GET", f"/api/v1/videos/{private}", auth)
        doc = json.loads(body)
        signed_hls = (doc["video"] if "video" in doc else doc)["urls"]["hls"]
        self.assertIn("/~", signed_hls)
        status, headers, body = puller.get(signed_hls)
        self.assertEqual(status, 200, body[:200])
        self.assertEqual(headers.get("X-Served-By"), puller.name)
        self.assertEqual(puller.get(f"/vod/{private}/master.m3u8")[0], 403)

        # HAProxy sends downloads straight to the storage node (they may be larger than a relayed object).
        status, headers, body = self.haproxy.get(urls["download"])
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-served-by"), "s1")
        self.assertEqual(body, originals[urls["download"]])

        # The storage node goes away: what the puller cached still plays, the rest is a clear 503.
        self.storage.stop()
        time.sleep(1)  # past the playlists' short lifetime in the pull cache
        for path in paths:
            status, _, body = puller.get(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(body, originals[path], path)
        started = time.time()
        status, headers, body = puller.get(f"/vod/{ids[1]}/master.m3u8")
        self.assertEqual(status, 503, body)
        self.assertIn("Retry-After", headers)
        self.assertLess(time.time() - started, 8)


if __name__ == "__main__":
    unittest.main(verbosity=2)
