"""Transcode benchmarks (issue: live adaptive bitrate), Tidecast vs the ffmpeg CLI in the same run.

1. File mode (`tidecast transcode`) vs the ffmpeg CLI building the same ladder
   from the same 1080p30 source: passthrough + the default rungs, same x264
   settings (preset, profile, level, bitrate, maxrate, bufsize, no B-frames,
   no scene cut, forced IDRs every segment, ratetol), one filter_complex
   split + scale (bicubic, like ours), CMAF (HLS fMP4) output. Interleaved
   A/B trials; medians of wall time and of CPU-seconds per media second;
   throughput ratio = ffmpeg wall / Tidecast wall (higher is better, goal >= 1).
2. Live capacity: CPU-seconds per media second of one 720p30 source with the
   default ladder (720p/480p/360p), and how many such sources the machine's
   cores keep at real time (cores / CPU-s per s), also with 25 % headroom.

Sources are mandelbrot + temporal noise (close to real footage for x264,
see shared/GUIDE.md), generated once per run into a temp dir.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FPS = 30
SEGMENT = 2.0


def default_ladder():
    """The rungs config/tidecast.json documents (= the built-in defaults)."""
    with open(os.path.join(ROOT, "config", "tidecast.json")) as f:
        text = re.sub(r"^\s*//.*$", "", f.read(), flags=re.M)
    return json.loads(text)["transcode"]["rungs"]


def make_source(directory, width, height, seconds):
    path = os.path.join(directory, f"source-{height}p.mp4")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", f"mandelbrot=s={width}x{height}:r={FPS}:maxiter=2000,noise=alls=6:allf=t",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                        "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast",
                        "-b:v", "8M" if height > 720 else "4M", "-maxrate", "10M", "-bufsize", "12M",
                        "-g", str(FPS * 2), "-keyint_min", str(FPS * 2), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "128k", path], check=True)
    return path


def even_width(src_w, src_h, height):
    return max(2, round(src_w * height / src_h / 2) * 2)


def ffmpeg_ladder_cmd(source, out_dir, rungs, src_w, src_h):
    rungs = [r for r in rungs if r["height"] <= src_h]
    n = len(rungs)
    split = f"[0:v]split={n}" + "".join(f"[s{i}]" for i in range(n)) + ";"
    scales = ";".join(f"[s{i}]scale={even_width(src_w, src_h, r['height'])}:{r['height']}:flags=bicubic[v{i}]"
                      for i, r in enumerate(rungs))
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", source,
           "-filter_complex", split + scales, "-map", "0:v"]
    for i in range(n):
        cmd += ["-map", f"[v{i}]"]
    cmd += ["-map", "0:a", "-c:v:0", "copy", "-c:a", "copy"]
    for i, r in enumerate(rungs, start=1):
        kbps = r["video_bitrate_kbps"]
        cmd += [f"-c:v:{i}", "libx264", f"-preset:v:{i}", r.get("preset", "veryfast"),
                f"-profile:v:{i}", r.get("profile", "high"), f"-b:v:{i}", f"{kbps}k",
                f"-maxrate:v:{i}", f"{r.get('maxrate_kbps') or round(kbps * 1.07)}k",
                f"-bufsize:v:{i}", f"{r.get('bufsize_kbps') or round(kbps * 1.5)}k"]
        if r.get("level"):
            cmd += [f"-level:v:{i}", r["level"]]
        if r.get("tune"):
            cmd += [f"-tune:v:{i}", r["tune"]]
    streams = " ".join(f"v:{i},agroup:aud" for i in range(n + 1)) + " a:0,agroup:aud"
    cmd += ["-bf", "0", "-g", "1000000", "-keyint_min", "1", "-sc_threshold", "0", "-forced-idr", "1",
            "-x264-params", "ratetol=0.3", "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT})",
            "-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", str(SEGMENT), "-hls_playlist_type", "vod",
            "-master_pl_name", "master.m3u8", "-var_stream_map", streams,
            os.path.join(out_dir, "stream_%v", "media.m3u8")]
    return cmd


def timed(cmd):
    """(wall seconds, CPU seconds of the child) for one run; raises on failure."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, out


def tidecast_cmd(config, source, out_dir):
    return [os.environ.get("TIDECAST_BIN", os.path.join(ROOT, "build", "tidecast")), "--config", config,
            "transcode", source, out_dir]


def median(values):
    return statistics.median(values) if values else float("nan")


def load_average():
    return os.getloadavg()[0]


def run(trials=5, seconds=12):
    cores = os.cpu_count() or 1
    rungs = default_ladder()
    with tempfile.TemporaryDirectory(prefix="tidecast-bench-transcode-") as tmp:
        print(f"bench: generating sources (mandelbrot+noise 1080p30 and 720p30, {seconds} s) ...", flush=True)
        src1080 = make_source(tmp, 1920, 1080, seconds)
        src720 = make_source(tmp, 1280, 720, seconds)
        config = os.path.join(tmp, "tidecast.json")
        with open(config, "w") as f:
            json.dump({"log_level": "warn"}, f)  # built-in defaults: the default ladder
        out = os.path.join(tmp, "out")
        results = {"tidecast": [], "ffmpeg": []}
        loads = []
        for trial in range(trials):
            order = ["tidecast", "ffmpeg"] if trial % 2 == 0 else ["ffmpeg", "tidecast"]
            for name in order:
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                loads.append(load_average())
                cmd = tidecast_cmd(config, src1080, out) if name == "tidecast" else \
                    ffmpeg_ladder_cmd(src1080, out, rungs, 1920, 1080)
                wall, cpu, _ = timed(cmd)
                results[name].append((wall, cpu))
                print(f"  trial {trial + 1} {name}: wall {wall:.2f} s, cpu {cpu:.2f} s", flush=True)
        capacity = []
        for _ in range(max(1, trials // 2)):
            shutil.rmtree(out, ignore_errors=True)
            capacity.append(timed(tidecast_cmd(config, src720, out)))

    tw = median([w for w, _ in results["tidecast"]])
    fw = median([w for w, _ in results["ffmpeg"]])
    tc = median([c for _, c in results["tidecast"]]) / seconds
    fc = median([c for _, c in results["ffmpeg"]]) / seconds
    c720 = median([c for _, c, _ in capacity]) / seconds
    w720 = median([w for w, _, _ in capacity])
    summary = {
        "tidecast_wall_s": tw, "ffmpeg_wall_s": fw, "throughput_ratio": fw / tw,
        "tidecast_speed": seconds / tw, "ffmpeg_speed": seconds / fw,
        "tidecast_cpu_per_media_s": tc, "ffmpeg_cpu_per_media_s": fc,
        "cpu_720p_per_media_s": c720, "speed_720p": seconds / w720,
        "sources_720p_realtime": int(cores / c720), "sources_720p_with_headroom": int(0.75 * cores / c720),
        "load_average": median(loads), "cores": cores,
    }
    ladder = "+".join(r["name"] for r in rungs)
    print(f"\n== transcode (medians of {trials} interleaved trials, {seconds}-s 1080p30 source, "
          f"passthrough+{ladder}, load average {summary['load_average']:.1f} on {cores} cores) ==")
    print(f"file mode wall: tidecast {tw:.2f} s ({seconds / tw:.2f}x real time), ffmpeg CLI {fw:.2f} s "
          f"({seconds / fw:.2f}x); throughput ratio tidecast/ffmpeg {fw / tw:.2f} (goal >= 1.0)")
    print(f"CPU-seconds per media second: tidecast {tc:.2f}, ffmpeg CLI {fc:.2f}")
    print(f"live capacity, 720p30 source + default ladder: {c720:.2f} CPU-s per s ({seconds / w720:.2f}x real time "
          f"alone) -> {summary['sources_720p_realtime']} sources at real time on {cores} cores, "
          f"{summary['sources_720p_with_headroom']} with 25 % headroom")
    return summary


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=12)
    args = parser.parse_args()
    run(trials=args.trials, seconds=args.seconds)
