"""What the many-connection benchmarks (chat.py, held_requests.py) share: the
server process's CPU and memory, and the C++ client that plays the audience."""
import os


def proc_stats(pid):
    """(CPU-seconds so far, resident bytes) of process `pid`."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
    return cpu, rss


def fanout_client():
    """bench/tools/fanout_client, built next to the server binary (TIDECAST_BIN)."""
    build = os.path.dirname(os.environ.get("TIDECAST_BIN", "build/tidecast"))
    path = os.path.join(build, "fanout_client")
    if not os.path.exists(path):
        raise SystemExit(f"{path} is missing: build the fanout_client target")
    return path
