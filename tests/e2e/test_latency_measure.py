"""The glass-to-glass measurement itself (support/latency.py + browser/latency.mjs), which
the low-latency tests assert their ceilings with:

1. The publisher's burned-in clock is the wall clock: every frame of its own FLV output
   decodes, one frame period apart, inside the time the publisher ran.
2. In Chromium, hls.js playing Tidecast's normal HLS: the clock decodes from nearly every
   displayed frame, send times only go forward, and latency is positive and under a
   generous ceiling; the playlist's PROGRAM-DATE-TIME agrees with the burned-in clock.
3. The decoder refuses frames whose references or parity do not hold.
   The watch page's latency readout (hls.js engine) agrees with the burned-in clock.
4. A low-latency channel with a live ladder (the source and a 180p rung), played for 60 s at
   once by hls.js in low-latency mode and by dash.js 5 with its default settings (which
   switches to low-latency mode on the MPD), both from another origin, each told to change
   rendition halfway: no stall, the switch happens, and glass to glass stays under a
   generous ceiling (the numbers are printed; the goals are p50 <= 1.5 s for LL-HLS and
   <= 2 s for LL-DASH, docs/latency.md)."""
# ctest: browser (page-level checks; the sanitizer tier leaves them to `make test`)
# ctest: run alone (a 180p rung encodes in real time while hls.js and dash.js play for 60 s; beside another browser test hls.js stalled and fell 7 s behind)
import datetime
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.browser import chromium_available
from support.latency import (CELLS, DATA_BITS, decode_cells, measure, media_send_times, publisher_command,
                             start_publisher, stop_publisher)
from support.tidecast import Server

CEILING_MS = 25000  # normal HLS (4-s segments here) sits ~12-17 s behind; only a broken measurement is this far off
LL_CEILING_MS = 4000  # LL-HLS and LL-DASH measure ~1.2-1.8 s here: generous for a shared CPU
READOUT_TOLERANCE_MS = 500  # the watch page's readout against the clock
LL_SECONDS = 60
# One cheap rung below the 360p source, so there is a rendition to switch to.
LL_LADDER = {"enabled": True, "rungs": [{"name": "180p", "height": 180, "video_bitrate_kbps": 250}]}


def cell_means(value, parity_ok=True):
    bits = [(value >> k) & 1 for k in reversed(range(DATA_BITS))]
    parity = sum(bits) % 2 if parity_ok else 1 - sum(bits) % 2
    levels = [235, 16] + [235 if b else 16 for b in bits] + [235 if parity else 16, 235]
    assert len(levels) == CELLS
    return levels


def trace_path(player):
    """TIDECAST_LATENCY_TRACE=PREFIX keeps latency.mjs's traces (PREFIX<player>) for a look afterwards."""
    prefix = os.environ.get("TIDECAST_LATENCY_TRACE")
    return prefix + player if prefix else None


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
        # 4-s segments: hls.js reloads the playlist once a segment, at a phase set by its first
        # load, and its own `latency` is short by that phase (0-4 s; the readout must not be).
        server = Server({"live": {"segment_seconds": 4.0}})
        publisher = None
        try:
            key = server.create_channel("clock")
            publisher, _ = start_publisher([server.rtmp_url(key)], seconds=120, size="640x360",
                                           video_bitrate="800k")
            server.wait_for("/live/clock/master.m3u8", timeout=30)
            result = measure(server.url("/live/clock/master.m3u8"), player="hlsjs", seconds=10, warmup=2)
            anchor_ms = self.date_minus_send(server)
            # The watch page (hls.js engine) on the same stream, its readout next to the clock.
            page = measure(server.url("/watch.html?channel=clock&engine=hls"), seconds=8, warmup=3, page=True)
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
        # hls.js's own `latency` counted from the edge as of its last playlist load: the page
        # showed 5.6-6.4 s against 8.1 s measured. The readout is now the playing frame's
        # PROGRAM-DATE-TIME against the server's clock.
        print(f"\nwatch page (hls.js, normal HLS): readout {page['readout_s']} s, clock p50 {page['p50_ms']} ms",
              file=sys.stderr)
        self.assertTrue(page["ok"], page)
        self.assertIsNotNone(page["readout_s"], page)
        self.assertLess(abs(page["readout_s"] * 1000 - page["p50_ms"]), READOUT_TOLERANCE_MS, page)

    def test_ll_hls_and_ll_dash_play_60_s_with_a_rung_switch(self):
        server = Server({"live": {"latency_mode": "low", "part_seconds": 0.4}, "transcode": LL_LADDER})
        publisher = None
        results = {}
        try:
            key = server.create_channel("clock")
            publisher, _ = start_publisher([server.rtmp_url(key)], seconds=180, size="640x360",
                                           video_bitrate="800k")
            server.wait_for("/live/clock/v1/media.m3u8", timeout=40)  # the rung is on offer
            # A few segments in the window first: hls.js joining a playlist of one segment stalls
            # once and, at its default 1x, stays ~5 s behind for good (docs/latency.md).
            time.sleep(6)
            plays = {"LL-HLS hls.js": (server.url("/live/clock/master.m3u8"), "hlsjs", {"lowLatencyMode": True}),
                     "LL-DASH dash.js 5": (server.url("/live/clock/manifest.mpd"), "dashjs5", None)}

            def run(label, url, player, config):
                try:
                    results[label] = measure(url, player=player, config=config, seconds=LL_SECONDS, warmup=4,
                                             switch_at=4 + LL_SECONDS / 2,
                                             trace=trace_path(player))
                except Exception as e:  # noqa: BLE001 - reported by the assertions below
                    results[label] = {"harness_error": repr(e)}

            # Both at once: one minute of CI time for the two.
            threads = [threading.Thread(target=run, args=(label, *play)) for label, play in plays.items()]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            if publisher is not None:
                stop_publisher(publisher)
            server.close()
        for label, result in results.items():
            print(f"\n{label} {result.get('version')}: glass-to-glass p50 {result.get('p50_ms')} ms, "
                  f"p95 {result.get('p95_ms')} ms, player's estimate {result.get('player_latency_s')} s, "
                  f"stalls {result.get('stalls')}, switch {result.get('switch')}", file=sys.stderr)
        for label, result in results.items():
            with self.subTest(label):
                self.assertTrue(result.get("ok"), result)
                self.assertEqual(result["errors"], [], result)
                self.assertEqual(result["http_errors"], [], result)
                self.assertEqual(result["stalls"], 0, result)
                self.assertGreaterEqual(result["samples"], LL_SECONDS * 10, result)
                self.assertGreater(result["last_send_ms"] - result["first_send_ms"], (LL_SECONDS - 5) * 1000, result)
                # The rung switch: asked for halfway, playing the other rendition at the end.
                switch = result["switch"]
                self.assertIsNotNone(switch, result)
                self.assertEqual(switch["count"], 2, result)
                self.assertNotEqual(switch["from"], switch["to"], result)
                self.assertEqual(switch["level_at_end"], switch["to"], result)
                self.assertLess(result["p50_ms"], LL_CEILING_MS, result)

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
