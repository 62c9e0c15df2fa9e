"""Live capacity: how many simultaneous 720p30 sources the default ladder keeps in real time.

For N = 1, 2, 3, ... a fresh Tidecast (default ladder: passthrough + 720p/480p/360p,
x264 veryfast) gets N publishers of the same realistic 720p30 source
(mandelbrot + temporal noise, GUIDE.md section 6; rendered once per run, 25 s,
looped with -stream_loop and sent with -re -c copy). After a warm-up it samples
/metrics every 2 s for the measuring window:

  tidecast_transcode_shed_total          must stay 0 (from the start of the publish)
  tidecast_transcode_queue_seconds       every sample < 1.0 s (the shed bound is 3 s)
  tidecast_transcode_speed               mean per rung >= 0.97 (input arrives at 1.0x,
                                         so a rung that keeps up reads ~1.0)

N keeps real time when all three hold for every rung of every channel. The run
stops at the first N that does not. Also reported: the server's CPU-seconds per
media second (all channels), the load average and how many cores other
processes used meanwhile, since the machine is shared.

  python3 bench/live_capacity.py [--max-n 5] [--warmup 15] [--measure 40]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from peers import process_usage  # noqa: E402
from peers import Server  # noqa: E402

METRIC = re.compile(r'^(tidecast_transcode_(?:speed|queue_seconds|shed_total))\{channel="([^"]+)",rung="([^"]+)"\} (\S+)$')


def make_source(directory, seconds=25):
    path = os.path.join(directory, "capacity-720p30.flv")
    if not os.path.exists(path):
        t0 = time.monotonic()
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "mandelbrot=s=1280x720:r=30:maxiter=2000,noise=alls=6:allf=t,format=yuv420p",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
                        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "8M",
                        "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "128k",
                        "-f", "flv", path], check=True)
        print(f"  source: {seconds} s of 1280x720p30 mandelbrot+noise rendered in {time.monotonic() - t0:.0f} s",
              flush=True)
    return path


def host_cpu():
    """(busy, total) jiffies of the whole host, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def sample(server):
    out = {}
    for line in server.get("/metrics")[2].decode().splitlines():
        m = METRIC.match(line)
        if m:
            out[(m.group(1), m.group(2), m.group(3))] = float(m.group(4))
    return out


def trial(source, n, warmup, measure):
    server = Server({"log_level": "warn", "transcode": {"enabled": True}})
    pubs = []
    try:
        keys = [server.create_channel(f"cap{i}") for i in range(n)]
        for key in keys:
            pubs.append(subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                                          "-stream_loop", "-1", "-i", source, "-c", "copy", "-f", "flv",
                                          server.rtmp_url(key)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL))
        time.sleep(warmup)
        cpu0, _ = process_usage(server.proc.pid)
        host0 = host_cpu()
        t0 = time.monotonic()
        speeds, queues = {}, {}
        last = {}
        while time.monotonic() - t0 < measure:
            time.sleep(2)
            last = sample(server)
            for (name, channel, rung), value in last.items():
                if name.endswith("speed"):
                    speeds.setdefault((channel, rung), []).append(value)
                elif name.endswith("queue_seconds"):
                    queues.setdefault((channel, rung), []).append(value)
        wall = time.monotonic() - t0
        cpu1, rss = process_usage(server.proc.pid)
        host1 = host_cpu()
        cores = os.cpu_count() or 1
        host_busy = (host1[0] - host0[0]) / max(1, host1[1] - host0[1])  # share of all cores
        others = max(0.0, host_busy * cores - (cpu1 - cpu0) / wall)  # cores used by other processes
        sheds = sum(v for (name, _, _), v in last.items() if name.endswith("shed_total"))
        rungs = sorted(speeds)
        mean_speed = {k: statistics.mean(v) for k, v in speeds.items()}
        max_queue = {k: max(v) for k, v in queues.items()}
        expected = 3 * n  # 720p/480p/360p per channel
        ok = (sheds == 0 and len(rungs) == expected and all(s >= 0.97 for s in mean_speed.values())
              and all(q < 1.0 for q in max_queue.values()))
        return {
            "n": n, "ok": ok, "sheds": int(sheds), "rungs": len(rungs),
            "min_mean_speed": min(mean_speed.values()) if mean_speed else 0.0,
            "max_queue_seconds": max(max_queue.values()) if max_queue else 0.0,
            "cpu_per_media_second": (cpu1 - cpu0) / wall,  # all N streams together
            "peak_rss_mib": rss, "load": os.getloadavg()[0], "other_cores": others,
        }
    finally:
        for p in pubs:
            p.kill()
            p.wait()
        server.close()


def run(max_n=5, warmup=15, measure=40):
    print("== live capacity: simultaneous 720p30 sources with the default ladder ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="tidecast-capacity-") as tmp:
        source = make_source(tmp)
        best = 0
        for n in range(1, max_n + 1):
            r = trial(source, n, warmup, measure)
            print(f"  N={n}: {'real time' if r['ok'] else 'NOT real time'}  sheds={r['sheds']} "
                  f"rungs={r['rungs']} min_mean_speed={r['min_mean_speed']:.3f} "
                  f"max_queue_s={r['max_queue_seconds']:.2f} cpu_s_per_s={r['cpu_per_media_second']:.2f} "
                  f"peak_rss={r['peak_rss_mib']:.0f}MiB load1={r['load']:.1f} "
                  f"cores_used_by_other_processes={r['other_cores']:.2f}", flush=True)
            if not r["ok"]:
                break
            best = n
        print(f"  capacity: {best} simultaneous 720p30 source(s) with the default ladder in real time", flush=True)
        return best


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-n", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--measure", type=int, default=40)
    args = parser.parse_args()
    run(args.max_n, args.warmup, args.measure)
