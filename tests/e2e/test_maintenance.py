"""Operations: --check-config, online backup, SIGHUP reload of the log level."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import BIN, Server, publish


class Maintenance(unittest.TestCase):
    def test_check_config_names_the_bad_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            good = os.path.join(tmp, "good.json")
            bad = os.path.join(tmp, "bad.json")
            with open(good, "w") as f:
                f.write('// comment\n{"http": {"listen": "127.0.0.1:8081"}}')
            with open(bad, "w") as f:
                json.dump({"http": {"listen": "80"}}, f)
            ok = subprocess.run([BIN, "--check-config", good], capture_output=True, text=True)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertIn("OK", ok.stdout)
            ko = subprocess.run([BIN, "--check-config", bad], capture_output=True, text=True)
            self.assertEqual(ko.returncode, 2)
            self.assertIn('http.listen: expected "host:port", got "80"', ko.stderr)

    def test_online_backup_and_sighup_reload(self):
        server = Server()
        try:
            key = server.create_channel("studio")
            pub = publish(server.rtmp_url(key), seconds=5)
            self.assertEqual(pub.wait(30), 0)
            videos = server.wait_for_recordings()
            video_id = videos[0]["id"]
            with tempfile.TemporaryDirectory() as dest:
                out = subprocess.run([BIN, "--config", server.config_path, "backup", dest], capture_output=True,
                                     text=True, timeout=60)
                self.assertEqual(out.returncode, 0, out.stderr)
                db = sqlite3.connect(os.path.join(dest, "tidecast.db"))
                self.assertEqual(db.execute("SELECT id, state FROM videos").fetchall(), [(video_id, "ready")])
                self.assertEqual(db.execute("SELECT name FROM channels").fetchall(), [("studio",)])
                db.close()
                self.assertTrue(os.path.exists(os.path.join(dest, "videos", video_id, "master.m3u8")))
                again = subprocess.run([BIN, "--config", server.config_path, "backup", dest], capture_output=True,
                                       text=True)
                self.assertNotEqual(again.returncode, 0)  # never overwrites a backup

            # SIGHUP: log level from the file, no restart.
            self.assertNotIn(" DEBUG http request", server.read_log())
            with open(server.config_path) as f:
                cfg = json.load(f)
            cfg["log_level"] = "debug"
            with open(server.config_path, "w") as f:
                json.dump(cfg, f)
            server.proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            self.assertEqual(server.get("/api/v1/health")[0], 200)
            time.sleep(0.2)
            log = server.read_log()
            self.assertIn("reloaded log_level=debug", log)
            self.assertIn(" DEBUG http request", log)
            self.assertIsNone(server.proc.poll())
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
