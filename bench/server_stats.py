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


def memfd_mib(pid):
    """MiB held in the process's memfds (sealed live segments: core/sealed_bytes.hpp).
    They are shared memory, in RSS only where read through the mapping, so a
    memory figure adds them: sizes of /proc/PID/fd entries named /memfd:..."""
    total = 0
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            if os.readlink(os.path.join(fd_dir, fd)).startswith("/memfd:"):
                total += os.stat(os.path.join(fd_dir, fd)).st_size
        except OSError:
            pass  # closed meanwhile
    return total / (1 << 20)
