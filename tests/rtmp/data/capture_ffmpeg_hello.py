#!/usr/bin/env python3
"""Regenerates the ffmpeg captures used by tests/rtmp (handshake_test, amf0_test).

Listens on 127.0.0.1 (port 0), lets a real `ffmpeg -f flv rtmp://...` connect,
answers C0+C1 with a plain S0+S1+S2, and records:
  ffmpeg_c0c1.bin     C0 + C1 exactly as ffmpeg sent them (digest handshake)
  ffmpeg_connect.bin  the chunk stream bytes ffmpeg sent after C2 (its `connect`)
Usage: python3 capture_ffmpeg_hello.py [output-dir]
"""
import os
import socket
import subprocess
import sys


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        part = conn.recv(n - len(data))
        if not part:
            raise RuntimeError("peer closed after %d of %d bytes" % (len(data), n))
        data += part
    return data


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10",
         "-t", "1", "-c:v", "libx264", "-f", "flv", "rtmp://127.0.0.1:%d/live/key" % port],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        listener.settimeout(10)
        conn, _ = listener.accept()
        conn.settimeout(2)
        c0c1 = read_exact(conn, 1537)
        s1 = bytes(8) + os.urandom(1528)
        conn.sendall(b"\x03" + s1 + c0c1[1:])
        read_exact(conn, 1536)  # C2
        rest = b""
        try:
            while True:
                part = conn.recv(65536)
                if not part:
                    break
                rest += part
        except socket.timeout:
            pass
        conn.close()
    finally:
        ffmpeg.kill()
        ffmpeg.wait()
    with open(os.path.join(out_dir, "ffmpeg_c0c1.bin"), "wb") as f:
        f.write(c0c1)
    with open(os.path.join(out_dir, "ffmpeg_connect.bin"), "wb") as f:
        f.write(rest)
    print("captured %d handshake bytes and %d chunk bytes" % (len(c0c1), len(rest)))


if __name__ == "__main__":
    main()
