"""`make bench`: every benchmark, each against its peer in the same run.

  live       ingest vs nginx-rtmp (first playable playlist, live-edge lag, CPU/RSS)
  transcode  file-mode ladder vs the ffmpeg CLI doing the same ladder
  capacity   simultaneous 720p30 sources the default live ladder keeps in real time
  uploads    upload ingest MB/s vs the disk's own sequential write speed
  vod        upload conversion (the job queue's pipeline) vs the ffmpeg CLI doing the same ladder
  abuse      a normal client's request time under idle/slowloris/slow-reader abuse vs nginx under the same
  catalog    a durable catalog write (synchronous=FULL) through the API vs a bare sqlite3 commit, FULL and NORMAL
  serving    live playlist/segment, on-demand segment and download Range reads vs nginx on the same bytes (wrk)
  cluster    3 nodes behind HAProxy: pulled fan-out (internal fetches per segment, segment time on owner vs
             other nodes), viewer fan-out through HAProxy over 1 vs 3 nodes (p99 segment time, origin fetches
             per segment per node, CPU-seconds per viewer-minute, capacity ratio; medians of --trials) and the
             fail-over gap when the owner is killed (median of --trials)
  runners    conversion jobs per hour with 1, 2, 3 cluster runners vs in-process conversion
  latency    glass-to-glass p50/p95 (clock burned into the picture, read back in Chromium): Tidecast HLS
             (hls.js), DASH (dash.js 5, Shaka) vs nginx-rtmp HLS (hls.js) on the same publish, with each
             join's phase; segment availability on both
  held       LL-HLS blocking playlist reload: 1,000 and 5,000 held requests on one channel, time from the part's
             completion to the p99/last answer, memory and CPU per held request
  chat       5,000 chat WebSocket viewers of one channel: memory per connection, fan-out p50/p99, CPU per message
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--only", choices=["live", "transcode", "capacity", "uploads", "vod", "abuse", "catalog", "serving",
                                            "cluster", "runners", "latency", "held", "chat"],
                        action="append",
                        help="run only these (repeatable)")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--publishers", type=int, default=20)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--latency-seconds", type=float, default=60,
                        help="latency: sampled per row, split over 3 joins (default 60)")
    args = parser.parse_args()
    os.environ.setdefault("TIDECAST_BIN", os.path.abspath(os.path.join(args.build_dir, "tidecast")))
    selected = args.only or ["live", "transcode", "capacity", "uploads", "vod", "abuse", "catalog", "serving", "cluster",
                             "runners", "latency", "held", "chat"]

    if "live" in selected:
        import live_ingest
        live_ingest.run(trials=args.trials, publishers=args.publishers, load_seconds=args.load_seconds)
    if "transcode" in selected:
        import transcode
        transcode.run(trials=args.trials)
    if "capacity" in selected:
        import live_capacity
        live_capacity.run()
    if "uploads" in selected:
        import uploads
        uploads.run(trials=args.trials)
    if "vod" in selected:
        import vod
        vod.run(trials=args.trials)
    if "abuse" in selected:
        import abuse
        abuse.run()
    if "catalog" in selected:
        import catalog
        catalog.run()
    if "serving" in selected:
        import serving
        serving.run(build_dir=os.path.abspath(args.build_dir))
    if "cluster" in selected:
        import cluster
        cluster.run(trials=args.trials)
    if "runners" in selected:
        import runners
        runners.run(trials=min(args.trials, 3))
    if "latency" in selected:
        import latency
        latency.run(latency_seconds=args.latency_seconds)
    if "held" in selected:
        import held_requests
        held_requests.run(trials=args.trials)
    if "chat" in selected:
        import chat
        chat.run()


if __name__ == "__main__":
    main()
