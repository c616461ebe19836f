"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (no websocket needed): drive a
page with real input events, evaluate expressions, and collect its console errors and exceptions."""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import tempfile
import time
from typing import Any

from tests.browser.chromium import chromium


class DevToolsError(AssertionError):
    """The browser answered a command with an error, or did not answer in time."""


class Browser:
    """Headless Chromium with one page attached; use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 60.0):
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="wirepipe-devtools-")
        to_child, self._send = os.pipe()
        self._recv, from_child = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4; keep our ends clear of those numbers.
        to_child, from_child = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child))

        def wire_fds():
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self._process = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--remote-debugging-pipe", f"--user-data-dir={self._profile.name}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds, pass_fds=(3, 4))
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self._command("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._command("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.command(f"{domain}.enable")

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._command("Browser.close")
        except (DevToolsError, OSError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._send, self._recv):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()

    # --- protocol -------------------------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise DevToolsError("no answer from Chromium in time")
            chunk = os.read(self._recv, 1 << 16)
            if not chunk:
                raise DevToolsError("Chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _command(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def command(self, method: str, params: dict | None = None) -> dict:
        """Send a command to the page and return its result."""
        return self._command(method, params, self._session)

    # --- page -----------------------------------------------------------------------------------------

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.command("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                   "awaitPromise": True})
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        """Load ``url`` afresh (not a jump within the open page) and wait until its script drew its view."""
        self.command("Page.navigate", {"url": "about:blank"})
        self.wait_for("location.href === 'about:blank' && document.readyState === 'complete'")
        self.command("Page.navigate", {"url": url})
        self.wait_for("document.documentElement.getAttribute('data-ready') === '1'")

    def wait_for(self, condition: str, timeout: float = 30.0) -> None:
        """Poll ``condition`` (JavaScript) until it is true; an exception (the document being replaced
        during a navigation) counts as not yet."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(f"!!({condition})"):
                    return
            except DevToolsError:
                pass
            if time.monotonic() > deadline:
                raise DevToolsError(f"timed out waiting for {condition}")
            time.sleep(0.05)

    def center_of(self, selector: str) -> tuple[float, float]:
        """Scroll the element into view and return the middle of its first box, in CSS pixels."""
        box = self.evaluate(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)}); el.scrollIntoView({{block: 'center'}});"
            " const r = el.getClientRects()[0]; return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        return box[0], box[1]

    def hover(self, selector: str) -> None:
        x, y = self.center_of(selector)
        self.command("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def click(self, selector: str) -> None:
        x, y = self.center_of(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.command("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def type_text(self, selector: str, text: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.command("Input.insertText", {"text": text})

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (blocked resources, policy) so far."""
        self.evaluate("0")  # let events that arrived meanwhile be read
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails", {}).get("exception", {}).get("description")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found
