"""A clean unpublish followed at once by a new publish of the same key starts a
fresh presentation: it goes live (the playlist advances in a new period) and
is recorded (one ready video per presentation). Before the fix the new
publish was taken for a reconnect of the presentation being shut down and was
lost: viewers saw an ended stream while the encoder thought it was live.

The media is real ffmpeg output (an FLV made once), replayed over raw RTMP
connections so that the next publish follows the unpublish within a
loopback round trip, many times in a row; then real ffmpeg publishes back to
back."""
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.rtmp_raw import RawPublisher, amf_number, amf_object, amf_string
from support.tidecast import Server, ffprobe_json, poll, publish

PLAYLIST = "/live/studio/v0/media.m3u8"
ROUNDS = 12


def flv_video_tags(path):
    """[(timestamp ms, payload)] of the video tags of an FLV file."""
    with open(path, "rb") as f:
        data = f.read()
    at, tags = 13, []
    while at + 11 <= len(data):
        kind, size = data[at] & 0x1F, int.from_bytes(data[at + 1:at + 4], "big")
        ts = int.from_bytes(data[at + 4:at + 7], "big") | (data[at + 7] << 24)
        if kind == 9:
            tags.append((ts, data[at + 11:at + 11 + size]))
        at += 11 + size + 4
    return tags


def ready_to_publish(port):
    """An RTMP connection up to createStream, so that `publish` is one write away."""
    raw = RawPublisher(port)
    raw.handshake()
    raw.command(0, amf_string("connect"), amf_number(1),
                amf_object({"app": "live", "type": "nonprivate", "tcUrl": "rtmp://127.0.0.1/live"}))
    raw.command(0, amf_string("createStream"), amf_number(2), b"\x05")
    raw.wait_for(amf_string("_result") + amf_number(2))
    return raw


def send_media(raw, tags, speed=4.0):
    """The tags at `speed` times real time (all at once, the first GOPs could
    reach the server before the channel's reader subscribed, and only the
    newest GOP is cached for a late reader)."""
    start = time.monotonic()
    for ts, payload in tags:
        delay = start + ts / 1000 / speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        raw.video(payload, ts)


def send_publish(raw, key):
    raw.command(1, amf_string("publish"), amf_number(3), b"\x05", amf_string(key), amf_string("live"), csid=8)


def unpublish(raw, key):
    """Unpublishes; returns once the server has handled it (it answers the
    releaseStream sent behind it, on the same connection, in order)."""
    raw.command(1, amf_string("FCUnpublish"), amf_number(4), b"\x05", amf_string(key))
    raw.command(0, amf_string("deleteStream"), amf_number(5), b"\x05", amf_number(1))
    raw.command(0, amf_string("releaseStream"), amf_number(6), b"\x05", amf_string(key))
    raw.wait_for(amf_string("_result") + amf_number(6))


def playlist_periods(server):
    code, _, body = server.get(PLAYLIST)
    if code != 200:
        return None, []
    text = body.decode()
    return "#EXT-X-ENDLIST" in text, re.findall(r"^(\d+)-\d+\.m4s$", text, re.M)


class QuickRepublish(unittest.TestCase):
    def setUp(self):
        self.media = tempfile.TemporaryDirectory(prefix="tidecast-republish-")
        self.server = Server({"live": {"segment_seconds": 1, "playlist_segments": 4}})
        self.key = self.server.create_channel("studio")

    def tearDown(self):
        self.server.close()
        self.media.cleanup()

    def wait_live_in_new_period(self, seen):
        """Waits until the playlist has >= 2 segments of a period not in `seen`, and no ENDLIST."""
        def read():
            return playlist_periods(self.server)

        def done(value):
            ended, periods = value
            fresh = [p for p in periods if p not in seen]
            return ended is False and len(fresh) >= 2
        ended, periods = poll(read, done, timeout=20, interval=0.05)
        fresh = sorted({p for p in periods if p not in seen})
        self.assertFalse(ended, f"the playlist ended though a publisher is live (periods {periods})")
        self.assertEqual(len(fresh), 1, f"no new live period after the publish (periods {periods}, seen {seen})\n"
                                        + self.server.read_log()[-3000:])
        seen.add(fresh[0])

    def test_unpublish_then_publish_at_once_many_times(self):
        flv = os.path.join(self.media.name, "clip.flv")
        subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=s=320x240:r=30", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-an",
                        "-f", "flv", flv], check=True, timeout=60)
        tags = flv_video_tags(flv)
        self.assertGreater(len(tags), 60)

        seen = set()
        current = ready_to_publish(self.server.rtmp_port)
        send_publish(current, self.key)
        current.wait_for(b"NetStream.Publish.Start")
        for round_ in range(ROUNDS):
            with self.subTest(round=round_):
                send_media(current, tags)
                self.wait_live_in_new_period(seen)
                following = ready_to_publish(self.server.rtmp_port)
                unpublish(current, self.key)
                send_publish(following, self.key)  # right behind the unpublish (one loopback round trip)
                following.wait_for(b"NetStream.Publish.Start")
                current.close()
                current = following
        send_media(current, tags)
        self.wait_live_in_new_period(seen)
        unpublish(current, self.key)
        current.close()

        log = self.server.read_log()
        self.assertEqual(log.count("live started channel=studio"), ROUNDS + 1, log[-3000:])
        self.assertNotIn("publisher reconnected", log)
        videos = poll(lambda: [v for v in self.server.get_json("/api/v1/videos")[1]["videos"] if v["origin"] == "live"],
                      lambda vs: len(vs) == ROUNDS + 1 and all(v["state"] == "ready" for v in vs), timeout=30)
        self.assertEqual(len(videos), ROUNDS + 1, videos)
        self.assertEqual({v["state"] for v in videos}, {"ready"}, videos)

    def test_ffmpeg_publishes_back_to_back(self):
        seen = set()
        for round_ in range(3):
            with self.subTest(round=round_):
                pub = publish(self.server.rtmp_url(self.key), seconds=4, size="320x240", gop_seconds=1, audio=False)
                self.wait_live_in_new_period(seen)
                self.assertEqual(pub.wait(60), 0, pub.stderr.read().decode())  # unpublishes; the next starts at once
        videos = poll(lambda: [v for v in self.server.get_json("/api/v1/videos")[1]["videos"] if v["origin"] == "live"],
                      lambda vs: len(vs) == 3 and all(v["state"] == "ready" for v in vs), timeout=30)
        self.assertEqual([v["state"] for v in videos], ["ready"] * 3, videos)
        code, data, err = ffprobe_json(self.server.url(videos[0]["hls"]), "-show_format")
        self.assertEqual(code, 0, err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
