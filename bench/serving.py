"""Serving benchmark (issue #14): Tidecast vs nginx serving the very same bytes, same run.

Tidecast runs with a passthrough live channel (ffmpeg publishing) and one
converted upload. nginx (2 workers, sendfile, access log off) serves copies
of the same objects from a directory. For each row and connection count,
`wrk -t2 --latency` loads one server for --seconds while /proc gives the
server's CPU time (nginx: master + workers). Printed per row: req/s, CPU
microseconds per request and per MB, p50/p99, errors, and the ratios
Tidecast/nginx (req/s, and requests per CPU-second: higher is better).
Both servers and wrk share this machine's cores, as they would on a box.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.tidecast import Server, create_token, make_clip, upload_plain, wait_video  # noqa: E402

from peers import free_port  # noqa: E402
from server_stats import memfd_mib  # noqa: E402

NGINX_CONF = """
daemon off;
worker_processes 2;
error_log {dir}/error.log;
pid {dir}/nginx.pid;
worker_rlimit_nofile 65536;
events {{ worker_connections 20000; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  types {{ video/mp4 m4s mp4; application/vnd.apple.mpegurl m3u8; application/dash+xml mpd; }}
  server {{
    listen 127.0.0.1:{port};
    root {dir}/www;
  }}
}}
"""


def stat_cpu(path):
    """(name, CPU seconds) from a /proc stat file (a process's or a thread's); None once it has ended."""
    try:
        with open(path) as f:
            name, rest = f.read().split("(", 1)[1].rsplit(")", 1)
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = rest.split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    return sum(s[1] for s in (stat_cpu(f"/proc/{pid}/stat") for pid in pids) if s)


def thread_cpu_seconds(pid, prefixes):
    """CPU seconds of the threads of `pid` whose names start with one of `prefixes`."""
    stats = (stat_cpu(f"/proc/{pid}/task/{task}/stat") for task in os.listdir(f"/proc/{pid}/task"))
    return sum(cpu for name, cpu in (s for s in stats if s) if name.startswith(prefixes))


# Tidecast's threads that serve HTTP: the connection loops and the main loop
# (core/thread_name.hpp). The encoder (tc-enc-*) and the packager (tc-cpu) are not.
SERVING_THREADS = ("tc-io", "tc-main")


def nginx_pids(master):
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master] + [int(p) for p in out]


def to_ms(text):
    m = re.match(r"([0-9.]+)(us|ms|s|m)$", text)
    if not m:
        return float("nan")  # wrk prints e.g. "-nan" when no request completed
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def percentile(out, which):
    m = re.search(rf"{which}\s+(\S+)", out)
    return to_ms(m.group(1)) if m else float("nan")


def wrk(url, connections, seconds, headers=(), script=None, env=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    for h in headers:
        cmd += ["-H", h]
    done = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60,
                          env=dict(os.environ, **(env or {})))
    out = done.stdout
    if "requests in" not in out:
        raise RuntimeError(f"wrk failed on {url} (exit {done.returncode}):\n{out}\n{done.stderr}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    transferred = re.search(r"requests in [0-9.]+\w+, ([0-9.]+)(B|KB|MB|GB)", out)
    mb = float(transferred.group(1)) * {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[transferred.group(2)] * 1.048576
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)), "requests": requests, "mb": mb,
            "p50": percentile(out, "50%"), "p99": percentile(out, "99%"),
            "errors": (sum(int(x) for x in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0)}


def measure(url, pids, connections, seconds, headers=(), script=None, env=None):
    before = cpu_seconds(pids)
    result = wrk(url, connections, seconds, headers, script, env)
    result["cpu"] = cpu_seconds(pids) - before
    return result


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def newest_segment(server, playlist_path):
    text = get(server.url(playlist_path)).decode()
    uris = [l for l in text.splitlines() if l and not l.startswith("#")]
    return uris[-1]


def rss_mib(pid):
    """Resident memory with the memfds counted whole (server_stats.memfd_mib) instead of
    their mapped pages (RssShmem), MiB."""
    with open(f"/proc/{pid}/status") as f:
        fields = {line.split(":")[0]: int(line.split()[1]) for line in f if line.startswith(("VmRSS:", "RssShmem:"))}
    return (fields["VmRSS"] - fields.get("RssShmem", 0)) / 1024 + memfd_mib(pid)


# The 2-rung stream of the simulated viewers: the 720p source passed through and one encoded rung.
VIEWERS_RUNGS = [{"name": "360p", "height": 360, "video_bitrate_kbps": 800, "preset": "veryfast"}]


def publish(server, key):
    """ffmpeg publishing a 720p30 3.5 Mbps stream with 2-s GOPs in real time."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
         "testsrc2=s=1280x720:r=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-c:v", "libx264",
         "-preset", "ultrafast", "-b:v", "3500k", "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-f", "flv", server.rtmp_url(key)])


def copy_window(server, www, track_dir):
    """The live window of one track as it is now (playlist, init and segments) into nginx's root."""
    window = get(server.url(track_dir + "media.m3u8"))
    target = os.path.join(www, track_dir.lstrip("/"))
    os.makedirs(target, exist_ok=True)
    names = [l.decode() for l in window.splitlines() if l and not l.startswith(b"#")]
    names += re.findall(r'URI="([^"]+)"', window.decode())  # the init segment (EXT-X-MAP)
    for name in names:
        with open(os.path.join(target, name), "wb") as f:
            f.write(get(server.url(track_dir + name)))
    with open(os.path.join(target, "media.m3u8"), "wb") as f:
        f.write(window)


def viewers_run(tool, port, playlists, viewers, seconds, pids, serving_pid=None):
    """bench/tools/hls_viewers against one server: its JSON line, plus the server's CPU seconds
    (and, given serving_pid, those of its serving threads)."""
    before = cpu_seconds(pids)
    serving_before = thread_cpu_seconds(serving_pid, SERVING_THREADS) if serving_pid else 0
    done = subprocess.run([tool, str(port), ",".join(playlists), str(viewers), str(seconds)],
                          capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"hls_viewers failed: {done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu"] = cpu_seconds(pids) - before
    if serving_pid:
        result["serving_cpu"] = thread_cpu_seconds(serving_pid, SERVING_THREADS) - serving_before
    return result


def simulated_viewers(build_dir, www, nginx_port, nginx_pids, counts, seconds):
    """Simulated viewers (bench/tools/hls_viewers: every 2 s the playlist, then the newest segment
    it lists) of a 2-rung stream, half on each rung, on a Tidecast of their own (the rung is
    encoded in the same process, on the same two cores) and on nginx serving a copy of the window
    (the same files, frozen; the tool fetches the newest segment every period from both)."""
    tool = os.path.join(build_dir, "hls_viewers")
    server = Server({"http": {"max_connections": 20000, "max_connections_per_ip": 20000},
                     "transcode": {"enabled": True, "rungs": VIEWERS_RUNGS}})
    publisher = None
    try:
        key = server.create_channel("viewers")
        publisher = publish(server, key)
        deadline = time.time() + 60
        while True:  # the encoded rung joins the master once it has segments
            master = server.wait_for("/live/viewers/master.m3u8", timeout=60).decode()
            tracks = [l.rsplit("/", 1)[0] for l in master.splitlines() if l.endswith("media.m3u8") and "URI" not in l]
            if len(tracks) >= 2 or time.time() > deadline:
                break
            time.sleep(1)
        playlists = [f"/live/viewers/{t}/media.m3u8" for t in tracks]
        time.sleep(6)  # a few segments on every rung
        for path in playlists:
            copy_window(server, www, path[:-len("media.m3u8")])
        sizes = [len(get(server.url(p[:-len("media.m3u8")] + newest_segment(server, p)))) / 1e6 for p in playlists]
        print(f"\n== simulated HLS viewers of a {len(playlists)}-rung stream ({', '.join(tracks)}: 2-s segments of "
              f"{' / '.join(f'{s:.2f}' for s in sizes)} MB), split evenly over the rungs; every 2 s the playlist, "
              f"then the newest segment it lists; {seconds} s per cell. Segment times, ms.")
        print(f"{'viewers':>8} | {'tidecast segs/s  p50/p99/max  CPU%  RSS MiB (+growth)':>56} | "
              f"{'nginx segs/s  p50/p99/max  CPU%':>40} | per CPU-s | serving threads")
        # Tidecast also encodes the rung meanwhile; nginx does not: its CPU for serving is what is above this.
        idle_before = cpu_seconds([server.proc.pid])
        time.sleep(5)
        encode_rate = (cpu_seconds([server.proc.pid]) - idle_before) / 5
        print(f"(Tidecast's CPU with no viewers, the rung's encode: {100 * encode_rate:.0f}%, "
              "left out of its CPU% and per-CPU-s ratio below; the last column counts only Tidecast's serving "
              f"threads, {'/'.join(SERVING_THREADS)}, against all of nginx)")
        for n in counts:
            rss_before = rss_mib(server.proc.pid)
            t = viewers_run(tool, server.http_port, playlists, n, seconds, [server.proc.pid], server.proc.pid)
            t["cpu"] = max(0.0, t["cpu"] - encode_rate * seconds)
            rss_after = rss_mib(server.proc.pid)
            g = viewers_run(tool, nginx_port, playlists, n, seconds, nginx_pids)
            cells = []
            for r in (t, g):
                cells.append(f"{r['segments'] / seconds:>7.0f} {r['segment_p50_ms']:>6.1f}/{r['segment_p99_ms']:<6.0f}/"
                             f"{r['segment_max_ms']:<6.0f} {100 * r['cpu'] / seconds:>4.0f}% e{r['errors']:<3}")
            nginx_rate = g["segments"] / max(g["cpu"], 1e-9)
            efficiency = (t["segments"] / max(t["cpu"], 1e-9)) / nginx_rate
            serving_efficiency = (t["segments"] / max(t["serving_cpu"], 1e-9)) / nginx_rate
            print(f"{n:>8} | {cells[0]} {rss_after:>5.0f} (+{rss_after - rss_before:.0f}) | {cells[1]} | "
                  f"{efficiency:>6.2f}x | {serving_efficiency:>6.2f}x", flush=True)
    finally:
        if publisher:
            publisher.kill()
            publisher.wait()
        server.close()


def run(seconds=8, connections=(100, 1000, 10000), rows=None, viewers=(1000, 2500, 5000), build_dir="build"):
    tmp = tempfile.TemporaryDirectory(prefix="tidecast-bench-serving-")
    server = Server({"http": {"max_connections": 20000, "max_connections_per_ip": 20000}})
    publisher = None
    nginx = None
    try:
        key = server.create_channel("bench")
        publisher = publish(server, key)
        token = create_token(server)
        clip = os.path.join(tmp.name, "clip.mp4")
        make_clip(clip, seconds=12, size="1280x720")
        status, body = upload_plain(server, token, clip, title="bench")
        assert status == 201, body
        video = body["id"]
        assert wait_video(server, video)["state"] == "ready"
        server.wait_for("/live/bench/v0/media.m3u8", timeout=30)
        time.sleep(5)  # a few segments

        os.chmod(tmp.name, 0o755)  # nginx's workers run as www-data
        www = os.path.join(tmp.name, "www")
        os.makedirs(www)
        live_segment = "/live/bench/v0/" + newest_segment(server, "/live/bench/v0/media.m3u8")
        vod_dir = os.path.join(server.data_dir, "videos", video)
        vod_segment = "v0/" + sorted(f for f in os.listdir(os.path.join(vod_dir, "v0")) if f.endswith(".m4s"))[1]
        objects = {
            "live playlist": ("/live/bench/v0/media.m3u8", get(server.url("/live/bench/v0/media.m3u8")), ()),
            "live MPD": ("/live/bench/manifest.mpd", get(server.url("/live/bench/manifest.mpd")), ()),
            "live segment": (live_segment, get(server.url(live_segment)), ()),
            "vod segment": (f"/vod/{video}/{vod_segment}", open(os.path.join(vod_dir, vod_segment), "rb").read(), ()),
            "download Range 1 MiB": (f"/vod/{video}/download.mp4",
                                     open(os.path.join(vod_dir, "download.mp4"), "rb").read(),
                                     ("Range: bytes=0-1048575",)),
        }
        for name, (path, data, _) in objects.items():
            target = os.path.join(www, path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        port = free_port()
        with open(os.path.join(tmp.name, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=tmp.name, port=port))
        nginx = subprocess.Popen(["nginx", "-c", os.path.join(tmp.name, "nginx.conf"), "-p", tmp.name],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)

        print("\n== serving: Tidecast vs nginx, same bytes, wrk -t2, "
              f"{seconds} s per cell (req/s; CPU us per request; p50/p99 ms; errors)")
        print(f"{'row':<22}{'conns':>6} | {'tidecast':>34} | {'nginx':>34} | {'req/s':>6} {'per CPU-s':>9}")
        for name, (path, data, headers) in objects.items():
            if rows and name not in rows:
                continue
            for n in connections:
                # Live segments leave the window: take the newest one for each cell.
                own = "/live/bench/v0/" + newest_segment(server, "/live/bench/v0/media.m3u8") if name == "live segment" else path
                try:
                    t = measure(server.url(own), [server.proc.pid], n, seconds, headers)
                except RuntimeError:
                    print(f"tidecast exit status {server.proc.poll()}; log tail:\n{server.read_log()[-2500:]}")
                    raise
                g = measure(f"http://127.0.0.1:{port}{path}", nginx_pids(nginx.pid), n, seconds, headers)
                cells = []
                for r in (t, g):
                    us = r["cpu"] / max(r["requests"], 1) * 1e6
                    cells.append(f"{r['rps']:>9.0f} {us:>6.0f}us {r['p50']:>6.1f}/{r['p99']:<6.1f} e{r['errors']:<3}")
                efficiency = (t["requests"] / max(t["cpu"], 1e-9)) / (g["requests"] / max(g["cpu"], 1e-9))
                print(f"{name:<22}{n:>6} | {cells[0]:>34} | {cells[1]:>34} | {t['rps'] / g['rps']:>5.2f}x "
                      f"{efficiency:>8.2f}x", flush=True)
        if viewers:
            publisher.kill()
            publisher.wait()
            publisher = None
            server.close()  # the viewers get a server of their own, with a rung to encode
            simulated_viewers(build_dir, www, port, nginx_pids(nginx.pid), viewers, max(seconds, 20))
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        if publisher:
            publisher.kill()
            publisher.wait()
        server.close()
        shutil.rmtree(tmp.name, ignore_errors=True)


if __name__ == "__main__":
    run(rows=sys.argv[1:] or None)
