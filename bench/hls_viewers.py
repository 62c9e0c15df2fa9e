"""Simulated HLS viewers for the benchmarks: each keeps one keep-alive HTTP/1.1
connection and, once per segment duration (hls.js's live reload), fetches the
media playlist and then each segment it has not fetched yet, starting at the
live edge. asyncio, so a few hundred viewers cost the load generator little
next to the servers under test.
"""
import asyncio
import random
import time

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.tidecast import media_playlist_segments  # noqa: E402


class ViewerStats:
    def __init__(self):
        self.segment_times = []  # seconds per segment request (200 only)
        self.playlists = 0
        self.errors = 0
        self.served_by = set()  # (channel, X-Served-By) pairs seen: where each channel's requests landed


async def _read_response(reader):
    """(status, headers with lower-case names, body) of one response; Content-Length or chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return status, headers, body
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    return status, headers, b""


class _Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def get(self, path):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        return await _read_response(self.reader)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _viewer(host, port, channel, segment_seconds, stop_at, stats):
    await asyncio.sleep(random.uniform(0, segment_seconds))  # viewers do not tick in step
    conn = _Connection(host, port)
    have = set()
    first = True
    base = f"/live/{channel}/v0/"
    while time.monotonic() < stop_at:
        tick = time.monotonic()
        try:
            status, headers, body = await conn.get(base + "media.m3u8")
            stats.playlists += 1
            stats.served_by.add((channel, headers.get("x-served-by")))
            if status == 200:
                names = [uri for uri, _ in media_playlist_segments(body.decode())[1]]
                new = [n for n in names if n not in have]
                if first:
                    new, first = new[-1:], False
                for name in new:
                    start = time.perf_counter()
                    status, headers, _ = await conn.get(base + name)
                    stats.served_by.add((channel, headers.get("x-served-by")))
                    if status == 200:
                        stats.segment_times.append(time.perf_counter() - start)
                        have.add(name)
                    else:
                        stats.errors += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
            stats.errors += 1
            conn.close()
        await asyncio.sleep(max(0.0, segment_seconds - (time.monotonic() - tick)))
    conn.close()


def run_viewers(host, port, channels, viewers, segment_seconds, seconds):
    """`viewers` spread round-robin over `channels` for `seconds`; returns ViewerStats."""
    stats = ViewerStats()
    if viewers == 0:  # an idle window of the same length
        time.sleep(seconds)
        return stats

    async def main():
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_viewer(host, port, channels[i % len(channels)], segment_seconds, stop_at, stats)
                               for i in range(viewers)))
    asyncio.run(main())
    return stats


def percentile(values, q):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]
