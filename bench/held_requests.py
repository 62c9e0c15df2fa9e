"""Blocking playlist reload at scale (LL-HLS, issue 15): N viewers of one
low-latency channel all ask for the next part but one (_HLS_msn/_HLS_part)
at once; the server holds every request and answers them all when that part
is complete.

Measured by bench/tools/fanout_client (one C++ thread reading every socket,
clients spread over loopback addresses, 150 each, as the per-address hold
cap expects): the time from the first answer (the part's completion, to
within a millisecond) to the p99 and last answer, per trial, medians over
trials; the server's resident memory per held request (connection included)
while they are held; CPU-seconds per 1,000 answers. Goal (issue 15): p99
within 50 ms of the part for 1,000 held requests on two cores.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from server_stats import fanout_client, proc_stats  # noqa: E402
from support.low_latency import playlist_edge  # noqa: E402
from support.tidecast import Server, publish  # noqa: E402

PLAYLIST = "/live/bench/v0/media.m3u8"


def one_trial(server, client, connections):
    _, _, body = server.get(PLAYLIST)
    msn, part, _ = playlist_edge(body.decode())
    # Two parts ahead (about 0.8 s): every request is written before it exists.
    # A segment has 5 parts at 0.4 s in a 2-s segment; past its end, the next segment's.
    target_part = part + 2
    if target_part > 4:
        msn, target_part = msn + 1, target_part - 5
    cpu0, rss0 = proc_stats(server.proc.pid)
    proc = subprocess.Popen([client, "http", str(server.http_port), f"{PLAYLIST}?_HLS_msn={msn}&_HLS_part={target_part}",
                             str(connections), "10"], stdout=subprocess.PIPE, text=True)
    sent = proc.stdout.readline()
    _, rss_held = proc_stats(server.proc.pid)
    result = json.loads(proc.stdout.readline())
    proc.wait()
    cpu1, _ = proc_stats(server.proc.pid)
    result["sent"] = sent.startswith("sent")
    result["kib_per_held"] = (rss_held - rss0) / connections / 1024
    result["cpu_ms_per_1000"] = (cpu1 - cpu0) / connections * 1000 * 1000
    return result


def run(trials=5, sizes=(1000, 5000)):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    client = fanout_client()
    server = Server({"live": {"latency_mode": "low", "part_seconds": 0.4},
                     "http": {"max_connections": 20000, "max_connections_per_ip": 1000}, "log_level": "warn"})
    publisher = None
    rows = []
    try:
        key = server.create_channel("bench")
        publisher = publish(server.rtmp_url(key), seconds=600, size="640x360", gop_seconds=1)
        server.wait_for(PLAYLIST, timeout=30)
        time.sleep(4)
        for connections in sizes:
            results = []
            for _ in range(trials):
                results.append(one_trial(server, client, connections))
                time.sleep(0.5)
            answered = [r for r in results if r["answers"] == connections and r["first_ms"] > 50]
            med = lambda key: statistics.median(r[key] for r in answered) if answered else float("nan")  # noqa: E731
            rows.append({
                "held": connections,
                "trials_all_held_and_answered": f"{len(answered)}/{trials}",
                "statuses": results[-1]["status"],
                "p50_after_part_ms": round(med("p50_ms") - med("first_ms"), 1),
                "p99_after_part_ms": round(statistics.median(r["p99_ms"] - r["first_ms"] for r in answered), 1)
                if answered else None,
                "last_after_part_ms": round(statistics.median(r["last_ms"] - r["first_ms"] for r in answered), 1)
                if answered else None,
                "kib_per_held_request": round(statistics.median(r["kib_per_held"] for r in results), 1),
                "server_cpu_ms_per_1000_answers": round(statistics.median(r["cpu_ms_per_1000"] for r in results), 1),
            })
    finally:
        if publisher and publisher.poll() is None:
            publisher.kill()
        server.close()
    print("LL-HLS blocking reload at scale (one channel, 0.4-s parts, 2-s segments; medians of "
          f"{trials} trials; times from the first answer = the part's completion):")
    for row in rows:
        print("  " + ", ".join(f"{k}: {v}" for k, v in row.items()))
    return rows


if __name__ == "__main__":
    run(trials=int(sys.argv[1]) if len(sys.argv) > 1 else 5)
