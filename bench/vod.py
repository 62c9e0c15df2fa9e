"""Upload conversion benchmark (issue: on-demand videos), Tidecast vs the ffmpeg CLI in the same run.

The same 1080p30 H.264/AAC file (mandelbrot + noise, see transcode.py) is
  A) uploaded into a real Tidecast (one job worker, nice 0, all cores) and
     converted by the upload pipeline: passthrough + the default rungs as
     CMAF + HLS/DASH, plus download.mp4, poster and storyboard. Wall time is
     the job's own (the server log's `done ... wall_seconds=`), CPU is the
     server process's CPU time over the job (it does nothing else);
  B) converted by the ffmpeg CLI building the same ladder with the same x264
     settings into HLS fMP4 (transcode.ffmpeg_ladder_cmd).
Trials are interleaved (A, B, B, A, ...); medians of wall time and CPU-seconds
per media second; ratio = ffmpeg wall / Tidecast wall (higher is better).
"""
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.tidecast import Server, create_token, upload_plain, wait_video  # noqa: E402

from peers import process_usage  # noqa: E402
from transcode import default_ladder, ffmpeg_ladder_cmd, load_average, make_source, timed  # noqa: E402


def job_wall_seconds(server, video_id, timeout=60):
    deadline = time.time() + timeout
    pattern = re.compile(rf"done job=\d+ video={re.escape(video_id)} .*wall_seconds=([0-9.]+)")
    while time.time() < deadline:
        m = pattern.search(server.read_log())
        if m:
            return float(m.group(1))
        time.sleep(0.1)
    raise RuntimeError(f"no done line for {video_id}")


def tidecast_trial(server, token, source):
    cpu_before, _ = process_usage(server.proc.pid)
    status, body = upload_plain(server, token, source)
    if status != 201:
        raise RuntimeError(f"upload failed: {status} {body}")
    done = wait_video(server, body["id"], timeout=1800)
    if done["state"] != "ready":
        raise RuntimeError(f"conversion failed: {done}")
    wall = job_wall_seconds(server, body["id"])
    cpu_after, _ = process_usage(server.proc.pid)
    return wall, cpu_after - cpu_before


def run(trials=3, seconds=10):
    cores = os.cpu_count() or 1
    rungs = default_ladder()
    with tempfile.TemporaryDirectory(prefix="tidecast-bench-vod-") as tmp:
        print(f"bench vod: generating the source (mandelbrot+noise 1080p30, {seconds} s) ...", flush=True)
        source = make_source(tmp, 1920, 1080, seconds)
        server = Server({"log_level": "info", "jobs": {"workers": 1, "nice": 0, "threads": 0},
                         "uploads": {"max_bytes": 1 << 30}})
        try:
            token = create_token(server)
            out = os.path.join(tmp, "ffmpeg-out")
            results = {"tidecast": [], "ffmpeg": []}
            loads = []
            for trial in range(trials):
                order = ["tidecast", "ffmpeg"] if trial % 2 == 0 else ["ffmpeg", "tidecast"]
                for name in order:
                    loads.append(load_average())
                    if name == "tidecast":
                        wall, cpu = tidecast_trial(server, token, source)
                    else:
                        shutil.rmtree(out, ignore_errors=True)
                        os.makedirs(out)
                        wall, cpu, _ = timed(ffmpeg_ladder_cmd(source, out, rungs, 1920, 1080))
                    results[name].append((wall, cpu))
                    print(f"  trial {trial + 1} {name}: wall {wall:.2f} s, cpu {cpu:.2f} s", flush=True)
        finally:
            server.close()

    tw = statistics.median(w for w, _ in results["tidecast"])
    fw = statistics.median(w for w, _ in results["ffmpeg"])
    tc = statistics.median(c for _, c in results["tidecast"]) / seconds
    fc = statistics.median(c for _, c in results["ffmpeg"]) / seconds
    ladder = "+".join(r["name"] for r in rungs)
    print(f"\n== vod upload conversion (medians of {trials} interleaved trials, {seconds}-s 1080p30 source, "
          f"passthrough+{ladder}, load average {statistics.median(loads):.1f} on {cores} cores) ==")
    print(f"wall: tidecast {tw:.2f} s ({seconds / tw:.2f}x real time; includes download.mp4, poster, storyboard), "
          f"ffmpeg CLI {fw:.2f} s ({seconds / fw:.2f}x); ratio ffmpeg/tidecast {fw / tw:.2f} (goal >= 1.0)")
    print(f"CPU-s per media-s: tidecast {tc:.2f}, ffmpeg CLI {fc:.2f}")
    print(json.dumps({"tidecast_wall_s": tw, "ffmpeg_wall_s": fw, "ratio": fw / tw, "tidecast_cpu_per_media_s": tc,
                      "ffmpeg_cpu_per_media_s": fc, "trials": trials, "media_seconds": seconds}))
