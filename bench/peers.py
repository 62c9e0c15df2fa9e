"""Servers under benchmark: Tidecast and nginx-rtmp (Debian's libnginx-mod-rtmp), same machine, same run."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.tidecast import Server  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except OSError:
        return 0, b""


def process_usage(pid):
    """(cpu seconds, peak RSS MiB) of a running process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open(f"/proc/{pid}/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    return cpu, hwm / 1024


class Tidecast:
    name = "tidecast"

    def __init__(self, segment_seconds=2.0, thumbnails=True):
        # Passthrough only: the peer (nginx-rtmp) does not transcode either.
        # Every publisher connects from 127.0.0.1: lift the per-address cap (default 16).
        # thumbnails=False: no live thumbnails (a keyframe decode + JPEG per
        # channel every 5 s), which nginx-rtmp does not make either.
        live = {"segment_seconds": segment_seconds}
        if not thumbnails:
            live["thumbnail_seconds"] = 0
        self.server = Server({"live": live, "log_level": "warn",
                              "rtmp": {"max_connections_per_ip": 1000},
                              "transcode": {"enabled": False}})
        self.pid = self.server.proc.pid
        self.channels = {}

    def key(self, channel):
        if channel not in self.channels:
            self.channels[channel] = self.server.create_channel(channel)
        return self.channels[channel]

    def publish_url(self, channel):
        return self.server.rtmp_url(self.key(channel))

    def playlist_url(self, channel):
        return self.server.url(f"/live/{channel}/v0/media.m3u8")

    def manifest_url(self, channel):
        return self.server.url(f"/live/{channel}/master.m3u8")

    def close(self):
        self.server.close()


NGINX_CONF = """
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
worker_processes 1;
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
rtmp {{
  server {{
    listen 127.0.0.1:{rtmp_port};
    chunk_size 4096;
    application live {{
      live on;
      hls on;
      hls_path {dir}/hls;
      hls_fragment {fragment}s;
      hls_playlist_length 12s;
      dash on;
      dash_path {dir}/dash;
      dash_fragment {fragment}s;
      dash_playlist_length 12s;
    }}
  }}
}}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{http_port};
    location /hls {{ types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }} root {dir}; }}
    location /dash {{ types {{ application/dash+xml mpd; video/mp4 mp4; }} root {dir}; }}
  }}
}}
"""


class NginxRtmp:
    """nginx with the RTMP module writing HLS (TS) and DASH, one worker process."""
    name = "nginx-rtmp"

    def __init__(self, segment_seconds=2.0):
        self.tmp = tempfile.TemporaryDirectory(prefix="tidecast-bench-nginx-")
        self.rtmp_port, self.http_port = free_port(), free_port()
        conf = os.path.join(self.tmp.name, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.tmp.name, rtmp_port=self.rtmp_port, http_port=self.http_port,
                                      fragment=int(segment_seconds)))
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.tmp.name], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.time() + 10
        while http_status(f"http://127.0.0.1:{self.http_port}/hls/")[0] == 0 and time.time() < deadline:
            time.sleep(0.05)

    def publish_url(self, channel):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{channel}"

    def playlist_url(self, channel):
        return f"http://127.0.0.1:{self.http_port}/hls/{channel}.m3u8"

    manifest_url = playlist_url

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.tmp.cleanup()


def extinf_durations(playlist_text):
    return [float(m) for m in re.findall(r"#EXTINF:([0-9.]+)", playlist_text)]
