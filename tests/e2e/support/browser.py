"""Headless-Chromium playback checks for the end-to-end tests.

    from support.browser import play
    result = play(f"{base}/watch.html?channel=studio", seconds=10, switch_level=0)
    assert result["ok"], result

`play` runs tests/e2e/browser/play.mjs (playwright-core driving the system
/usr/bin/chromium) and returns its JSON report; see that file for the fields.
The harness's node_modules are installed with `npm ci` on first use, under a
file lock so that tests running in parallel install them only once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

BROWSER_DIR = Path(__file__).resolve().parent.parent / "browser"
PLAY_SCRIPT = BROWSER_DIR / "play.mjs"
CHROMIUM = os.environ.get("TIDECAST_CHROMIUM", "/usr/bin/chromium")


class BrowserHarnessError(RuntimeError):
    """The harness could not run or report (not: the playback was bad)."""


def _installed_marker() -> Path:
    return BROWSER_DIR / "node_modules" / ".tidecast-installed"


def _is_installed() -> bool:
    marker = _installed_marker()
    lock = BROWSER_DIR / "package-lock.json"
    return marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime


def ensure_installed() -> None:
    """Runs `npm ci` in tests/e2e/browser unless node_modules is current."""
    if _is_installed():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise BrowserHarnessError("node and npm are needed for browser tests (make test-deps installs them)")
    with open(BROWSER_DIR / ".install.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file closes, even if we crash
        if _is_installed():  # another test installed it while we waited
            return
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=BROWSER_DIR, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise BrowserHarnessError(f"npm ci in {BROWSER_DIR} failed:\n{done.stdout}\n{done.stderr}")
        _installed_marker().touch()


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def play(url: str, seconds: float = 10, switch_level: int | None = None, *, switch_at: float | None = None,
         screenshot: str | os.PathLike | None = None, start_timeout: float = 20,
         viewport: str | None = None, seek: float | None = None,
         started_file: str | os.PathLike | None = None) -> dict:
    """Opens `url` (a watch page) in headless Chromium and plays for `seconds`.

    With `seek`, jumps there once playback started and samples from there.
    With `started_file`, that file is created the moment playback starts.
    With `switch_level`, forces that quality level through
    window.tidecastPlayer.setLevel at `switch_at` seconds (default: half way).
    Returns the harness's JSON report as a dict; raises BrowserHarnessError only
    when the harness itself could not run or report.
    """
    ensure_installed()
    command = ["node", str(PLAY_SCRIPT), "--url", url, "--seconds", str(seconds),
               "--start-timeout", str(start_timeout), "--chromium", CHROMIUM]
    if switch_level is not None:
        command += ["--switch-level", str(switch_level)]
        if switch_at is not None:
            command += ["--switch-at", str(switch_at)]
    if screenshot is not None:
        command += ["--screenshot", str(screenshot)]
    if viewport is not None:
        command += ["--viewport", viewport]
    if seek is not None:
        command += ["--seek", str(seek)]
    if started_file is not None:
        command += ["--started-file", str(started_file)]
    try:
        done = subprocess.run(command, cwd=BROWSER_DIR, capture_output=True, text=True,
                              timeout=2 * start_timeout + seconds + 90)
    except subprocess.TimeoutExpired as e:
        raise BrowserHarnessError(f"play.mjs did not finish: {e}") from e
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise BrowserHarnessError(
        f"play.mjs gave no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
