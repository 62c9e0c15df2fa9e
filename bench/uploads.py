"""Upload ingest benchmark (issue: on-demand videos), against the disk itself in the same run.

An upload of SIZE MiB over loopback into a real Tidecast (no conversion
workers, so only ingest is measured), as one tus PATCH and as one plain POST,
each ending with the file synced to disk. The peer is the disk's own
sequential write speed for the same size, `dd bs=1M conv=fsync` into the
same directory. Trials are interleaved (dd, tus, POST, dd, ...); medians are
reported, with ratios upload / dd (1.0 = as fast as the disk), the server's
CPU-seconds per GiB and its peak RSS (which must not grow with the upload).
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.tidecast import Server, create_token  # noqa: E402

from peers import process_usage  # noqa: E402

CHUNK = 1 << 20


def body_chunks(size):
    """The payload, generated as it is sent (never held whole)."""
    block = os.urandom(CHUNK)
    sent = 0
    while sent < size:
        n = min(CHUNK, size - sent)
        yield block[:n]
        sent += n


def send(port, method, path, headers, size):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        t0 = time.monotonic()
        conn.putrequest(method, path)
        for name, value in {**headers, "Content-Length": str(size)}.items():
            conn.putheader(name, value)
        conn.endheaders()
        for chunk in body_chunks(size):
            conn.send(chunk)
        r = conn.getresponse()
        body = r.read()
        elapsed = time.monotonic() - t0
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body, elapsed
    finally:
        conn.close()


def dd_seconds(directory, size_mib):
    path = os.path.join(directory, "dd.bin")
    t0 = time.monotonic()
    subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=1M", f"count={size_mib}", "conv=fsync"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.monotonic() - t0
    os.remove(path)
    return elapsed


def tus_upload(server, token, size):
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    conn.request("POST", "/api/v1/uploads", headers={**auth, "Upload-Length": str(size)})
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 201, r.status
    location = r.getheader("Location")
    status, headers, _, elapsed = send(server.http_port, "PATCH", location, {
        **auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, size)
    assert status == 204, status
    return headers["tidecast-video-id"], elapsed


def plain_upload(server, token, size):
    status, _, body, elapsed = send(server.http_port, "POST", "/api/v1/videos?filename=bench.bin", {
        "Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}, size)
    assert status == 201, status
    return json.loads(body)["id"], elapsed


def delete(server, token, video_id):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    conn.request("DELETE", f"/api/v1/videos/{video_id}", headers={"Authorization": f"Bearer {token}"})
    conn.getresponse().read()
    conn.close()


def run(trials=5, size_mib=1024):
    print(f"\n== upload ingest: {size_mib} MiB over loopback vs dd conv=fsync, {trials} interleaved trials ==")
    with tempfile.TemporaryDirectory(prefix="tidecast-bench-uploads-") as tmp:
        data_dir = os.path.join(tmp, "data")
        server = Server({"log_level": "warn", "jobs": {"workers": 0},
                         "uploads": {"max_bytes": (size_mib + 1) << 20}}, data_dir=data_dir)
        try:
            token = create_token(server, "bench")
            size = size_mib << 20
            times = {"dd": [], "tus": [], "post": []}
            cpu_before, _ = process_usage(server.proc.pid)
            for _ in range(trials):
                times["dd"].append(dd_seconds(tmp, size_mib))
                video_id, elapsed = tus_upload(server, token, size)
                times["tus"].append(elapsed)
                delete(server, token, video_id)
                video_id, elapsed = plain_upload(server, token, size)
                times["post"].append(elapsed)
                delete(server, token, video_id)
            cpu_after, peak_rss = process_usage(server.proc.pid)
        finally:
            server.close()
    mb = size / 1e6
    med = {k: statistics.median(v) for k, v in times.items()}
    rate = {k: mb / v for k, v in med.items()}
    gib_uploaded = 2 * trials * size / (1 << 30)
    print(f"disk (dd conv=fsync)   {rate['dd']:8.1f} MB/s   (median of {trials})")
    print(f"tus PATCH              {rate['tus']:8.1f} MB/s   ratio {rate['tus'] / rate['dd']:.2f} x disk")
    print(f"plain POST             {rate['post']:8.1f} MB/s   ratio {rate['post'] / rate['dd']:.2f} x disk")
    print(f"server CPU             {(cpu_after - cpu_before) / gib_uploaded:8.2f} CPU-s per GiB ingested")
    print(f"server peak RSS        {peak_rss:8.1f} MiB (uploads of {size_mib} MiB each)")
    return {"rates_mb_s": rate, "cpu_s_per_gib": (cpu_after - cpu_before) / gib_uploaded, "peak_rss_mib": peak_rss}


if __name__ == "__main__":
    os.environ.setdefault("TIDECAST_BIN", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "build", "tidecast")))
    run(trials=int(sys.argv[1]) if len(sys.argv) > 1 else 3, size_mib=int(sys.argv[2]) if len(sys.argv) > 2 else 256)
