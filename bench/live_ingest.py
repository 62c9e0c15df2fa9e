"""Live ingest benchmarks (issue: go live), Tidecast vs nginx-rtmp in the same run.

1. Time from the publisher starting to the first playable playlist (2-s segments
   for both; Tidecast also with 1-s segments).
2. Live-edge lag: when each segment becomes listed vs when its last frame was sent.
3. CPU-seconds and peak RSS of the server for N concurrent 3 Mbit/s passthrough
   publishers over a fixed duration.
Medians over interleaved A/B trials; ratios are Tidecast / nginx-rtmp (lower is better).
"""
import os
import statistics
import subprocess
import tempfile
import threading
import time

from peers import NginxRtmp, Tidecast, extinf_durations, http_status, process_usage


def make_source(directory, gop_seconds, seconds=75):
    """A 720p30 H.264 (~3 Mbit/s, constant GOP) + AAC FLV file, published later with -c copy."""
    path = os.path.join(directory, f"source-gop{gop_seconds}.flv")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30,noise=alls=12:allf=t",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                        "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-b:v", "3M",
                        "-maxrate", "3M", "-bufsize", "6M", "-g", str(30 * gop_seconds),
                        "-keyint_min", str(30 * gop_seconds), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "128k", "-f", "flv", path], check=True)
    return path


def publish_copy(source, url, seconds=None):
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", source]
    if seconds:
        cmd += ["-t", str(seconds)]
    return subprocess.Popen(cmd + ["-c", "copy", "-f", "flv", url], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def startup_and_lag(server, source, channel, watch_seconds=12):
    """Seconds from publisher start to a playable playlist, and per-segment live-edge lags."""
    # Resolved first: Tidecast creates the channel (an API call and a durable
    # catalog write) here, which is setup, not ingest; timed, it added
    # 0.2-0.7 s to every Tidecast lag and start-up figure.
    url = server.publish_url(channel)
    t0 = time.monotonic()
    pub = publish_copy(source, url)
    ready = None
    while time.monotonic() - t0 < 20:
        code, body = http_status(server.manifest_url(channel))
        if code == 200 and (b"#EXT-X-STREAM-INF" in body or b"#EXTINF" in body):
            ready = time.monotonic() - t0
            break
        time.sleep(0.01)
    lags, seen = [], 0
    end = time.monotonic() + watch_seconds
    while ready is not None and time.monotonic() < end:
        code, body = http_status(server.playlist_url(channel))
        if code == 200:
            durations = extinf_durations(body.decode())
            # The playlist slides; count segments ever seen by their media sequence.
            sequence = int(body.decode().split("#EXT-X-MEDIA-SEQUENCE:")[1].split()[0])
            total = sequence + len(durations)
            if seen == 0:
                seen = total
                first_sequence, media_end = sequence, None
            elif total > seen:
                now = time.monotonic() - t0
                # Media end of the newest segment, counted from the stream's first segment.
                offset = sum(durations) if sequence == first_sequence else None
                if offset is not None:
                    lags.append(now - offset)
                seen = total
        time.sleep(0.01)
    pub.kill()
    pub.wait()
    return ready, lags


def load(server, source, publishers, seconds):
    urls = [server.publish_url(f"load{i}") for i in range(publishers)]  # channels created before the count
    cpu_before, _ = process_usage(server.pid)
    pubs = [publish_copy(source, url, seconds) for url in urls]
    for p in pubs:
        p.wait()
    cpu_after, rss = process_usage(server.pid)
    return cpu_after - cpu_before, rss


def median(values):
    return statistics.median(values) if values else float("nan")


def run(trials=5, publishers=20, load_seconds=60):
    results = {}
    with tempfile.TemporaryDirectory(prefix="tidecast-bench-") as tmp:
        print("bench: generating sources (720p30, ~3 Mbit/s) ...", flush=True)
        src2 = make_source(tmp, 2)
        src1 = make_source(tmp, 1)

        # 1+2: start-up and live-edge lag, interleaved A/B.
        startup = {"tidecast": [], "nginx-rtmp": [], "tidecast-1s": []}
        lag = {"tidecast": [], "nginx-rtmp": [], "tidecast-1s": []}
        tide, nginx, tide1 = Tidecast(2.0), NginxRtmp(2.0), Tidecast(1.0)
        try:
            for i in range(trials):
                for label, server, source in (("tidecast", tide, src2), ("nginx-rtmp", nginx, src2),
                                              ("tidecast-1s", tide1, src1)):
                    ready, lags = startup_and_lag(server, source, f"s{i}")
                    if ready is not None:
                        startup[label].append(ready)
                    lag[label].extend(lags)
        finally:
            for s in (tide, nginx, tide1):
                s.close()
        results["startup"] = {k: median(v) for k, v in startup.items()}
        results["lag"] = {k: median(v) for k, v in lag.items()}

        # 3: CPU and memory under load, one server at a time, interleaved
        # trials; Tidecast as configured by default and without live
        # thumbnails (the work nginx-rtmp does not do).
        servers = (("tidecast", lambda: Tidecast(2.0)),
                   ("tidecast-no-thumbnails", lambda: Tidecast(2.0, thumbnails=False)),
                   ("nginx-rtmp", lambda: NginxRtmp(2.0)))
        runs = {label: [] for label, _ in servers}
        for _ in range(max(1, min(trials, 3))):
            for label, make in servers:
                server = make()
                try:
                    runs[label].append(load(server, src2, publishers, load_seconds))
                finally:
                    server.close()
        results["load"] = {label: (median([c for c, _ in r]), median([m for _, m in r])) for label, r in runs.items()}

    s, l, u = results["startup"], results["lag"], results["load"]
    print("\n== live ingest (medians; ratio = tidecast / nginx-rtmp, lower is better) ==")
    print(f"first playable playlist, 2-s segments: tidecast {s['tidecast']:.2f} s, nginx-rtmp {s['nginx-rtmp']:.2f} s,"
          f" ratio {s['tidecast'] / s['nginx-rtmp']:.2f}")
    print(f"first playable playlist, 1-s segments: tidecast {s['tidecast-1s']:.2f} s")
    print(f"live-edge lag (segment listed - last frame sent): tidecast {l['tidecast']:.2f} s,"
          f" nginx-rtmp {l['nginx-rtmp']:.2f} s, tidecast 1-s {l['tidecast-1s']:.2f} s")
    tc, tr = u["tidecast"]
    tn, tnr = u["tidecast-no-thumbnails"]
    nc, nr = u["nginx-rtmp"]
    print(f"{publishers} publishers x {load_seconds} s at ~3 Mbit/s: tidecast {tc:.1f} CPU-s / {tr:.0f} MiB peak RSS,"
          f" nginx-rtmp {nc:.1f} CPU-s / {nr:.0f} MiB; CPU ratio {tc / nc:.2f}, memory ratio {tr / nr:.1f}")
    print(f"  without live thumbnails: tidecast {tn:.1f} CPU-s / {tnr:.0f} MiB; CPU ratio {tn / nc:.2f},"
          f" memory ratio {tnr / nr:.1f}")
    return results


if __name__ == "__main__":
    run()
