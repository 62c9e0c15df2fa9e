"""Throwaway TLS material for tests."""
import http.client
import os
import ssl
import subprocess


def make_certificate(directory, name):
    """A self-signed certificate for 127.0.0.1 (its own CA); returns (cert, key) paths."""
    cert, key = os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def tls_server_with_video(directory, title):
    """A server with an HTTPS listener (self-signed) and one converted 2-s upload: (server, video id)."""
    from .tidecast import Server, create_token, make_clip, upload_plain, wait_video
    cert, key = make_certificate(directory, "vod")
    server = Server({"http": {"https_listen": "127.0.0.1:0"}, "tls": {"certificate": cert, "private_key": key}})
    token = create_token(server)
    clip = os.path.join(directory, "clip.mp4")
    make_clip(clip, seconds=2, size="320x180")
    status, body = upload_plain(server, token, clip, title=title)
    assert status == 201, body
    assert wait_video(server, body["id"])["state"] == "ready"
    return server, body["id"]


def connect(server, tls, timeout=30):
    """An http.client connection to the server's HTTP or HTTPS listener (certificate not checked)."""
    if not tls:
        return http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=timeout)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", server.https_port, timeout=timeout, context=context)
