"""Headless Chromium (the Debian package) as a test tool: the DOM after the page's scripts ran, screenshots.

``make test`` installs it with apt-get when it is missing and we are root; elsewhere the browser tests
are skipped and say why.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Virtual time lets the page's promises (the article blocks are unpacked asynchronously) settle before the dump.
VIRTUAL_TIME_MS = 20000


def chromium() -> str:
    """The path of a Chromium binary, or skip the test."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium not found: `make test` installs it (apt-get install chromium) when run as root")


def _run(args: list[str], url: str, width: int, height: int) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="wirepipe-chromium-") as profile:
        # --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                   f"--window-size={width},{height}", f"--virtual-time-budget={VIRTUAL_TIME_MS}", *args, url]
        result = subprocess.run(command, capture_output=True, timeout=180)
    if result.returncode != 0:
        raise AssertionError(f"chromium exited {result.returncode}: {result.stderr.decode(errors='replace')[-2000:]}")
    return result


def page_url(path: Path, fragment: str = "") -> str:
    """The file:// address of ``path`` with ``#fragment``."""
    return Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else "")


def rendered_dom(path: Path, fragment: str = "", width: int = 1280, height: int = 900) -> BeautifulSoup:
    """The DOM of the page at ``path#fragment`` after its scripts ran, parsed."""
    result = _run(["--dump-dom"], page_url(path, fragment), width, height)
    return BeautifulSoup(result.stdout.decode("utf-8"), "html.parser")


def screenshot(path: Path, target: Path, fragment: str = "", width: int = 1280, height: int = 900) -> Path:
    """Save a PNG of the page at ``path#fragment`` in a window of ``width`` × ``height`` CSS pixels."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--screenshot={os.fspath(target)}"], page_url(path, fragment), width, height)
    assert target.is_file() and target.stat().st_size > 0, f"no screenshot written to {target}"
    return target
