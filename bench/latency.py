"""Glass-to-glass latency (issue #15): one clocked publish, the same bitstream to Tidecast and nginx-rtmp.

The publisher (tests/e2e/support/latency.py) burns each frame's send time into
the picture; headless Chromium plays each row and reads the clock back from
every displayed frame (tests/e2e/browser/latency.mjs): latency = display time -
send time, p50/p95 over --latency-seconds per row, players at their default
settings, Tidecast in passthrough (nginx-rtmp does not transcode either). The
publisher is one FFmpeg with one output per server, identical (deterministic)
encodes, not the tee muxer (see publisher_command: the tee starts with a burst
that would date Tidecast's MPD ~0.5 s late).

  tidecast HLS    hls.js     /live/<ch>/master.m3u8 (2-s segments)
  nginx-rtmp HLS  hls.js     the peer: nginx-rtmp's own HLS (TS, hls_fragment 2s)
  tidecast DASH   dash.js 5  /live/<ch>/manifest.mpd
  tidecast DASH   Shaka      /live/<ch>/manifest.mpd
  tidecast LL-HLS hls.js     lowLatencyMode, a channel set to low latency (live.part_seconds parts)
  tidecast LL-HLS watch page the web app's own hls.js settings on that channel
  tidecast LL-DASH dash.js 5 the same channel's MPD (dash.js's low-latency mode)

--low-latency runs only the three low-latency rows (no nginx-rtmp, no
availability pass): quicker, for more joins.

Each row is played in --joins sessions, interleaved across rows, once the
stream has a full live window. hls.js starts 3 target durations behind the
newest segment of the playlist as it first loads it, and keeps that distance
(no catch-up at default settings): a session's latency is 3 x target + its
join phase (how long that segment had been listed) + a constant. The phase is
uniform over one segment duration, so a single 20-s session per server can
differ by up to 2 s from another for no reason but timing; each HLS join's
phase is measured (the playlists are polled every 20 ms) and printed, and
"p50 - phase" is what the server and player add on top.

Then segment availability, both servers on the same publish: every new
segment's last frame is decoded (FFmpeg) for its burned-in send time; listed -
(last frame sent + one frame) is how long a finished segment waits before a
player can know it exists.

  python3 bench/latency.py [--latency-seconds 60] [--joins 3] [--availability-seconds 30] [--low-latency]
  python3 bench/run.py --only latency
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.latency import (measure, media_send_times, percentile, start_publisher,  # noqa: E402
                             stop_publisher)

from support.tidecast import BIN, Server  # noqa: E402

from peers import NginxRtmp, Tidecast, http_status  # noqa: E402

CHANNEL = "latency"
LL_CHANNEL = "latency-ll"  # the same publish on a channel set to low latency (LL-HLS, LL-DASH rows)
SIZE = (1280, 720)
FPS = 30


def wait_for_window(urls, segments, timeout=120):
    """Until every playlist lists at least `segments` segments (the live window players join)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        counts = []
        for url in urls:
            code, body = http_status(url)
            counts.append(body.count(b"#EXTINF") if code == 200 else 0)
        if min(counts) >= segments:
            return True
        time.sleep(0.5)
    return False


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read()


def frame_send_times(media_bytes, width=SIZE[0], height=SIZE[1]):
    return media_send_times(media_bytes, width, height)


def playlist_segments(text):
    """[(uri, duration)] of a media playlist and its target duration."""
    target = int(re.search(r"#EXT-X-TARGETDURATION:(\d+)", text).group(1))
    segments, duration = [], None
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line and not line.startswith("#"):
            segments.append((line, duration))
    return segments, target


def program_date_times(text):
    """{uri: EXT-X-PROGRAM-DATE-TIME in epoch ms} of a media playlist's segments that carry one."""
    out, pending = {}, None
    for line in text.splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            stamp = datetime.datetime.fromisoformat(line.split(":", 1)[1].replace("Z", "+00:00"))
            pending = stamp.timestamp() * 1000
        elif line and not line.startswith("#"):
            if pending is not None:
                out[line] = pending
            pending = None
    return out


def availability(playlists, init_urls, seconds, video_of=None):
    """Polls every playlist every 20 ms for `seconds`, fetching each segment as it appears (nginx
    deletes old ones). Returns {label: [listed - end of its last frame, ms]}, the target durations
    and {label: [PROGRAM-DATE-TIME - send time of the segment's first frame, ms]}. Segments already
    listed at the first look are skipped: their listing time is unknown. An audio playlist or a
    rung (label in `video_of`) is timed against the video segment of the same name."""
    video_of = video_of or {}
    seen = {label: None for label in playlists}
    fetched = {label: [] for label in playlists}
    listed = {label: {} for label in playlists}
    dated = {label: {} for label in playlists}
    targets = {}
    end = time.time() + seconds
    while time.time() < end:
        for label, url in playlists.items():
            code, body = http_status(url)
            if code != 200:
                continue
            now_ms = time.time() * 1000
            segments, targets[label] = playlist_segments(body.decode())
            dated[label].update(program_date_times(body.decode()))
            if seen[label] is None:
                seen[label] = {uri for uri, _ in segments}
            for uri, _ in segments:
                if uri not in seen[label]:
                    seen[label].add(uri)
                    listed[label][uri] = now_ms
                    if label not in video_of:
                        fetched[label].append((uri, fetch(f"{url.rsplit('/', 1)[0]}/{uri}")))
        time.sleep(0.02)
    ends = {label: {} for label in playlists}
    clock = {label: [] for label in playlists}
    for label, segments in fetched.items():
        init = fetch(init_urls[label]) if init_urls.get(label) else b""
        for uri, media in segments:
            times = [t for t in frame_send_times(init + media) if t is not None]
            if times:
                ends[label][uri] = times[-1] + 1000 / FPS
                if uri in dated[label]:
                    clock[label].append(dated[label][uri] - times[0])
    waits = {}
    for label in playlists:
        frame_ends = ends[video_of.get(label, label)]
        waits[label] = [listed[label][uri] - frame_ends[uri] for uri in listed[label] if uri in frame_ends]
    return waits, targets, clock


def init_url(playlist_url):
    code, body = http_status(playlist_url)
    match = re.search(rb'#EXT-X-MAP:URI="([^"]+)"', body) if code == 200 else None
    return f"{playlist_url.rsplit('/', 1)[0]}/{match.group(1).decode()}" if match else None


class ListingWatch:
    """Polls media playlists every 20 ms in a thread; remembers when each segment was first listed."""

    def __init__(self, urls):
        self.urls = urls
        self.listed = {url: {} for url in urls}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.poll, daemon=True)
        self.thread.start()

    def poll(self):
        while not self.stopping.is_set():
            for url in self.urls:
                code, body = http_status(url)
                if code != 200:
                    continue
                now_ms = time.time() * 1000
                for uri, _ in playlist_segments(body.decode())[0]:
                    self.listed[url].setdefault(uri, now_ms)
            time.sleep(0.02)

    def newest_listed_before(self, url, at_ms):
        times = [t for t in self.listed[url].values() if t <= at_ms]
        return max(times) if times else None

    def close(self):
        self.stopping.set()
        self.thread.join()


def join_phase(trace, watch, playlist_url):
    """How stale the live edge was when the player first loaded `playlist_url`: that load's end -
    when the newest segment it listed had been listed (ms). hls.js starts 3 target durations
    behind that edge, so its latency is 3 x target + this phase + a constant."""
    path = urllib.parse.urlsplit(playlist_url).path
    loads = [r for r in trace["requests"] if r["url"].split("?")[0] == path]
    if not loads:
        return None
    listed = watch.newest_listed_before(playlist_url, loads[0]["end_ms"])
    return None if listed is None else loads[0]["end_ms"] - listed


def window_latencies(trace):
    start, end = trace["window_ms"]
    return [f["display_ms"] - f["send_ms"] for f in trace["frames"]
            if f["send_ms"] is not None and start <= f["display_ms"] < end]


def fmt(value, unit=" ms"):
    return "-" if value is None else f"{value:.0f}{unit}"


def print_latency(rows, joins, seconds, warmup):
    print(f"\n== glass-to-glass latency (burned-in clock; per row {joins} joins x {seconds:g} s after {warmup:g} s "
          "of playback; players at default settings) ==")
    print(f"{'row':31} {'p50':>8} {'p95':>8} {'frames':>6} {'rej':>4} {'stalls':>6} {'rate':>5} {'player says':>11}  "
          "per join: p50/p95 (join phase) [p50 - phase]")
    summary = {}
    for label, runs in rows.items():
        latencies = sorted(x for run in runs for x in run["latencies"])
        p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
        estimates = [r["report"]["player_latency_s"] for r in runs if r["report"].get("player_latency_s") is not None]
        estimate = f"{statistics.median(estimates):.2f} s" if estimates else "-"
        rejected = sum(r["report"].get("rejected", 0) for r in runs)
        stalls = sum(r["report"].get("stalls", 0) for r in runs)
        # The slowest join's media seconds per wall second: below ~0.98 the machine starved the player.
        rates = [r["report"]["playback_rate"] for r in runs if r["report"].get("playback_rate") is not None]
        rate = f"{min(rates):.2f}" if rates else "-"
        joins_text = []
        for r in runs:
            rep = r["report"]
            if not rep.get("ok"):
                joins_text.append(f"NOT OK ({rep.get('harness_error') or rep.get('errors') or 'few frames'})")
            elif r["phase"] is None:
                joins_text.append(f"{fmt(rep['p50_ms'], '')}/{fmt(rep['p95_ms'], '')}")
            else:
                joins_text.append(f"{rep['p50_ms']:.0f}/{rep['p95_ms']:.0f} ({r['phase']:.0f}) "
                                  f"[{rep['p50_ms'] - r['phase']:.0f}]")
        print(f"{label:31} {fmt(p50):>8} {fmt(p95):>8} {len(latencies):>6} {rejected:>4} {stalls:>6} {rate:>5} "
              f"{estimate:>11}  " + ", ".join(joins_text))
        summary[label] = {"p50_ms": p50, "p95_ms": p95, "frames": len(latencies), "joins": runs}
    return summary


class TidecastDefaultLadder(Tidecast):
    """Tidecast as shipped: the default live ladder (720p/480p/360p x264 rungs) next to the source."""

    def __init__(self):  # noqa: super().__init__ would start a passthrough-only server
        self.server = Server({"log_level": "warn", "transcode": {"enabled": True}})
        self.pid = self.server.proc.pid
        self.channels = {}


class TidecastParts(Tidecast):
    """Passthrough Tidecast with its low-latency channels cut into parts of `part_seconds`."""

    def __init__(self, part_seconds):  # noqa: super().__init__ would start one with the default parts
        self.server = Server({"live": {"segment_seconds": 2.0, "part_seconds": part_seconds}, "log_level": "warn",
                              "transcode": {"enabled": False}})
        self.pid = self.server.proc.pid
        self.channels = {}


def run(latency_seconds=60, joins=3, availability_seconds=30, warmup=6, ladder=False, low_latency_only=False,
        part_seconds=None):
    if low_latency_only:
        return run_low_latency(latency_seconds, joins, warmup, ladder, part_seconds)
    tidecast, nginx = (TidecastDefaultLadder() if ladder else Tidecast(2.0)), NginxRtmp(2.0)
    publisher = watch = None
    seconds = latency_seconds / joins
    tmp = tempfile.TemporaryDirectory(prefix="tidecast-bench-latency-")
    try:
        ll_url = tidecast.publish_url(LL_CHANNEL)
        subprocess.run([BIN, "--config", tidecast.server.config_path, "channel", "set-latency", LL_CHANNEL, "low"],
                       check=True, capture_output=True, timeout=30)
        publisher, _ = start_publisher([tidecast.publish_url(CHANNEL), nginx.publish_url(CHANNEL), ll_url],
                                       seconds=36000, size=f"{SIZE[0]}x{SIZE[1]}", fps=FPS)
        print(f"bench latency: publishing {SIZE[0]}x{SIZE[1]}@{FPS} (x264 veryfast/zerolatency, 2-s GOP, AAC) "
              f"to tidecast ({'default ladder' if ladder else 'passthrough'}) and nginx-rtmp", flush=True)
        tide_media = tidecast.playlist_url(CHANNEL)
        nginx_hls = nginx.playlist_url(CHANNEL)
        # A full window first (Tidecast's live window and nginx's 12-s playlist).
        if not wait_for_window([tide_media, nginx_hls], 6):
            raise RuntimeError(f"the playlists never filled: publisher says {stop_publisher(publisher)}")
        watch = ListingWatch([tide_media, nginx_hls])

        tide_mpd = tidecast.server.url(f"/live/{CHANNEL}/manifest.mpd")
        plan = [  # label, URL, player, the media playlist whose edge an HLS player starts from
            ("tidecast HLS, hls.js", tidecast.server.url(f"/live/{CHANNEL}/master.m3u8"), "hlsjs", tide_media),
            ("nginx-rtmp HLS, hls.js (peer)", nginx_hls, "hlsjs", nginx_hls),
            ("tidecast DASH, dash.js 5", tide_mpd, "dashjs5", None),
            ("tidecast DASH, Shaka", tide_mpd, "shaka", None),
            # Low latency (0.4-s parts): hls.js in its low-latency mode, dash.js 5 as it comes.
            *low_latency_plan(tidecast),
        ]
        rows = {label: [] for label, *_ in plan}
        # Joins interleaved across rows (A/B/A/B): the machine drifts, and a player's distance
        # from the edge depends on when in the segment cycle it joins.
        for join in range(joins):
            for label, url, player, media, *config in plan:
                print(f"bench latency: {label}, join {join + 1}/{joins}, {seconds:g} s ...", flush=True)
                trace_path = os.path.join(tmp.name, f"trace-{len(rows[label])}-{player}.json")
                report = measure(url, player="hlsjs" if player == "page" else player, seconds=seconds, warmup=warmup,
                                 trace=trace_path,
                                 config=config[0] if config else None, page=player == "page")
                entry = {"report": report, "latencies": [], "phase": None}
                if os.path.exists(trace_path):
                    with open(trace_path) as f:
                        trace = json.load(f)
                    entry["latencies"] = window_latencies(trace)
                    entry["phase"] = join_phase(trace, watch, media) if media else None
                rows[label].append(entry)
        watch.close()
        watch = None
        summary = print_latency(rows, joins, seconds, warmup)
        tide, peer = summary["tidecast HLS, hls.js"], summary["nginx-rtmp HLS, hls.js (peer)"]
        if tide["p50_ms"] is not None and peer["p50_ms"] is not None:
            print(f"tidecast HLS - nginx-rtmp HLS (p50): {tide['p50_ms'] - peer['p50_ms']:+.0f} ms")

        print(f"bench latency: segment availability for {availability_seconds:g} s ...", flush=True)
        playlists = {
            "tidecast v0": tide_media,
            "tidecast a0": tidecast.server.url(f"/live/{CHANNEL}/a0/media.m3u8"),
            "nginx-rtmp": nginx_hls,
        }
        video_of = {"tidecast a0": "tidecast v0"}
        if ladder:  # the rungs, timed against the passthrough's segment of the same name
            for rung in (f"v{i}" for i in range(1, 8)):
                url = tidecast.server.url(f"/live/{CHANNEL}/{rung}/media.m3u8")
                if http_status(url)[0] == 200:
                    playlists[f"tidecast {rung}"] = url
                    video_of[f"tidecast {rung}"] = "tidecast v0"
        inits = {label: init_url(url) for label, url in playlists.items() if label not in video_of}
        waits, targets, clock = availability(playlists, inits, availability_seconds, video_of=video_of)
    finally:
        if watch is not None:
            watch.close()
        if publisher is not None:
            stop_publisher(publisher)
        tidecast.close()
        nginx.close()
        tmp.cleanup()

    print("\n== segment availability: listed in the playlist - end of its last frame's send time ==")
    for label, values in waits.items():
        if values:
            print(f"{label:14} target {targets.get(label)} s, {len(values)} segments: median "
                  f"{statistics.median(values):.0f} ms, max {max(values):.0f} ms")
        else:
            print(f"{label:14} no segments decoded")
    for label, values in clock.items():
        if values:
            # The MPD's availabilityStartTime is the same anchor: DASH players place the live
            # edge by it, so a late anchor puts them that much further behind.
            anchor = statistics.median(values)
            print(f"{label:14} EXT-X-PROGRAM-DATE-TIME - first frame's send time: median "
                  f"{anchor:.0f} ms (the wall-clock anchor of HLS dates and the MPD)")
            if anchor < -500:
                # Frames sent later than their media time says: the publisher itself fell behind.
                print("WARNING: the publisher fell behind real time (a starved machine): the latency rows "
                      "include its lag and are not comparable with other runs")
    return {"latency": summary, "availability": waits}


def low_latency_plan(tidecast):
    """The low-latency rows: (label, URL, player, media playlist, [player configuration])."""
    return [
        ("tidecast LL-HLS, hls.js LL", tidecast.server.url(f"/live/{LL_CHANNEL}/master.m3u8"), "hlsjs", None,
         {"lowLatencyMode": True}),
        # The web app's own settings (engine-hls.js: lowLatencyMode, catch-up at up to 1.1x).
        ("tidecast LL-HLS, watch page", tidecast.server.url(f"/watch.html?channel={LL_CHANNEL}&engine=hls"), "page",
         None),
        ("tidecast LL-DASH, dash.js 5", tidecast.server.url(f"/live/{LL_CHANNEL}/manifest.mpd"), "dashjs5", None),
    ]


def run_low_latency(latency_seconds, joins, warmup, ladder, part_seconds=None):
    """Only the low-latency rows, on one Tidecast (no peer: nginx-rtmp has no LL-HLS)."""
    if part_seconds is not None:
        tidecast = TidecastParts(part_seconds)
    else:
        tidecast = TidecastDefaultLadder() if ladder else Tidecast(2.0)
    publisher = None
    seconds = latency_seconds / joins
    tmp = tempfile.TemporaryDirectory(prefix="tidecast-bench-latency-")
    try:
        ll_url = tidecast.publish_url(LL_CHANNEL)
        subprocess.run([BIN, "--config", tidecast.server.config_path, "channel", "set-latency", LL_CHANNEL, "low"],
                       check=True, capture_output=True, timeout=30)
        publisher, _ = start_publisher([ll_url], seconds=36000, size=f"{SIZE[0]}x{SIZE[1]}", fps=FPS)
        print(f"bench latency: publishing {SIZE[0]}x{SIZE[1]}@{FPS} (2-s GOP) to a low-latency channel "
              f"({'default ladder' if ladder and part_seconds is None else 'passthrough'}, parts "
              f"{part_seconds or 'as configured by default'})", flush=True)
        if not wait_for_window([tidecast.playlist_url(LL_CHANNEL)], 4):
            raise RuntimeError(f"the playlist never filled: publisher says {stop_publisher(publisher)}")
        plan = low_latency_plan(tidecast)
        rows = {label: [] for label, *_ in plan}
        for join in range(joins):
            for label, url, player, _, *config in plan:
                load = os.getloadavg()[0]
                print(f"bench latency: {label}, join {join + 1}/{joins}, {seconds:g} s (load {load:.1f}) ...",
                      flush=True)
                trace_path = os.path.join(tmp.name, f"trace-{len(rows[label])}-{player}.json")
                report = measure(url, player="hlsjs" if player == "page" else player, seconds=seconds, warmup=warmup,
                                 trace=trace_path,
                                 config=config[0] if config else None, page=player == "page")
                entry = {"report": report, "latencies": [], "phase": None}
                if os.path.exists(trace_path):
                    with open(trace_path) as f:
                        entry["latencies"] = window_latencies(json.load(f))
                rows[label].append(entry)
        summary = print_latency(rows, joins, seconds, warmup)
    finally:
        if publisher is not None:
            stop_publisher(publisher)
        tidecast.close()
        tmp.cleanup()
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return {"latency": summary}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-seconds", type=float, default=60,
                        help="sampled per row, split over the joins (default 60)")
    parser.add_argument("--joins", type=int, default=3, help="player sessions per row (default 3)")
    parser.add_argument("--ladder", action="store_true",
                        help="Tidecast with its default live ladder (as shipped) instead of passthrough")
    parser.add_argument("--availability-seconds", type=float, default=30)
    parser.add_argument("--low-latency", action="store_true", help="only the low-latency rows (LL-HLS, LL-DASH)")
    parser.add_argument("--part-seconds", type=float, help="with --low-latency: live.part_seconds (passthrough)")
    parser.add_argument("--warmup", type=float, default=6, help="played before sampling, per row")
    args = parser.parse_args()
    os.environ.setdefault("TIDECAST_BIN", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "build",
                                                                       "tidecast")))
    run(args.latency_seconds, args.joins, args.availability_seconds, args.warmup, args.ladder, args.low_latency,
        args.part_seconds)


if __name__ == "__main__":
    main()
