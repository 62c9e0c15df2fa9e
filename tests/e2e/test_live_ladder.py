"""Live adaptive bitrate: the in-process ladder next to the passthrough.

A 1280x720 30 fps publish (pre-encoded, sent with -c copy so the machine's
CPU goes to Tidecast's encoders) must give the source plus 720p/480p/360p
rungs, each decodable at its size, with segment n of every rung starting on
an IDR at the same time; hls.js and dash.js switch rungs without stalling.
"""
# ctest: run alone (the live ladder must encode in real time)
# ctest: long (under the sanitizers the ladder runs in test_live_ladder_bad_input and test_live_overload; this adds the players)
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.browser import play
from support.tidecast import Server, ffprobe_json, media_playlist_segments, probe_segment

EXPECTED = {"v0": (1280, 720), "v1": (1280, 720), "v2": (854, 480), "v3": (640, 360)}


class LiveLadder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        source = os.path.join(cls.tmp.name, "source.flv")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=s=1280x720:r=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "75",
                        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M", "-g", "60", "-keyint_min", "60",
                        "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", source], check=True)
        # source_height_rung: with the 720p re-encode of the 720p source, the heaviest
        # ladder this source can get (the default leaves that rung out beside the source).
        cls.server = Server({"transcode": {"enabled": True, "source_height_rung": True}})
        key = cls.server.create_channel("abr")
        cls.publisher = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", source,
                                          "-c", "copy", "-f", "flv", cls.server.rtmp_url(key)])
        cls.server.wait_for("/live/abr/master.m3u8", timeout=30)
        deadline = time.time() + 30
        while time.time() < deadline:
            master = cls.server.get("/live/abr/master.m3u8")[2].decode()
            if master.count("#EXT-X-STREAM-INF") == 4:
                break
            time.sleep(0.5)
        time.sleep(6)  # a few segments on every rung

    @classmethod
    def tearDownClass(cls):
        cls.publisher.kill()
        cls.publisher.wait()
        cls.server.close()
        cls.tmp.cleanup()

    def test_1_master_lists_the_source_and_every_rung(self):
        master = self.server.get("/live/abr/master.m3u8")[2].decode()
        for track, (w, h) in EXPECTED.items():
            self.assertIn(f"RESOLUTION={w}x{h}", master)
            self.assertIn(f"{track}/media.m3u8", master)
        mpd = self.server.get("/live/abr/manifest.mpd")[2].decode()
        for track in EXPECTED:
            self.assertIn(f'<Representation id="{track}"', mpd)

    def test_2_each_rung_decodes_at_its_size(self):
        for track, (w, h) in EXPECTED.items():
            with self.subTest(track=track):
                code, data, err = ffprobe_json(self.server.url(f"/live/abr/{track}/media.m3u8"), "-show_streams")
                self.assertEqual(code, 0, err)
                video = [s for s in data["streams"] if s["codec_type"] == "video"][0]
                self.assertEqual((video["width"], video["height"]), (w, h))

    def test_3_segment_n_starts_with_an_idr_at_the_same_time_on_every_rung(self):
        starts = {}
        for track in EXPECTED:
            text = self.server.get(f"/live/abr/{track}/media.m3u8")[2].decode()
            init_uri = next(l.split('"')[1] for l in text.splitlines() if l.startswith("#EXT-X-MAP"))
            init = self.server.get(f"/live/abr/{track}/{init_uri}")[2]
            # The whole window: on a busy machine the rungs trail the source by a few segments.
            for uri, _ in media_playlist_segments(text)[1]:
                code, _, body = self.server.get(f"/live/abr/{track}/{uri}")
                if code != 200:
                    continue
                packets = probe_segment(init, body)["packets"]
                self.assertTrue(packets[0]["flags"].startswith("K"), f"{track}/{uri}")
                first_pts = min(float(p["pts_time"]) for p in packets)
                starts.setdefault(uri, {})[track] = first_pts
        common = [uri for uri, by_track in starts.items() if len(by_track) == len(EXPECTED)]
        self.assertGreaterEqual(len(common), 2, starts)
        for uri in common:
            times = list(starts[uri].values())
            self.assertLessEqual(max(times) - min(times), 1 / 90000 + 1e-6, f"{uri}: {starts[uri]}")

    def offered(self, engine):
        """Video variants the master (HLS) or the MPD (DASH) offers now: a rung the
        ladder had to shed on a busy machine leaves them (docs/ladder.md)."""
        if engine == "hls":
            return self.server.get("/live/abr/master.m3u8")[2].decode().count("#EXT-X-STREAM-INF")
        mpd = self.server.get("/live/abr/manifest.mpd")[2].decode()
        return len({t for t in EXPECTED if f'<Representation id="{t}"' in mpd})

    def test_4_players_switch_rungs_without_stalling(self):
        for engine in ("hls", "dash"):
            with self.subTest(engine=engine):
                offered = self.offered(engine)
                self.assertGreaterEqual(offered, 2)
                report = play(self.server.url(f"/watch.html?channel=abr&engine={engine}"), seconds=10,
                              switch_level=offered - 1, switch_at=4)
                self.assertTrue(report["started"], report)
                self.assertGreaterEqual(report["advanced"], 8.0, report)
                self.assertEqual(report["stalls"], 0, report)
                self.assertEqual(report["errors"], [], report)
                self.assertIn(len(report["levels"]), (offered, self.offered(engine)), report)

    def test_5_api_reports_the_rungs(self):
        live = self.server.get_json("/api/v1/live")[1]["live"][0]
        self.assertEqual([r["name"] for r in live["rungs"]], ["720p", "480p", "360p"])
        # Active unless the (shared, busy) machine made the ladder shed it.
        self.assertTrue(all(r["active"] or r["shed_count"] > 0 for r in live["rungs"]), live["rungs"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
