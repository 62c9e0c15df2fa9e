"""EXT-X-DISCONTINUITY-SEQUENCE counts the discontinuities that left the
playlist (RFC 8216 6.2.2), not the seconds between reconnects: ffmpeg publishes,
drops, reconnects twice within the grace period (seconds apart), the earlier
periods slide out of a short window, and hls.js in Chromium keeps playing
across the change."""
import os
import re
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.browser import play
from support.tidecast import Server, publish

PLAYLIST = "/live/studio/v0/media.m3u8"


def window(text):
    """(discontinuity sequence, periods in the window in order)."""
    m = re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", text)
    periods = []
    for period in re.findall(r"^(\d+)-\d+\.m4s$", text, re.M):
        if period not in periods:
            periods.append(period)
    return (int(m.group(1)) if m else 0), periods


class DiscontinuitySequence(unittest.TestCase):
    def test_counts_periods_that_left_the_window_and_hls_js_plays_on(self):
        server = Server({"live": {"segment_seconds": 1, "playlist_segments": 4, "reconnect_grace_seconds": 10}})
        publishers = []
        seen_periods = []  # every period seen in a playlist, oldest first
        observations = []  # (sequence, expected) per playlist read
        stop = threading.Event()

        def watch_playlist():
            while not stop.is_set():
                code, _, body = server.get(PLAYLIST)
                if code == 200:
                    sequence, periods = window(body.decode())
                    for p in periods:
                        if p not in seen_periods:
                            seen_periods.append(p)
                    if periods:
                        observations.append((sequence, seen_periods.index(periods[0])))
                time.sleep(0.2)

        try:
            key = server.create_channel("studio")
            watcher = threading.Thread(target=watch_playlist, daemon=True)
            for _ in range(2):  # two periods, each ended by a dropped connection
                publishers.append(publish(server.rtmp_url(key), seconds=60, size="640x360", gop_seconds=1))
                server.wait_for(PLAYLIST)
                if not watcher.is_alive():
                    watcher.start()
                time.sleep(4)
                publishers[-1].send_signal(signal.SIGKILL)
                publishers[-1].wait()
                time.sleep(2.5)  # period ids are clock seconds: the old count jumped by >= 2 here
            publishers.append(publish(server.rtmp_url(key), seconds=60, size="640x360", gop_seconds=1))
            # Watch in Chromium while the first two periods leave the window.
            report = play(server.url("/watch.html?channel=studio&engine=hls"), seconds=15)
            time.sleep(2)
            stop.set()
            watcher.join(5)

            self.assertEqual(len(seen_periods), 3, seen_periods)
            self.assertTrue(observations)
            wrong = [o for o in observations if o[0] != o[1]]
            self.assertEqual(wrong, [], f"sequence != periods that left the window: {wrong[:5]}")
            self.assertEqual({o[1] for o in observations}, {0, 1, 2})  # the value went 0 -> 1 -> 2
            self.assertEqual(window(server.get(PLAYLIST)[2].decode())[0], 2)
            self.assertEqual(server.read_log().count("publisher reconnected"), 2)

            self.assertTrue(report["started"], report)
            self.assertEqual(report["errors"], [], report)
            self.assertGreaterEqual(report["advanced"], 11.0, report)
        finally:
            stop.set()
            for p in publishers:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
