"""The glass-to-glass measurement itself (support/latency.py + browser/latency.mjs), which
the low-latency tests assert their ceilings with:

1. The publisher's burned-in clock is the wall clock: every frame of its own FLV output
   decodes, one frame period apart, inside the time the publisher ran.
2. In Chromium, hls.js playing Tidecast's normal HLS: the clock decodes from nearly every
   displayed frame, send times only go forward, and latency is positive and under a
   generous ceiling; the playlist's PROGRAM-DATE-TIME agrees with the burned-in clock.
3. The decoder refuses frames whose references or parity do not hold.
4. dash.js 5 with its default settings, from another origin, on a low-latency
   channel's MPD (LL-DASH: it switches to low-latency mode by itself): 20 s
   without a stall; the glass-to-glass numbers are printed (goal p50 <= 2 s,
   asserted with a generous ceiling only)."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
import datetime
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.browser import chromium_available
from support.latency import (CELLS, DATA_BITS, decode_cells, measure, media_send_times, publisher_command,
                             start_publisher, stop_publisher)
from support.tidecast import Server

CEILING_MS = 20000  # normal HLS sits ~6-9 s behind; only a broken measurement is this far off
LL_DASH_CEILING_MS = 5000  # LL-DASH measures ~1.7 s here: generous for a shared CPU


def cell_means(value, parity_ok=True):
    bits = [(value >> k) & 1 for k in reversed(range(DATA_BITS))]
    parity = sum(bits) % 2 if parity_ok else 1 - sum(bits) % 2
    levels = [235, 16] + [235 if b else 16 for b in bits] + [235 if parity else 16, 235]
    assert len(levels) == CELLS
    return levels


class Decoder(unittest.TestCase):
    def test_decodes_and_refuses(self):
        self.assertEqual(decode_cells(cell_means(0xDEADBEEF)), 0xDEADBEEF)
        self.assertEqual(decode_cells([m * 0.6 + 40 for m in cell_means(123456)]), 123456)  # dimmer, offset
        self.assertIsNone(decode_cells(cell_means(123456, parity_ok=False)))
        grey = cell_means(123456)
        grey[10] = 125  # a cell between black and white
        self.assertIsNone(decode_cells(grey))
        self.assertIsNone(decode_cells([128] * CELLS))  # no strip at all
        swapped = cell_means(123456)
        swapped[0], swapped[1] = swapped[1], swapped[0]
        self.assertIsNone(decode_cells(swapped))


class PublisherClock(unittest.TestCase):
    def test_stamps_are_the_wall_clock_at_send(self):
        before = time.time() * 1000
        cmd = publisher_command(["pipe:1"], seconds=3, size="640x360")
        done = subprocess.run(cmd, capture_output=True, timeout=60)
        after = time.time() * 1000
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        times = media_send_times(done.stdout, 640, 360)
        self.assertGreaterEqual(len(times), 80)
        self.assertNotIn(None, times)
        steps = [b - a for a, b in zip(times, times[1:])]
        # -re paces frames 33.3 ms apart on average; single steps vary (a stamp can lead by an
        # audio frame, a busy machine delays one frame and the next catch up), never backwards.
        self.assertTrue(all(0 <= s <= 1000 for s in steps), steps)
        self.assertAlmostEqual(sum(steps) / len(steps), 1000 / 30, delta=5)
        self.assertGreaterEqual(times[0], before)
        self.assertLessEqual(times[-1], after)


@unittest.skipUnless(chromium_available(), "needs chromium (make test-deps)")
class BrowserMeasurement(unittest.TestCase):
    def test_hlsjs_on_normal_hls(self):
        server = Server()
        publisher = None
        try:
            key = server.create_channel("clock")
            publisher, _ = start_publisher([server.rtmp_url(key)], seconds=120, size="640x360",
                                           video_bitrate="800k")
            server.wait_for("/live/clock/master.m3u8", timeout=30)
            result = measure(server.url("/live/clock/master.m3u8"), player="hlsjs", seconds=10, warmup=2)
            anchor_ms = self.date_minus_send(server)
        finally:
            if publisher is not None:
                stop_publisher(publisher)
            server.close()
        self.assertTrue(result["started"], result)
        self.assertIsNone(result["harness_error"], result)
        self.assertEqual(result["errors"], [], result)
        # Nearly every displayed frame decodes (30 fps; a loaded machine drops some).
        self.assertGreaterEqual(result["samples"], 10 * 10, result)
        self.assertLessEqual(result["rejected"], result["samples"] // 10, result)
        self.assertEqual(result["backwards"], 0, result)
        self.assertGreater(result["last_send_ms"] - result["first_send_ms"], 5000, result)
        self.assertGreater(result["min_ms"], 0, result)
        self.assertLess(result["p95_ms"], CEILING_MS, result)
        self.assertTrue(result["ok"], result)
        # The playlist's dates (and the MPD's availabilityStartTime, the same anchor) are the
        # publisher's clock give or take the ingest: a latency readout built on them is honest.
        self.assertLess(abs(anchor_ms), 1000, anchor_ms)

    def test_dashjs5_on_low_latency_dash(self):
        server = Server({"live": {"latency_mode": "low", "part_seconds": 0.4}})
        publisher = None
        try:
            key = server.create_channel("clock")
            publisher, _ = start_publisher([server.rtmp_url(key)], seconds=120, size="640x360",
                                           video_bitrate="800k")
            server.wait_for("/live/clock/master.m3u8", timeout=30)
            result = measure(server.url("/live/clock/manifest.mpd"), player="dashjs5", seconds=20, warmup=4)
        finally:
            if publisher is not None:
                stop_publisher(publisher)
            server.close()
        print(f"\nLL-DASH dash.js {result.get('version')}: glass-to-glass p50 {result['p50_ms']} ms, "
              f"p95 {result['p95_ms']} ms, player's estimate {result['player_latency_s']} s, "
              f"stalls {result['stalls']}", file=sys.stderr)
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["errors"], [], result)
        self.assertEqual(result["http_errors"], [], result)
        self.assertEqual(result["stalls"], 0, result)
        self.assertGreaterEqual(result["samples"], 20 * 10, result)
        self.assertGreater(result["last_send_ms"] - result["first_send_ms"], 15000, result)
        # Measured ~1.7 s on loopback (ServiceDescription target 1.6 s); normal DASH sits ~6-9 s behind.
        self.assertLess(result["p50_ms"], LL_DASH_CEILING_MS, result)

    @staticmethod
    def date_minus_send(server):
        """EXT-X-PROGRAM-DATE-TIME of the newest segment - its first frame's burned-in send time (ms)."""
        _, _, body = server.get("/live/clock/v0/media.m3u8")
        lines = body.decode().splitlines()
        init = next(l.split('"')[1] for l in lines if l.startswith("#EXT-X-MAP:"))
        date = [l.split(":", 1)[1] for l in lines if l.startswith("#EXT-X-PROGRAM-DATE-TIME:")][-1]
        segment = [l for l in lines if l and not l.startswith("#")][-1]
        media = server.get(f"/live/clock/v0/{init}")[2] + server.get(f"/live/clock/v0/{segment}")[2]
        first = next(t for t in media_send_times(media, 640, 360) if t is not None)
        dated = datetime.datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp() * 1000
        return dated - first


if __name__ == "__main__":
    unittest.main()
