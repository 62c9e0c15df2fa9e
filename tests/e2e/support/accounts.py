"""Accounts for end-to-end tests: users made with the CLI, browser-like sessions
(cookie + CSRF token) and plain JSON requests."""
import http.client
import json
import re
import subprocess

from support.tidecast import BIN


def create_user(server, name, password=None, role="artist"):
    """`tidecast admin create-user NAME --role ROLE` with the password on stdin (or
    generated when None). Returns (password, stdout)."""
    out = subprocess.run([BIN, "--config", server.config_path, "admin", "create-user", name, "--role", role],
                         input=(password + "\n").encode() if password else b"", capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode()
    if password is None:
        m = re.search(r"password: (\S+)", text)
        assert m, text
        password = m.group(1)
    return password, text


def request(server, method, path, payload=None, headers=None, raw=None):
    """(status, headers with lower-case names, parsed JSON or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
    try:
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else None)
        h = dict(headers or {})
        if payload is not None:
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        parsed = None
        if data and (r.getheader("Content-Type") or "").startswith("application/json"):
            parsed = json.loads(data)
        return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed
    finally:
        conn.close()


class Browser:
    """A signed-in browser: keeps the session cookie and sends X-CSRF-Token on changes."""

    def __init__(self, server):
        self.server = server
        self.cookie = None
        self.csrf = None
        self.set_cookie = None

    def login(self, name, password):
        status, headers, body = request(self.server, "POST", "/api/v1/session",
                                        {"username": name, "password": password})
        if status == 200:
            self.set_cookie = headers.get("set-cookie", "")
            m = re.match(r"tidecast_session=([^;]*)", self.set_cookie)
            assert m, self.set_cookie
            self.cookie = m.group(1)
            self.csrf = body["csrf_token"]
        return status, headers, body

    def call(self, method, path, payload=None, csrf=True, headers=None):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = f"tidecast_session={self.cookie}"
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        return request(self.server, method, path, payload, h)
