"""Conversion throughput: cluster runners vs in-process conversion, in the same run.

The same N uploads (a 360p mandelbrot + noise clip, see transcode.make_source)
are converted by
  A) a single box (SQLite), its in-process job worker (jobs.workers 1);
  B) a cluster (PostgreSQL, one storage node) with 1, 2 and 3 `tidecast runner`
     processes (each jobs.workers 1): download from the storage node over
     HTTP, convert, upload into the attempt directory, fenced commit.
Throughput is N / (last job finished - first job started), from the catalog's
own timestamps, as jobs per hour; CPU is the sum over the converting
processes (the single box, or the runners) per job. Modes are interleaved
(A, 1, 2, 3, 3, 2, 1, A, ...); medians over trials. Runner overhead =
1 runner's jobs/hour vs in-process (goal: within 5 %). On a 2-core machine
more runners cannot add CPU: 2 and 3 runners show the queue's overhead and
contention, not scaling.
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.cluster import Cluster, Node  # noqa: E402
from support.tidecast import BIN, Server, create_token, poll, upload_plain  # noqa: E402

from peers import process_usage  # noqa: E402
from transcode import make_source  # noqa: E402

JOBS = {"workers": 1, "nice": 0}


def upload_all(server, token, clip, count):
    ids = []
    for i in range(count):
        status, body = upload_plain(server, token, clip, title=f"bench {i}")
        assert status == 201, body
        ids.append(body["video"]["id"] if "video" in body else body["id"])
    return ids


def in_process(clip, count):
    server = Server({"jobs": JOBS, "log_level": "warn"})
    try:
        token = create_token(server)
        cpu0, _ = process_usage(server.proc.pid)
        upload_all(server, token, clip, count)
        db = os.path.join(server.data_dir, "tidecast.db")

        def spans():
            with sqlite3.connect(db) as c:
                return c.execute("SELECT COUNT(*), MIN(started_at), MAX(finished_at) FROM jobs "
                                 "WHERE state = 'done'").fetchone()
        done = poll(spans, lambda r: r[0] == count, 1800, interval=0.5)
        assert done[0] == count, done
        cpu1, _ = process_usage(server.proc.pid)
        return (done[2] - done[1]) / 1000.0, cpu1 - cpu0
    finally:
        server.close()


class Runner:
    def __init__(self, tmp, name, cluster_config):
        self.data_dir = os.path.join(tmp, name)
        cfg = {"data_dir": self.data_dir, "log_level": "warn", "jobs": JOBS,
               "cluster": dict(cluster_config, node=name, roles=["convert"])}
        path = os.path.join(tmp, f"{name}.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        self.proc = subprocess.Popen([BIN, "--config", path, "runner"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def with_runners(clip, count, runners):
    cluster = Cluster(nodes=0, haproxy=False)
    procs = []
    tmp = tempfile.TemporaryDirectory(prefix="tidecast-bench-runners-")
    try:
        storage = Node("s1", cluster.cluster_config, {"cluster": {"roles": ["serve", "storage"]}, "jobs": JOBS,
                                                      "log_level": "warn"})
        cluster.nodes.append(storage)
        token = create_token(storage)
        upload_all(storage, token, clip, count)  # queued; no runner yet
        procs = [Runner(tmp.name, f"r{i + 1}", cluster.cluster_config) for i in range(runners)]
        time.sleep(0.5)
        cpu0 = sum(process_usage(p.proc.pid)[0] for p in procs)

        def spans():
            out = cluster.pg.psql("SELECT COUNT(*), MIN(started_at), MAX(finished_at) FROM jobs WHERE state = 'done'",
                                  database="tidecast")
            n, first, last = out.split("|")
            return int(n), int(first or 0), int(last or 0)
        done = poll(spans, lambda r: r[0] == count, 1800, interval=0.5)
        assert done[0] == count, done
        cpu1 = sum(process_usage(p.proc.pid)[0] for p in procs)
        return (done[2] - done[1]) / 1000.0, cpu1 - cpu0
    finally:
        for p in procs:
            p.close()
        cluster.close()
        tmp.cleanup()


def run(trials=3, count=6, seconds=20):
    print(f"== conversion runners ({count} jobs of a {seconds}-s 360p clip; jobs/hour, CPU-s per job)")
    work = tempfile.TemporaryDirectory(prefix="tidecast-bench-conv-")
    clip = make_source(work.name, 640, 360, seconds)
    modes = ["in-process", 1, 2, 3]
    results = {m: [] for m in modes}
    try:
        for trial in range(trials):
            order = modes if trial % 2 == 0 else list(reversed(modes))
            for mode in order:
                wall, cpu = in_process(clip, count) if mode == "in-process" else with_runners(clip, count, mode)
                results[mode].append((count * 3600.0 / wall, cpu / count))
                label = mode if mode == "in-process" else f"{mode} runner{'s' if mode > 1 else ''}"
                print(f"  trial {trial + 1} {label}: {count * 3600.0 / wall:.0f} jobs/h, {cpu / count:.1f} CPU-s/job",
                      flush=True)
    finally:
        work.cleanup()
    medians = {m: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
               for m, v in results.items()}
    base = medians["in-process"][0]
    for mode in modes:
        rate, cpu = medians[mode]
        label = mode if mode == "in-process" else f"{mode} runner{'s' if mode > 1 else ''}"
        print(f"runners: {label:<11} median {rate:.0f} jobs/h ({rate / base:.2f}x in-process), {cpu:.1f} CPU-s/job")
    overhead = (1 - medians[1][0] / base) * 100
    print(f"runners: overhead of 1 runner vs in-process: {overhead:+.1f} % of throughput (goal <= 5 %)")


if __name__ == "__main__":
    run(trials=int(os.environ.get("TRIALS", "3")))
