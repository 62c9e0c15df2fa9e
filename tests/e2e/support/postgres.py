"""A throwaway PostgreSQL server for tests (Debian's postgresql package).

Started in a temp dir on a free loopback port with trust authentication and
fsync off, stopped by PID (pg_ctl). PostgreSQL refuses to run as root, so when
the tests run as root (CI) the server runs as the `postgres` system user the
Debian package creates, in a directory it owns.

As a script it wraps a command:  postgres.py COMMAND ARGS…  runs COMMAND with
TIDECAST_TEST_POSTGRES set to the server's libpq connection string.
"""
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def _bin_dir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dirs:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return dirs[-1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self):
        self.bin = _bin_dir()
        self.tmp = tempfile.mkdtemp(prefix="tidecast-pg-")
        self.data = os.path.join(self.tmp, "data")
        self.log_path = os.path.join(self.tmp, "postgres.log")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.tmp, "postgres", "postgres")
            os.chmod(self.tmp, 0o700)
        self.port = None
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        self.start()

    def _run(self, tool, *args, check=True):
        cmd = [os.path.join(self.bin, tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def start(self):
        """Starts (again) on the same port once it has one; waits until it accepts connections."""
        self.port = self.port or free_port()
        opts = (f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        result = self._run("pg_ctl", "-D", self.data, "-o", opts, "-l", self.log_path, "-w", "-t", "60", "start",
                           check=False)
        if result.returncode != 0:
            raise RuntimeError(f"postgres did not start:\n{result.stdout}\n{self.read_log()}")

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    @property
    def url(self):
        """A libpq key=value connection string (tidecast appends options to it)."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def psql(self, sql, database="postgres"):
        cmd = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-At",
               "-v", "ON_ERROR_STOP=1", "-c", sql]
        return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout.strip()

    def create_database(self, name):
        self.psql(f"CREATE DATABASE {name}")
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={name}"

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.tmp, ignore_errors=True)


def main(argv):
    if not argv:
        print("usage: postgres.py COMMAND [ARGS…]", file=sys.stderr)
        return 2
    pg = Postgres()
    try:
        env = dict(os.environ, TIDECAST_TEST_POSTGRES=pg.url)
        started = time.time()
        code = subprocess.call(argv, env=env)
        print(f"postgres.py: {argv[0]} exited {code} after {time.time() - started:.1f} s "
              f"(PostgreSQL at 127.0.0.1:{pg.port})")
        return code
    finally:
        pg.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
