"""Drives the real tidecast binary and real peers (ffmpeg, ffprobe) for end-to-end tests.

Servers bind 127.0.0.1 with port 0; the chosen ports are read from the line the
binary prints at start. Every process is stopped by PID.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import warnings

warnings.simplefilter("ignore", ResourceWarning)  # pipes of peers we kill on purpose

BIN = os.environ.get("TIDECAST_BIN", os.path.join(os.path.dirname(__file__), "../../../build/tidecast"))


class Server:
    def __init__(self, config=None, data_dir=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="tidecast-e2e-")
        self.data_dir = data_dir or os.path.join(self.tmp.name, "data")
        # The ABR ladder is off unless a test asks for it: most tests are about
        # ingest and packaging, and 2 cores cannot encode a ladder per test.
        cfg = {"http": {"listen": "127.0.0.1:0"}, "rtmp": {"listen": "127.0.0.1:0"}, "log_level": "info",
               "transcode": {"enabled": False}}
        for section, values in (config or {}).items():
            if isinstance(values, dict):
                cfg.setdefault(section, {}).update(values)
            else:
                cfg[section] = values
        cfg["data_dir"] = self.data_dir
        self.config_path = os.path.join(self.tmp.name, "tidecast.json")
        with open(self.config_path, "w") as f:
            json.dump(cfg, f)
        self.log_path = os.path.join(self.tmp.name, "server.log")
        self.proc = None
        self.start()

    def start(self):
        # The server writes straight into the log file (every line flushed), so a
        # test reading the log sees every line logged before the response it got.
        self.log = open(self.log_path, "ab", buffering=0)
        start_offset = self.log.tell()
        self.proc = subprocess.Popen([BIN, "--config", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        found = None
        while found is None and time.time() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(start_offset)
                m = re.search(rb"listening: http=(\d+) rtmp=(\d+)(?: https=(\d+))?(?: rtmps=(\d+))?\n", f.read())
            if m:
                found = tuple(int(g) if g else 0 for g in m.groups())
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if not found:
            self.stop()
            raise RuntimeError(f"tidecast did not start:\n{self.read_log()}")
        self.http_port, self.rtmp_port, self.https_port, self.rtmps_port = found
        self.base = f"http://127.0.0.1:{self.http_port}"

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def close(self):
        self.stop()
        self.tmp.cleanup()

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_log(self, text, count=1, timeout=5):
        """The log once `text` appears `count` times (for events the server logs asynchronously)."""
        return poll(self.read_log, lambda log: log.count(text) >= count, timeout, interval=0.05)

    def url(self, path):
        return self.base + path

    def get(self, path, headers=None):
        """(status, headers, body bytes); never raises for HTTP errors."""
        req = urllib.request.Request(self.url(path), headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get_json(self, path):
        status, _, body = self.get(path)
        return status, json.loads(body)

    def post_json(self, path, payload):
        req = urllib.request.Request(self.url(path), data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def create_channel(self, name):
        """`tidecast channel add NAME` (an admin-owned channel; creating one over the API needs a
        signed-in user or a token since accounts exist). Returns the stream key."""
        out = subprocess.run([BIN, "--config", self.config_path, "channel", "add", name], capture_output=True,
                             timeout=30)
        assert out.returncode == 0, out.stderr.decode()
        m = re.search(rb"stream key: (\S+)", out.stdout)
        assert m, out.stdout
        return m.group(1).decode()

    def rtmp_url(self, key):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"

    def wait_for_recordings(self, timeout=15):
        """The live recordings (newest first) once the newest is `ready`; whatever is there after `timeout`."""
        deadline = time.time() + timeout
        while True:
            videos = [v for v in self.get_json("/api/v1/videos")[1]["videos"] if v["origin"] == "live"]
            if (videos and videos[0]["state"] == "ready") or time.time() >= deadline:
                return videos
            time.sleep(0.2)

    def wait_for(self, path, timeout=20, status=200):
        deadline = time.time() + timeout
        while time.time() < deadline:
            code, _, body = self.get(path)
            if code == status:
                return body
            time.sleep(0.1)
        raise AssertionError(f"{path} never answered {status}")


def poll(read, done, timeout, interval=0.2):
    """Calls read() until done(value) or the timeout; returns the last value read.

    Assert on that value, not on a fresh read: each read (a /metrics scrape, say)
    can disturb what it measures, e.g. its own connection still closing.
    """
    deadline = time.time() + timeout
    value = read()
    while not done(value) and time.time() < deadline:
        time.sleep(interval)
        value = read()
    return value


def publish(url, seconds=20, size="1280x720", fps=30, gop_seconds=2, realtime=True, extra=None, audio=True,
            video_codec=("-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency")):
    """Starts ffmpeg publishing a test pattern (H.264/AAC) over RTMP. Returns the Popen."""
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"]
    if realtime:
        cmd += ["-re"]
    cmd += ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    cmd += ["-t", str(seconds), *video_codec, "-pix_fmt", "yuv420p",
            "-g", str(fps * gop_seconds), "-keyint_min", str(fps * gop_seconds), "-sc_threshold", "0"]
    if audio:
        cmd += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    cmd += (extra or []) + ["-f", "flv", url]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ffprobe_json(url, *args):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args, url], capture_output=True, timeout=60)
    return out.returncode, json.loads(out.stdout or b"{}"), out.stderr.decode(errors="replace")


def decode_errors(url, seconds=6):
    """Decodes `seconds` of the URL with ffmpeg; returns the error lines (empty = clean)."""
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", url, "-t", str(seconds),
                          "-f", "null", "-"], capture_output=True, timeout=120)
    lines = [l for l in out.stderr.decode(errors="replace").splitlines() if l.strip()]
    if out.returncode != 0 and not lines:
        lines = [f"ffmpeg exited with {out.returncode}"]
    return lines


def probe_segment(init_bytes, segment_bytes):
    """ffprobe of init+segment: the packets of its single track."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(init_bytes + segment_bytes)
        f.flush()
        code, data, err = ffprobe_json(f.name, "-show_packets", "-show_streams")
    assert code == 0, err
    return data


def media_playlist_segments(text):
    """[(uri, duration)] and the media sequence of an HLS media playlist."""
    lines = text.splitlines()
    sequence = int(next(l.split(":")[1] for l in lines if l.startswith("#EXT-X-MEDIA-SEQUENCE")))
    segments, duration = [], None
    for line in lines:
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line and not line.startswith("#"):
            segments.append((line, duration))
    return sequence, segments


def mpd_segment_files(mpd_text, content_type):
    """Segment file names a DASH MPD lists for one content type, over all Periods: "<period>-<n>.m4s"
    ($Number$: VOD) or "<period>-t<time>.m4s" ($Time$: live)."""
    import xml.etree.ElementTree as ET
    ns = {"d": "urn:mpeg:dash:schema:mpd:2011"}
    root = ET.fromstring(mpd_text)
    names = []
    for period in root.findall("d:Period", ns):
        for aset in period.findall("d:AdaptationSet", ns):
            if aset.get("contentType") != content_type:
                continue
            tmpl = aset.find("d:SegmentTemplate", ns)
            media = tmpl.get("media").split("/", 1)[1]
            n = int(tmpl.get("startNumber", "1"))
            t = 0
            for s in tmpl.find("d:SegmentTimeline", ns).findall("d:S", ns):
                t = int(s.get("t", t))
                for _ in range(int(s.get("r", "0")) + 1):
                    names.append(media.replace("$Number$", str(n)).replace("$Time$", str(t)))
                    n += 1
                    t += int(s.get("d"))
    return names


# ---- Uploads (tus 1.0 and plain POST), tokens, conversion jobs ----

def create_token(server, name="e2e"):
    """`tidecast token add NAME` against the server's data dir; returns the token."""
    out = subprocess.run([BIN, "--config", server.config_path, "token", "add", name], capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr.decode()
    m = re.search(rb"token: (\S+)", out.stdout)
    assert m, out.stdout
    return m.group(1).decode()


def make_clip(path, seconds=4, size="640x360", fps=30, audio=True, faststart=True, source="testsrc2"):
    """An H.264/AAC MP4 made with the ffmpeg CLI (x264 ultrafast, 1-s GOPs)."""
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
           f"{source}=s={size}:r={fps}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    cmd += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", str(fps), "-pix_fmt", "yuv420p"]
    if audio:
        cmd += ["-c:a", "aac", "-b:a", "96k"]
    if faststart:
        cmd += ["-movflags", "+faststart"]
    subprocess.run(cmd + [path], check=True, timeout=300)
    return path


def _request(server, method, path, headers=None, body=None, timeout=60):
    """(status, headers with lower-case names, body bytes) over http.client; body may be bytes or a file."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def auth(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


def upload_plain(server, token, path, title=None, content_type="video/mp4"):
    """POST /api/v1/videos with the raw file as the body: (status, json)."""
    from urllib.parse import urlencode
    query = {"filename": os.path.basename(path)}
    if title:
        query["title"] = title
    with open(path, "rb") as f:
        headers = {**auth(token), "Content-Type": content_type, "Content-Length": str(os.path.getsize(path))}
        status, _, body = _request(server, "POST", "/api/v1/videos?" + urlencode(query), headers, f, timeout=300)
    return status, json.loads(body or b"{}")


def tus_headers(token, **extra):
    return {**auth(token), "Tus-Resumable": "1.0.0", **extra}


def tus_create(server, token, length, filename="clip.mp4", title=None):
    """POST /api/v1/uploads: (status, headers)."""
    import base64
    meta = [f"filename {base64.b64encode(filename.encode()).decode()}"]
    if title:
        meta.append(f"title {base64.b64encode(title.encode()).decode()}")
    status, headers, _ = _request(server, "POST", "/api/v1/uploads",
                                  tus_headers(token, **{"Upload-Length": str(length), "Upload-Metadata": ",".join(meta)}))
    return status, headers


def tus_offset(server, token, location):
    status, headers, _ = _request(server, "HEAD", location, tus_headers(token))
    assert status == 200, status
    return int(headers["upload-offset"])


def tus_patch(server, token, location, offset, data):
    """PATCH `data` at `offset`: (status, headers)."""
    status, headers, _ = _request(server, "PATCH", location, tus_headers(token, **{
        "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(len(data))}), data, timeout=300)
    return status, headers


def video(server, video_id):
    status, body = server.get_json(f"/api/v1/videos/{video_id}")
    assert status == 200, body
    return body


def wait_video(server, video_id, timeout=180, states=("ready", "failed")):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = video(server, video_id)
        if v["state"] in states:
            return v
        time.sleep(0.2)
    raise AssertionError(f"video {video_id} never reached {states}: {video(server, video_id)}\n{server.read_log()[-3000:]}")


def jobs(server, token):
    status, _, body = _request(server, "GET", "/api/v1/jobs", auth(token))
    assert status == 200, body
    return json.loads(body)["jobs"]


def sha256_file(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
