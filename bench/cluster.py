"""Cluster: fail-over gap and pulled fan-out (3 nodes, PostgreSQL, HAProxy).

  failover  the owner of a live channel killed (SIGKILL) while the encoder
            republishes through HAProxy every 2 s (as OBS retries): seconds
            from the kill until another node's playlist lists new segments;
            median of N (goal: at most 15 s with 2-s segments). Leases of 5 s.
  fanout    simulated HLS viewers (media playlist every second, then each new
            segment, as hls.js does) spread evenly over the 3 nodes, hitting
            the nodes directly: internal fetches per distinct segment on each
            non-owner node (goal: 1, however many viewers), and p50/p99 segment
            time for viewers on the owner vs on the other nodes.
  scale     simulated HLS viewers (hls.js's rhythm: playlist + new segment
            once per segment duration) of several channels through HAProxy,
            over a 1-node and a 3-node cluster at the same load, measurement
            windows interleaved (1, 3, 1, 3, ...; medians of --trials): p50/p99
            segment time, origin (internal) fetches per segment duration per
            node, node CPU-seconds per viewer-minute (/proc/<pid>/stat), and
            the capacity ratio 3 nodes / 1 node this projects when each node
            has a machine of its own: the single node's CPU over the busiest
            of the three's (it saturates first). Publishers copy a pre-encoded
            clip, so the encoders' CPU stays out of the picture.

Peers: the owner serving from its own memory is the baseline the pulled
path is compared with (the same run, the same stream).
"""
import concurrent.futures
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.cluster import Cluster  # noqa: E402
from support.tidecast import media_playlist_segments, poll  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from hls_viewers import percentile, run_viewers  # noqa: E402
from peers import process_usage  # noqa: E402

CHANNEL = "bench"


def republish_loop(url, seconds, retry_seconds=2):
    script = ("end=$((SECONDS+%d)); while [ $SECONDS -lt $end ]; do "
              "ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i testsrc2=s=640x360:r=30 "
              "-t $((end-SECONDS)) -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p "
              "-g 60 -keyint_min 60 -sc_threshold 0 -f flv '%s'; sleep %d; done") % (seconds, url, retry_seconds)
    return subprocess.Popen(["bash", "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def names(body):
    return [uri for uri, _ in media_playlist_segments(body.decode())[1]]


def playing(node):
    """The newest segment name on `node`, or None."""
    try:
        status, _, body = node.get(f"/live/{CHANNEL}/v0/media.m3u8")
    except OSError:
        return None
    return names(body)[-1] if status == 200 and names(body) else None


def failover(trials):
    gaps = []
    cluster = Cluster(nodes=3, lease_seconds=5)
    publisher = None
    try:
        key = cluster.create_channel(CHANNEL)
        publisher = republish_loop(cluster.haproxy.rtmp_url(key), 60 * (trials + 2))
        for trial in range(trials):
            owner = poll(lambda: cluster.owner(CHANNEL), bool, 60, interval=0.2)
            node = cluster.node(owner)
            poll(lambda: playing(node), bool, 30)
            node.stop(sig=signal.SIGKILL)
            killed = time.time()

            def new_segment():
                new_owner = cluster.owner(CHANNEL)
                if new_owner in (None, owner):
                    return None
                return playing(cluster.node(new_owner))
            first = poll(new_segment, bool, 60, interval=0.1)
            if first:
                # Playable: a segment made after the take-over is listed.
                fresh = cluster.node(cluster.owner(CHANNEL))
                poll(lambda: playing(fresh) not in (None, first), bool, 10, interval=0.1)
                gaps.append(time.time() - killed)
            print(f"  trial {trial + 1}: owner {owner} killed, playable after {gaps[-1]:.1f} s"
                  if first else f"  trial {trial + 1}: no take-over within 60 s", flush=True)
            node.start()
    finally:
        if publisher and publisher.poll() is None:
            os.killpg(publisher.pid, signal.SIGKILL)
        cluster.close()
    if gaps:
        print(f"failover: median {statistics.median(gaps):.1f} s over {len(gaps)} kills "
              f"(min {min(gaps):.1f}, max {max(gaps):.1f}); goal <= 15 s")


def viewer(node, stop, times, seen):
    have = set()
    while not stop.is_set():
        try:
            status, _, body = node.get(f"/live/{CHANNEL}/v0/media.m3u8")
            if status == 200:
                for name in names(body)[-2:]:
                    if name in have:
                        continue
                    start = time.perf_counter()
                    status, _, _ = node.get(f"/live/{CHANNEL}/v0/{name}")
                    if status == 200:
                        times.append(time.perf_counter() - start)
                        have.add(name)
                        seen.add(name)
        except OSError:
            pass
        stop.wait(1.0)


def fanout(viewers, seconds):
    cluster = Cluster(nodes=3, lease_seconds=5, haproxy=True)
    publisher = None
    try:
        key = cluster.create_channel(CHANNEL)
        publisher = republish_loop(cluster.haproxy.rtmp_url(key), seconds + 60)
        owner = poll(lambda: cluster.owner(CHANNEL), bool, 60, interval=0.2)
        poll(lambda: playing(cluster.node(owner)), bool, 30)
        label = '{result="fetch"}'
        before = {n.name: n.metric("tidecast_cluster_pull_requests_total", label) for n in cluster.nodes}
        stop = threading.Event()
        times = {n.name: [] for n in cluster.nodes}
        seen = {n.name: set() for n in cluster.nodes}
        threads = []
        for i in range(viewers):
            node = cluster.nodes[i % 3]
            t = threading.Thread(target=viewer, args=(node, stop, times[node.name], seen[node.name]), daemon=True)
            t.start()
            threads.append(t)
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(5)
        print(f"fanout: {viewers} viewers over 3 nodes for {seconds} s, owner {owner}")
        for node in cluster.nodes:
            fetched = node.metric("tidecast_cluster_pull_requests_total", label) - before[node.name]
            segs = len(seen[node.name])
            t = sorted(times[node.name])
            p50 = statistics.median(t) * 1000 if t else 0
            p99 = t[min(len(t) - 1, int(len(t) * 0.99))] * 1000 if t else 0
            role = "owner" if node.name == owner else "pulls"
            # Segments are fetched once; the media playlist at most every 0.5 s
            # (the pull cache's playlist lifetime), whatever the number of viewers.
            per = (f"{fetched / segs:.2f} internal fetches per segment duration (1 segment + playlist refreshes "
                   f"at most every 0.5 s) for {viewers // 3} viewers") if role == "pulls" else "serves from memory"
            print(f"  {node.name} ({role}): {len(t)} segment requests, {segs} distinct segments, {per}; "
                  f"segment time p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    finally:
        if publisher and publisher.poll() is None:
            os.killpg(publisher.pid, signal.SIGKILL)
        cluster.close()


SCALE_CHANNELS = 6
SEGMENT_SECONDS = 2.0


def _clip(tmp):
    """A 10-s 360p clip with a 2-s GOP, published on a loop with -c copy (no encoder CPU during the bench)."""
    path = os.path.join(tmp, "clip.mp4")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=640x360:r=30", "-t", "10", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "800k",
                    "-pix_fmt", "yuv420p", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", path], check=True)
    return path


def _loop_publish(clip, url):
    return subprocess.Popen(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
                             "-i", clip, "-c", "copy", "-f", "flv", url], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


class _ScaleSetup:
    """A cluster of `size` nodes behind HAProxy with SCALE_CHANNELS channels publishing through it."""

    def __init__(self, size, clip):
        self.size = size
        self.cluster = Cluster(nodes=size, lease_seconds=5)
        self.channels = [f"ch{i}" for i in range(SCALE_CHANNELS)]
        self.publishers = [_loop_publish(clip, self.cluster.haproxy.rtmp_url(self.cluster.create_channel(c)))
                           for c in self.channels]

    def ready(self):
        def all_playing():
            return all(self.cluster.haproxy.get(f"/live/{c}/v0/media.m3u8")[0] == 200 for c in self.channels)
        return poll(all_playing, bool, 60, interval=0.5)

    def owners(self):
        """{node: channels it owns}."""
        out = {n.name: set() for n in self.cluster.nodes}
        for c in self.channels:
            owner = self.cluster.owner(c)
            if owner in out:
                out[owner].add(c)
        return out

    def window(self, viewers, seconds):
        nodes = self.cluster.nodes
        label = '{result="fetch"}'
        fetched = {n.name: n.metric("tidecast_cluster_pull_requests_total", label) for n in nodes}
        cpu = {n.name: process_usage(n.proc.pid)[0] for n in nodes}
        haproxy_cpu = process_usage(self.cluster.haproxy.proc.pid)[0]
        stats = run_viewers("127.0.0.1", self.cluster.haproxy.http_port, self.channels, viewers, SEGMENT_SECONDS,
                            seconds)
        return {
            "cpu": {n.name: process_usage(n.proc.pid)[0] - cpu[n.name] for n in nodes},
            "haproxy_cpu": process_usage(self.cluster.haproxy.proc.pid)[0] - haproxy_cpu,
            "fetches": {n.name: n.metric("tidecast_cluster_pull_requests_total", label) - fetched[n.name]
                        for n in nodes},
            "p50": percentile(stats.segment_times, 0.5) * 1000,
            "p99": percentile(stats.segment_times, 0.99) * 1000,
            "segments": len(stats.segment_times),
            "errors": stats.errors,
            # Channels each node answered for: HAProxy's hash, plus spill-over
            # when hash-balance-factor finds a node too busy.
            "served": {n.name: {c for c, by in stats.served_by if by == n.name} for n in nodes},
        }

    def close(self):
        for p in self.publishers:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.cluster.close()


def scale(trials, viewers=300, seconds=15, idle_seconds=8):
    """Viewer fan-out through HAProxy, 1 node vs 3 nodes at the same load (see the module doc)."""
    tmp = tempfile.mkdtemp(prefix="tidecast-bench-scale-")
    setups = []
    try:
        clip = _clip(tmp)
        setups = [_ScaleSetup(1, clip), _ScaleSetup(3, clip)]
        for s in setups:
            if not s.ready():
                print(f"scale: the {s.size}-node cluster never served every channel; skipped")
                return
        results = {1: [], 3: []}
        for trial in range(trials):
            for s in setups:  # interleaved: the machine drifts
                idle = s.window(0, idle_seconds)  # ingest, packaging, leases: what viewers do not cost
                loaded = s.window(viewers, seconds)
                loaded["idle_cpu"] = {n: c * seconds / idle_seconds for n, c in idle["cpu"].items()}
                loaded["marginal"] = {n: loaded["cpu"][n] - loaded["idle_cpu"][n] for n in loaded["cpu"]}
                results[s.size].append(loaded)
            print(f"  trial {trial + 1}: p99 1 node {results[1][-1]['p99']:.1f} ms, "
                  f"3 nodes {results[3][-1]['p99']:.1f} ms; viewers' CPU 1 node "
                  f"{sum(results[1][-1]['marginal'].values()):.2f} s, 3 nodes "
                  f"{sum(results[3][-1]['marginal'].values()):.2f} s", flush=True)
        owners = setups[1].owners()
    finally:
        for s in setups:
            s.close()
        subprocess.run(["rm", "-rf", tmp])

    viewer_minutes = viewers * seconds / 60
    windows = seconds / SEGMENT_SECONDS
    med = statistics.median
    print(f"scale: {viewers} simulated HLS viewers on {SCALE_CHANNELS} channels through HAProxy, {seconds}-s windows "
          f"(+ {idle_seconds}-s idle ones), medians of {trials} (interleaved 1, 3, 1, 3, ...)")
    for size in (1, 3):
        rs = results[size]
        total = med([sum(r["cpu"].values()) for r in rs]) / viewer_minutes
        marginal = med([sum(r["marginal"].values()) for r in rs]) / viewer_minutes
        print(f"  {size} node{'s' if size > 1 else ''}: segment p50 {med([r['p50'] for r in rs]):.1f} ms, "
              f"p99 {med([r['p99'] for r in rs]):.1f} ms; CPU-s per viewer-minute: nodes {marginal:.4f} for the "
              f"viewers ({total:.4f} with ingest and packaging), HAProxy "
              f"{med([r['haproxy_cpu'] for r in rs]) / viewer_minutes:.4f}; "
              f"{med([r['segments'] for r in rs]):.0f} segments served, {med([r['errors'] for r in rs]):.0f} errors")
    for name, owned in owners.items():
        served = med([len(r["served"][name]) for r in results[3]])
        pulled = med([len(r["served"][name] - owned) for r in results[3]])
        per_window = [r["fetches"][name] / windows / len(r["served"][name] - owned)
                      for r in results[3] if r["served"][name] - owned]
        per = (f"{med(per_window):.2f} origin fetches per segment duration per pulled channel "
               f"(its segment + playlist refreshes)" if per_window else "nothing pulled: 0 origin fetches")
        print(f"    {name}: owns {len(owned)}, answered for {served:.0f} channels ({pulled:.0f} pulled): {per}; "
              f"viewers' CPU {med([r['marginal'][name] for r in results[3]]) / viewer_minutes:.4f} s per "
              f"viewer-minute")
    single = med([sum(r["marginal"].values()) for r in results[1]])
    busiest = med([max(r["marginal"].values()) for r in results[3]])
    spread = med([sum(r["marginal"].values()) for r in results[3]])
    print(f"  capacity ratio 3 nodes / 1 node: {single / busiest:.2f}x (viewer CPU of one node over that of the "
          f"busiest of three, each on a machine of its own: the busiest saturates first; ideal 3.00x); "
          f"the 3 nodes together spend {spread / single:.2f}x one node's CPU on the same viewers (internal pulls)")


def run(trials=5, viewers=60, seconds=30):
    print("== cluster (3 nodes, PostgreSQL, HAProxy)")
    fanout(viewers, seconds)
    scale(trials)
    failover(trials)


if __name__ == "__main__":
    if sys.argv[1:2] == ["scale"]:  # just the 1-vs-3-node comparison
        scale(int(os.environ.get("TRIALS", "5")))
    else:
        run(trials=int(os.environ.get("TRIALS", "5")))
