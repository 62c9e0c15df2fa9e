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

Peers: the owner serving from its own memory is the baseline the pulled
path is compared with (the same run, the same stream).
"""
import concurrent.futures
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.cluster import Cluster  # noqa: E402
from support.tidecast import media_playlist_segments, poll  # noqa: E402

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


def run(trials=5, viewers=60, seconds=30):
    print("== cluster (3 nodes, PostgreSQL, HAProxy)")
    fanout(viewers, seconds)
    failover(trials)


if __name__ == "__main__":
    run(trials=int(os.environ.get("TRIALS", "5")))
