"""Numbering continues across a channel's owners (issue 13).

Three nodes (3-s leases) behind HAProxy; ffmpeg publishes through HAProxy's
RTMP port and retries every second, as OBS does. While 1,000 playlist fetches
go through HAProxy, the owner is killed with SIGKILL (ffmpeg's retry lands on
another node, which takes the lease once it expired) and started again, then
a non-owner is killed and started again. Checked:
- EXT-X-MEDIA-SEQUENCE never decreases (fetch errors and 404s during the gaps
  are counted, never a lower number); a media sequence number never names two
  different segments;
- the new owner continues with a higher EXT-X-DISCONTINUITY-SEQUENCE and its
  DASH Periods have ids never used before;
- hls.js in Chromium, playing through HAProxy across the fail-over, resumes.
"""
# ctest: run alone (three nodes, ffmpeg and Chromium playing through a fail-over; starved it would stall)
# ctest: long (node death and lease take-over run in test_cluster under the sanitizers; this adds the numbering and Chromium)
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.browser import chromium_available, play
from support.cluster import Cluster
from support.tidecast import media_playlist_segments, poll

CHANNEL = "stage"
FETCHES = 1000
PLAY_SECONDS = 55


def republish_loop(url, seconds):
    """ffmpeg publishing in a loop, retrying every second after a refusal or a drop."""
    script = ("end=$((SECONDS+%d)); while [ $SECONDS -lt $end ]; do "
              "ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i testsrc2=s=640x360:r=30 "
              "-f lavfi -i sine=f=440:r=48000 -t $((end-SECONDS)) -c:v libx264 -preset veryfast "
              "-tune zerolatency -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -b:a 64k "
              "-f flv '%s'; sleep 1; done") % (seconds, url)
    return subprocess.Popen(["bash", "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def discontinuity_sequence(text):
    m = re.search(r"^#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def period_ids(mpd_text):
    return set(re.findall(r'<Period id="([^"]+)"', mpd_text))


class Fetcher(threading.Thread):
    """Fetches the media playlist through HAProxy FETCHES times, remembering what each answer said."""

    def __init__(self, proxy):
        super().__init__(daemon=True)
        self.proxy = proxy
        self.answers = []  # (time, media sequence, discontinuity sequence, served by, segment names)
        self.errors = {}
        self.stop = False

    def run(self):
        for _ in range(FETCHES):
            if self.stop:
                return
            try:
                status, headers, body = self.proxy.get(f"/live/{CHANNEL}/v0/media.m3u8")
            except OSError as e:  # HAProxy reset the connection to a dead node
                status, headers, body = type(e).__name__, {}, b""
            if status == 200:
                text = body.decode()
                sequence, segments = media_playlist_segments(text)
                self.answers.append((time.time(), sequence, discontinuity_sequence(text),
                                     headers.get("x-served-by"), [uri for uri, _ in segments]))
            else:
                self.errors[status] = self.errors.get(status, 0) + 1
            time.sleep(0.08)


class ClusterNumbering(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(nodes=3, lease_seconds=3)
        self.publisher = None

    def tearDown(self):
        if self.publisher and self.publisher.poll() is None:
            os.killpg(self.publisher.pid, signal.SIGKILL)
        self.cluster.close()

    def playlist(self, node):
        return node.get(f"/live/{CHANNEL}/v0/media.m3u8")

    def test_numbering_continues_across_owners(self):
        cluster = self.cluster
        proxy = cluster.haproxy
        key = cluster.create_channel(CHANNEL)
        self.publisher = republish_loop(proxy.rtmp_url(key), 170)
        first = poll(lambda: proxy.get(f"/live/{CHANNEL}/v0/media.m3u8"),
                     lambda r: r[0] == 200 and len(media_playlist_segments(r[2].decode())[1]) >= 3, 40)
        self.assertEqual(first[0], 200, first[2][:300])
        owner = cluster.owner(CHANNEL)
        self.assertIn(owner, {"n1", "n2", "n3"})
        periods_before = period_ids(proxy.get(f"/live/{CHANNEL}/manifest.mpd")[2].decode())
        self.assertTrue(periods_before)

        report = {}
        player = None
        started_file = os.path.join(cluster.tmp, "hls-started")
        if chromium_available():
            def watch():
                report.update(play(f"{proxy.base}/watch.html?channel={CHANNEL}&engine=hls", seconds=PLAY_SECONDS,
                                   start_timeout=45, started_file=started_file))
            player = threading.Thread(target=watch, daemon=True)
            player.start()
            # hls.js plays before the owner dies, for a few segments.
            self.assertTrue(poll(lambda: os.path.exists(started_file), bool, 60), "hls.js did not start")
            time.sleep(6)
        fetcher = Fetcher(proxy)
        fetcher.start()

        # The old owner's window has slid (so a restart from zero would go back).
        slid = poll(lambda: fetcher.answers[-1][1] if fetcher.answers else 0, lambda s: s >= 2, 30)
        self.assertGreaterEqual(slid, 2)

        # The owner dies; ffmpeg's retry goes (through HAProxy) to a live node,
        # which takes the lease once the old one expired.
        before_kill = len(fetcher.answers)
        cluster.node(owner).stop(sig=signal.SIGKILL)
        killed = time.time()
        new_owner = poll(lambda: cluster.owner(CHANNEL), lambda o: o not in (None, owner), 40, interval=0.2)
        self.assertNotIn(new_owner, (None, owner))
        status, _, _ = poll(lambda: self.playlist(cluster.node(new_owner)), lambda r: r[0] == 200, 30)
        self.assertEqual(status, 200)
        print(f"fail-over: owner {owner} killed, {new_owner} serving after {time.time() - killed:.1f} s",
              file=sys.stderr)
        cluster.node(owner).start()
        time.sleep(4)

        # A non-owner dies and comes back (the one HAProxy sends the channel to, if not the owner).
        served = fetcher.answers[-1][3] if fetcher.answers else None
        victim = served if served not in (None, new_owner) else next(
            n.name for n in cluster.nodes if n.name != new_owner)
        cluster.node(victim).stop(sig=signal.SIGKILL)
        time.sleep(3)
        cluster.node(victim).start()
        self.assertEqual(cluster.owner(CHANNEL), new_owner, "killing a non-owner leaves the channel where it is")

        fetcher.join(timeout=150)
        fetcher.stop = True
        if player:
            player.join(timeout=150)
        answers = fetcher.answers
        print(f"fetches: {len(answers)} answered, errors {fetcher.errors}", file=sys.stderr)
        self.assertGreater(len(answers), FETCHES * 0.7, fetcher.errors)

        # MEDIA-SEQUENCE never goes back, whichever node answered.
        for (_, a, _, by_a, _), (_, b, _, by_b, _) in zip(answers, answers[1:]):
            self.assertGreaterEqual(b, a, f"MEDIA-SEQUENCE went back from {a} ({by_a}) to {b} ({by_b})")
        # A media sequence number always names the same segment.
        names = {}
        for _, sequence, _, by, segments in answers:
            for i, name in enumerate(segments):
                self.assertEqual(names.setdefault(sequence + i, name), name,
                                 f"media sequence {sequence + i} named two segments (last from {by})")
        # The new owner continues after a discontinuity, above the old owner's numbers.
        old = [a for a in answers[:before_kill] if a[0] < killed]
        new = [a for a in answers if a[0] > killed and a[3] is not None]
        self.assertTrue(old and new)
        old_top = max(a[1] + len(a[4]) for a in old)
        after = [a for a in new if a[1] >= old_top]
        self.assertTrue(after, "the new owner's playlists must start above the old owner's segments")
        self.assertGreater(after[-1][2], max(a[2] for a in old), "the discontinuity sequence continues")
        # DASH: the new owner's Periods are new ids.
        periods_after = period_ids(proxy.get(f"/live/{CHANNEL}/manifest.mpd")[2].decode())
        self.assertTrue(periods_after)
        self.assertFalse(periods_after & periods_before, (periods_before, periods_after))

        if player:
            print(f"hls.js across the fail-over: {report}", file=sys.stderr)
            self.assertTrue(report.get("started"), report)
            # Played before the kill plus at most a few buffered segments; well
            # past that means it resumed on the new owner's stream.
            with open(started_file) as f:
                started_at = int(f.read()) / 1000
            before = killed - started_at
            self.assertGreater(report.get("advanced", 0), before + 15, report)


if __name__ == "__main__":
    unittest.main(verbosity=2)
