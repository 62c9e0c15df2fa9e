"""Fault: the SQLite catalog becomes unusable under a running server.

1. Another process holds an exclusive lock on the database: API calls that
   need the catalog answer 503 with a JSON error naming the cause (after the
   busy timeout), the server stays up (health answers), the outage is logged
   once, signed-in reads still work (last-used times are best effort), and
   everything works again when the lock goes.
2. The file system under a running server turns read-only, the way ext4
   does on a disk error (`errors=remount-ro`; the kernel's own
   trigger_fs_error makes it happen on a loop-mounted ext4 image; needs root
   and a loop device, as CI has): catalog writes answer 503 naming the
   cause, reads, health and a live stream go on, the outage is logged once,
   the server stops cleanly, and after fsck every row is there.
3. The file system under data_dir is read-only at start (a tmpfs remounted
   `ro` while the server is stopped; needs root, as CI runs; a running
   server's open database keeps the remount busy, and root ignores chmod):
   the server refuses to start with one clear line naming the database, exits
   with status 1 (no crash), and starts with every row intact once the file
   system is writable again.
"""
import errno
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import BIN, Server, create_token, publish

LOCKER = r"""
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN EXCLUSIVE")  # the catalog is in WAL mode: this holds the write lock
db.execute("CREATE TABLE IF NOT EXISTS fault_test_lock (x)")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
db.close()
"""


def api(server, method, path, payload=None, timeout=30, token=None):
    import json
    import urllib.error
    import urllib.request
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(server.url(path), data=data, method=method,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


def assert_back_with_every_row(test, server, token):
    """After the fault is gone: the row made before it is there and writes work."""
    status, _, body = api(server, "GET", "/api/v1/channels")
    test.assertEqual(status, 200, body)
    test.assertIn("before", {c["name"] for c in body["channels"]})
    status, _, body = api(server, "POST", "/api/v1/channels", {"name": "after"}, token=token)
    test.assertEqual(status, 201, body)


class CatalogLocked(unittest.TestCase):
    def test_exclusive_lock_by_another_process(self):
        server = Server()
        locker = None
        try:
            server.create_channel("before")
            token = create_token(server)
            db_path = os.path.join(server.data_dir, "tidecast.db")
            locker = subprocess.Popen([sys.executable, "-c", LOCKER, db_path], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
            self.assertEqual(locker.stdout.readline().strip(), "locked")

            status, headers, body = api(server, "POST", "/api/v1/channels", {"name": "during"}, token=token)
            self.assertEqual(status, 503, body)
            self.assertEqual(body["error"]["code"], "catalog_locked")
            self.assertIn("Retry-After", headers)
            # Reads still work: WAL readers do not wait for the writer, signed in or not.
            status, _, body = api(server, "GET", "/api/v1/channels")
            self.assertEqual(status, 200, body)
            status, _, body = api(server, "GET", "/api/v1/channels?mine=1", token=token)
            self.assertEqual(status, 200, body)
            status, _, body = api(server, "POST", "/api/v1/channels", {"name": "during2"}, token=token)
            self.assertEqual(status, 503, body)
            # The server stays up: routes without the catalog answer at once.
            self.assertEqual(server.get("/api/v1/health")[0], 200)
            self.assertEqual(server.get("/metrics")[0], 200)
            log = server.read_log()
            self.assertEqual(log.count("catalog unavailable kind=catalog_locked"), 1, log[-3000:])

            locker.stdin.write("\n")
            locker.stdin.flush()
            self.assertEqual(locker.wait(10), 0)
            status, _, body = api(server, "POST", "/api/v1/channels", {"name": "after"}, token=token)
            self.assertEqual(status, 201, body)
            status, _, body = api(server, "GET", "/api/v1/channels")
            self.assertEqual(status, 200, body)
            self.assertEqual({c["name"] for c in body["channels"]} >= {"before", "after"}, True, body)
        finally:
            if locker and locker.poll() is None:
                locker.kill()
            server.close()


@unittest.skipUnless(os.geteuid() == 0, "needs root to loop-mount an ext4 image (CI runs as root)")
class CatalogTurnsReadOnly(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="tidecast-ext4-")
        self.image = os.path.join(self.work, "disk.img")
        self.mount = os.path.join(self.work, "mnt")
        os.mkdir(self.mount)
        with open(self.image, "wb") as f:
            f.truncate(96 << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", self.image], check=True)
        done = subprocess.run(["mount", "-o", "loop,errors=remount-ro", self.image, self.mount], capture_output=True)
        if done.returncode != 0:
            self.skipTest(f"cannot loop-mount ext4: {done.stderr.decode().strip()}")
        device = subprocess.run(["findmnt", "-n", "-o", "SOURCE", self.mount], capture_output=True, text=True,
                                check=True).stdout.strip()
        self.trigger = f"/sys/fs/ext4/{os.path.basename(device)}/trigger_fs_error"
        if not os.path.exists(self.trigger):
            self.skipTest(f"this kernel has no {self.trigger}")

    def tearDown(self):
        subprocess.run(["umount", self.mount], check=False)
        subprocess.run(["rm", "-rf", self.work], check=False)

    def fs_error(self):
        with open(self.trigger, "w") as f:
            f.write("tidecast fault test")
        with self.assertRaises(OSError) as refused:  # ext4 shows it as "emergency_ro"
            open(os.path.join(self.mount, "probe"), "w").close()
        self.assertEqual(refused.exception.errno, errno.EROFS)

    def test_the_file_system_turns_read_only_under_the_running_server(self):
        server = Server(data_dir=os.path.join(self.mount, "data"))
        pub = None
        try:
            key = server.create_channel("before")
            token = create_token(server)
            self.fs_error()

            status, headers, body = api(server, "POST", "/api/v1/channels", {"name": "during"}, token=token)
            self.assertEqual(status, 503, body)
            self.assertIn(body["error"]["code"], ("catalog_read_only", "catalog_io_error"))
            self.assertIn("Retry-After", headers)
            status, _, body = api(server, "POST", "/api/v1/channels", {"name": "during2"}, token=token)
            self.assertEqual(status, 503, body)
            status, _, body = api(server, "GET", "/api/v1/channels")
            self.assertEqual(status, 200, body)
            self.assertIn("before", {c["name"] for c in body["channels"]})
            # Signed-in reads too: the token's last-used time is bookkeeping, not a reason to refuse.
            status, _, body = api(server, "GET", "/api/v1/channels?mine=1", token=token)
            self.assertEqual(status, 200, body)
            self.assertEqual(server.get("/api/v1/health")[0], 200)
            log = server.read_log()
            self.assertEqual(log.count("catalog unavailable kind="), 1, log[-3000:])

            # Live goes on from memory: the stream key is read, the recording is what is lost.
            pub = publish(server.rtmp_url(key), seconds=8, size="640x360")
            server.wait_for("/live/before/master.m3u8", timeout=20)
            status, _, text = server.get("/live/before/v0/media.m3u8")
            self.assertEqual(status, 200)
            self.assertIn("#EXTINF", text.decode())
            self.assertEqual(pub.wait(60), 0)
            self.assertIsNone(server.proc.poll(), server.read_log()[-3000:])

            # A clean stop (no crash, no hang) though nothing can be written.
            server.stop()
            self.assertEqual(server.proc.returncode, 0, server.read_log()[-3000:])
        finally:
            if pub and pub.poll() is None:
                pub.kill()
            server.stop()

        subprocess.run(["umount", self.mount], check=True)
        fsck = subprocess.run(["e2fsck", "-fy", self.image], capture_output=True)
        self.assertIn(fsck.returncode, (0, 1), fsck.stdout.decode() + fsck.stderr.decode())  # 1: errors fixed
        subprocess.run(["mount", "-o", "loop", self.image, self.mount], check=True)
        check = subprocess.run([sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1])"
                                ".execute('PRAGMA integrity_check').fetchone()[0])",
                                os.path.join(self.mount, "data", "tidecast.db")], capture_output=True, text=True)
        self.assertEqual(check.stdout.strip(), "ok", check.stderr)
        server.start()
        try:
            assert_back_with_every_row(self, server, token)
        finally:
            server.close()


@unittest.skipUnless(os.geteuid() == 0, "needs root to mount a tmpfs and remount it read-only (CI runs as root)")
class CatalogReadOnly(unittest.TestCase):
    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="tidecast-ro-")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", self.mount], capture_output=True)
        if done.returncode != 0:
            os.rmdir(self.mount)
            self.skipTest(f"cannot mount tmpfs: {done.stderr.decode().strip()}")

    def tearDown(self):
        subprocess.run(["umount", "-l", self.mount], check=False)
        os.rmdir(self.mount)

    def remount(self, mode):
        subprocess.run(["mount", "-o", f"remount,{mode}", self.mount], check=True)

    def test_read_only_file_system(self):
        server = Server(data_dir=os.path.join(self.mount, "data"))
        try:
            server.create_channel("before")
            token = create_token(server)
            server.stop()
            self.remount("ro")
            done = subprocess.run([BIN, "--config", server.config_path], capture_output=True, timeout=30)
            output = (done.stdout + done.stderr).decode(errors="replace")
            self.assertEqual(done.returncode, 1, output)
            self.assertIn("tidecast.db", output)
            self.assertRegex(output.lower(), "read-only|readonly|unable to open")
            self.assertLessEqual(len([l for l in output.splitlines() if "ERROR" in l or "error" in l]), 2, output)

            self.remount("rw")
            server.start()
            assert_back_with_every_row(self, server, token)
        finally:
            server.stop()
            subprocess.run(["mount", "-o", "remount,rw", self.mount], check=False)
            server.close()


if __name__ == "__main__":
    unittest.main()
