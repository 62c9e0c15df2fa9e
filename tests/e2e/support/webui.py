"""A headless-Chromium driver for the web UI tests: one long-lived
tests/e2e/browser/webui.mjs process per test class, one JSON command per line.

    with WebUi(server.base) as ui:
        ui.call("signin", username="ann", password="secret")

`call` returns the command's reply (a dict) and raises AssertionError when the
command itself failed (element missing, timeout); the tests assert on the
fields. Screenshots go to build/artifacts/screenshots/ (or
$TIDECAST_ARTIFACTS/screenshots).
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

from support.accounts import create_user  # noqa: F401  (re-exported for the web tests)
from support.browser import BROWSER_DIR, CHROMIUM, ensure_installed

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = BROWSER_DIR / "webui.mjs"


def screenshot_dir() -> Path:
    base = Path(os.environ.get("TIDECAST_ARTIFACTS", ROOT / "build" / "artifacts"))
    out = base / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


class WebUi:
    def __init__(self, base: str):
        ensure_installed()
        self.proc = subprocess.Popen(["node", str(SCRIPT), "--base", base, "--chromium", CHROMIUM],
                                     cwd=BROWSER_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def call(self, cmd: str, reply_timeout: float = 300, **fields) -> dict:
        """Runs one command; `fields` go to it (including its own `timeout`, in seconds)."""
        self.proc.stdin.write(json.dumps({"cmd": cmd, **fields}) + "\n")
        self.proc.stdin.flush()
        reply: dict = {}
        done = threading.Event()

        def read():
            line = self.proc.stdout.readline()
            reply.update(json.loads(line) if line.startswith("{") else {"ok": False, "error": f"no reply: {line!r}"})
            done.set()

        threading.Thread(target=read, daemon=True).start()
        if not done.wait(reply_timeout):
            raise AssertionError(f"browser command {cmd} did not answer in {reply_timeout} s; stderr: {''.join(self.stderr)}")
        if not reply.get("ok"):
            raise AssertionError(f"browser command {cmd} failed: {reply}; stderr: {''.join(self.stderr)[-2000:]}")
        return reply

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"cmd":"quit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
