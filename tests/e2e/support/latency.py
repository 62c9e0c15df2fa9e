"""Glass-to-glass latency: a publisher that burns its send time into the picture,
and the reader (tests/e2e/browser/latency.mjs) that reads it back in Chromium.

    from support.latency import start_publisher, measure
    pub, started = start_publisher([server.rtmp_url(key)])
    result = measure(server.url("/live/studio/master.m3u8"), player="hlsjs", seconds=20)
    assert result["ok"] and result["p50_ms"] < 20000, result

The clock strip (the top 1/15 of every frame, CELLS equal cells across the
width) holds the wall-clock millisecond at which FFmpeg generated the frame,
modulo 2^32 (it wraps every 49.7 days; the reader takes the value nearest its
own clock):

    cell 0 white | cell 1 black | cells 2..33 bits 31..0 | cell 34 even parity | cell 35 white

White is a bit 1. The reader thresholds each cell's mean between the white and
black reference cells, and rejects a frame whose references, parity or margins
do not hold, so a blurred or half-decoded frame gives no sample, never a wrong
one.

How the time gets into the picture: inside the lavfi graph the frame's
timestamp is replaced by `RTCTIME` (the wall clock when the frame is made), the
bits are drawn from it (`drawbox` with a per-frame `enable` expression), and the
timestamp is set back to the frame count. With `-re`, FFmpeg makes a frame when
it is due to be sent, so the stamp is its send time; it can lead the real send
by about one frame (FFmpeg reads one packet ahead, lavfi peeks the next video
frame while handing out audio), i.e. latencies read up to ~40 ms high. Audio
comes from the same lavfi graph on purpose: a second input would get its own
reading thread and a queue of 8 frames that the stamp would lead by.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import time

CELLS = 36
DATA_BITS = 32
STRIP_FRACTION = 15  # the strip is the top 1/STRIP_FRACTION of the picture (at least 8 rows)
BROWSER_DIR = os.path.join(os.path.dirname(__file__), "..", "browser")
LATENCY_SCRIPT = os.path.join(BROWSER_DIR, "latency.mjs")
CHROMIUM = os.environ.get("TIDECAST_CHROMIUM", "/usr/bin/chromium")


def _cell_x(i: int, width: int) -> int:
    return i * width // CELLS


def _bit(k: int) -> str:
    """1 while bit k of the stamped millisecond is set (t: the frame time, here the wall clock)."""
    return f"mod(floor(t*1000/{2 ** k}),2)"


def clock_filter(width: int, height: int, fps: int) -> str:
    """The filter chain (one lavfi chain, video in, video out) that burns the clock strip."""
    strip_h = max(8, height // STRIP_FRACTION)

    def box(i, enable=None):
        x0, x1 = _cell_x(i, width), _cell_x(i + 1, width)
        drawn = f"drawbox=x={x0}:y=0:w={x1 - x0}:h={strip_h}:c=white:t=fill"
        return drawn + (f":enable='{enable}'" if enable else "")

    parity = "mod(" + "+".join(_bit(k) for k in range(DATA_BITS)) + ",2)"
    chain = ["settb=1/1000000", "setpts=RTCTIME",
             f"drawbox=x=0:y=0:w={width}:h={strip_h}:c=black:t=fill", box(0), box(CELLS - 1)]
    chain += [box(2 + (DATA_BITS - 1 - k), _bit(k)) for k in range(DATA_BITS)]
    chain += [box(2 + DATA_BITS, parity), f"settb=1/{fps}", "setpts=N"]
    return ",".join(chain)


def publisher_command(urls: list[str], seconds: float = 600, size: str = "1280x720", fps: int = 30,
                      gop_seconds: float = 2, video_bitrate: str = "2500k") -> list[str]:
    """FFmpeg publishing the clocked test picture + a tone (x264 veryfast/zerolatency, constant GOP,
    AAC) over RTMP to every URL.

    Several URLs get one output each, all fed the same frames by the same encoder settings: x264
    and FFmpeg's AAC encoder are deterministic, so every server receives the same bitstream. Not
    the tee muxer: it connects its outputs only once the first frame is encoded, so the stream
    would start with ~0.5 s of frames sent in a burst, and Tidecast (which anchors the MPD's
    availabilityStartTime and EXT-X-PROGRAM-DATE-TIME at the first packet's arrival) would date
    everything that much late; DASH players, which place the live edge by that anchor, would read
    ~0.5 s high."""
    width, height = (int(v) for v in size.split("x"))
    graph = (f"testsrc2=s={size}:r={fps},{clock_filter(width, height, fps)}[out0];"
             f"sine=frequency=440:sample_rate=48000[out1]")
    gop = str(round(fps * gop_seconds))
    kbps = int(video_bitrate.rstrip("k")) if video_bitrate.endswith("k") else int(video_bitrate) // 1000
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", graph]
    for url in urls:
        cmd += ["-t", str(seconds), "-map", "0:v", "-map", "0:a",
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                "-b:v", f"{kbps}k", "-maxrate", f"{int(kbps * 1.07)}k", "-bufsize", f"{kbps * 2}k",
                "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
                "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "flv", url]
    return cmd


def start_publisher(urls: list[str], seconds: float = 600, **options) -> tuple[subprocess.Popen, float]:
    """Starts the clocked publisher; returns (Popen, wall-clock start time in seconds).

    The start time is for reports only: every frame carries its own send time."""
    started = time.time()
    proc = subprocess.Popen(publisher_command(urls, seconds, **options), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    return proc, started


def stop_publisher(proc: subprocess.Popen) -> str:
    """Stops the publisher; returns what it wrote on stderr."""
    if proc.poll() is None:
        proc.terminate()
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return (err or b"").decode(errors="replace")


def decode_cells(means: list[float]) -> int | None:
    """The stamped millisecond (mod 2^32) from the CELLS cell means (0..255), or None when the
    frame does not decode cleanly. The same rules as the reader in latency.mjs."""
    if len(means) != CELLS:
        return None
    white, black = (means[0] + means[CELLS - 1]) / 2, means[1]
    span = white - black
    if span < 80 or abs(means[0] - means[CELLS - 1]) > span / 4:
        return None
    threshold = black + span / 2
    bits = []
    for mean in means[2:3 + DATA_BITS]:
        if abs(mean - threshold) < span / 4:
            return None  # neither black nor white: blurred, blended or not a strip at all
        bits.append(1 if mean > threshold else 0)
    if sum(bits) % 2:
        return None
    value = 0
    for bit in bits[:DATA_BITS]:
        value = value * 2 + bit
    return value


def decode_gray_strip(strip: bytes, width: int, height: int) -> int | None:
    """The stamp of one frame's clock strip given as 8-bit gray pixels (width x height, the top
    1/STRIP_FRACTION of the picture), read like latency.mjs reads it: each cell's middle half."""
    means = []
    for i in range(CELLS):
        x0, x1 = _cell_x(i, width), _cell_x(i + 1, width)
        xs = range(x0 + (x1 - x0) // 4, x1 - (x1 - x0) // 4)
        values = [strip[y * width + x] for y in range(height // 4, height * 3 // 4) for x in xs]
        means.append(sum(values) / len(values))
    return decode_cells(means)


def media_send_times(media: bytes, width: int, height: int) -> list[float | None]:
    """The burned-in send times (epoch ms; None: not decoded) of every video frame of a media file
    (FLV, TS, or fMP4 init + segment), decoded with FFmpeg."""
    strip_h = max(8, height // STRIP_FRACTION)
    done = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-map", "0:v:0",
                           "-vf", f"crop={width}:{strip_h}:0:0,format=gray", "-f", "rawvideo", "pipe:1"],
                          input=media, capture_output=True, timeout=60)
    size = width * strip_h
    now_ms = time.time() * 1000
    times = []
    for offset in range(0, len(done.stdout) - size + 1, size):
        stamp = decode_gray_strip(done.stdout[offset:offset + size], width, strip_h)
        times.append(None if stamp is None else unwrap_ms(stamp, now_ms))
    return times


def unwrap_ms(stamp: int, now_ms: float) -> float:
    """The wall-clock millisecond a 32-bit stamp stands for: the one nearest `now_ms`."""
    modulus = 2 ** DATA_BITS
    return now_ms - ((now_ms - stamp + modulus / 2) % modulus - modulus / 2)


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0..100), linear between the nearest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(latencies_ms: list[float]) -> dict:
    """p50/p95/min/max and the count of latency samples (ms)."""
    return {
        "samples": len(latencies_ms),
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
        "min_ms": min(latencies_ms) if latencies_ms else None,
        "max_ms": max(latencies_ms) if latencies_ms else None,
        "mean_ms": statistics.fmean(latencies_ms) if latencies_ms else None,
    }


class LatencyHarnessError(RuntimeError):
    """latency.mjs could not run or report (not: the latency was bad)."""


def measure(url: str, player: str = "hlsjs", seconds: float = 20, warmup: float = 4,
            start_timeout: float = 40, config: dict | None = None, trace: str | None = None,
            page: bool = False, switch_at: float | None = None) -> dict:
    """Plays `url` (master playlist or MPD) in headless Chromium with `player` (hlsjs, dashjs5,
    shaka) and returns latency.mjs's report: p50_ms/p95_ms over `seconds` after `warmup`
    seconds of playback, the decoded samples' checks (monotonic, rejected frames); see
    latency.mjs for the fields. `config` goes to the player as its configuration. `page`: `url`
    is a Tidecast watch page, played with its own player; the report adds its readout_s.
    `switch_at`: seconds after the start at which the player is told to play another video
    rendition (the report's `switch`)."""
    from support.browser import ensure_installed
    ensure_installed()
    command = ["node", LATENCY_SCRIPT, "--url", url, "--player", player, "--seconds", str(seconds),
               "--warmup", str(warmup), "--start-timeout", str(start_timeout), "--chromium", CHROMIUM]
    if config:
        command += ["--config", json.dumps(config)]
    if trace:
        command += ["--trace", trace]
    if page:
        command.append("--page")
    if switch_at is not None:
        command += ["--switch-at", str(switch_at)]
    try:
        done = subprocess.run(command, cwd=BROWSER_DIR, capture_output=True, text=True,
                              timeout=2 * start_timeout + warmup + seconds + 90)
    except subprocess.TimeoutExpired as e:
        raise LatencyHarnessError(f"latency.mjs did not finish: {e}") from e
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise LatencyHarnessError(f"latency.mjs gave no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
