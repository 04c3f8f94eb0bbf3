"""A minimal headless-Chromium driver for the report's browser tests: the Chrome DevTools
Protocol over ``--remote-debugging-pipe`` (NUL-separated JSON on file descriptors 3 and 4), with
the standard library only, no WebSocket client and no downloaded browser build.

    with Chromium.launch() as browser:
        page = browser.open("file:///tmp/report.html")
        page.evaluate("document.title")
        page.events            # every CDP event received (console messages, requests, exceptions)
        page.screenshot()      # PNG bytes
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["Chromium", "Page", "find_chromium", "BrowserError"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class BrowserError(RuntimeError):
    """The browser did not answer, or answered with a protocol error."""


def find_chromium() -> str | None:
    """Path of a Chromium (``$CHROMIUM`` first, then the usual names on ``PATH``), or ``None``."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """One headless Chromium process driven over a pipe."""

    def __init__(self, proc: subprocess.Popen[bytes], to_browser: int, from_browser: int, profile: tempfile.TemporaryDirectory[str]):
        self._proc = proc
        self._out = to_browser
        self._in = from_browser
        self._profile = profile
        self._buf = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    @classmethod
    def launch(cls, executable: str | None = None, *, width: int = 1280, height: int = 900, timeout: float = 60.0) -> Chromium:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no Chromium found (install Debian's 'chromium' or set $CHROMIUM)")
        profile = tempfile.TemporaryDirectory(prefix="pv-chromium-")
        to_r, to_w = os.pipe()      # the browser reads commands on fd 3
        from_r, from_w = os.pipe()  # and writes replies and events on fd 4

        def child_fds() -> None:
            # the pipe ends may already be numbered 3 or 4: move them above 9 first, then into place
            import fcntl

            high_r = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        args = [exe, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-features=Translate,MediaRouter,OptimizationHints", "--metrics-recording-only",
                "--mute-audio", f"--user-data-dir={profile.name}", f"--window-size={width},{height}", "about:blank"]
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=child_fds, close_fds=False)
        os.close(to_r)
        os.close(from_w)
        browser = cls(proc, to_w, from_r, profile)
        browser.timeout = timeout
        browser.call("Browser.getVersion")
        return browser

    timeout: float = 60.0

    # --- the protocol ------------------------------------------------------------------------------

    def _send(self, msg: dict[str, Any]) -> None:
        os.write(self._out, json.dumps(msg).encode() + b"\0")

    def _read_message(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("the browser did not answer in time")
            ready, _, _ = select.select([self._in], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError(f"the browser closed its pipe (exit status {self._proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its reply (events that arrive meanwhile are kept)."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._send(msg)
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, *, session: str | None = None) -> dict[str, Any]:
        """Wait for the next event ``method`` (of ``session``) not yet seen."""
        deadline = time.monotonic() + self.timeout
        seen = len(self.events)
        for ev in self.events[:seen]:
            if ev.get("method") == method and ev.get("sessionId") == session and not ev.get("_taken"):
                ev["_taken"] = True
                return ev
        while True:
            ev = self._read_message(deadline)
            if "method" in ev:
                self.events.append(ev)
                if ev["method"] == method and ev.get("sessionId") == session:
                    ev["_taken"] = True
                    return ev

    # --- pages -------------------------------------------------------------------------------------

    def open(self, url: str) -> Page:
        """A new tab with console, network and page events on, navigated to ``url`` (load waited for)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable", session=session)
        page.start = len(self.events)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session=session)
        return page

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                try:
                    self.timeout = 5.0
                    self.call("Browser.close")
                except (BrowserError, OSError):
                    pass
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=10)
        finally:
            for fd in (self._out, self._in):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab: evaluate JavaScript, read its events, take a screenshot."""

    def __init__(self, browser: Chromium, session: str):
        self.browser = browser
        self.session = session
        self.start = 0

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events of this tab since its navigation began."""
        return [e for e in self.browser.events[self.start:] if e.get("sessionId") == self.session]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise; returned by value)."""
        r = self.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                              session=self.session)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise BrowserError(f"JavaScript error: {d.get('exception', {}).get('description') or d.get('text')}")
        return r["result"].get("value")

    def screenshot(self, *, full_page: bool = False, clip_height: int | None = None) -> bytes:
        """A PNG of the viewport (or of the page's top ``clip_height`` pixels, or all of it)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page or clip_height:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            h = size[1] if full_page else min(size[1], clip_height or size[1])
            params |= {"captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": size[0], "height": h, "scale": 1}}
        return base64.b64decode(self.browser.call("Page.captureScreenshot", params, session=self.session)["data"])


def _main(argv: list[str] | None = None) -> int:
    """``python -m tests.headless_chromium PAGE OUT.png [--at CLAIM_ID] [--width W] [--height H]``:
    a screenshot of a page (the README's docs/report.png), re-encoded as a palette PNG."""
    import argparse
    import io

    ap = argparse.ArgumentParser(prog="python -m tests.headless_chromium")
    ap.add_argument("page", help="an HTML file")
    ap.add_argument("out", help="the PNG to write")
    ap.add_argument("--at", metavar="ID", help="scroll the element with this id to the top first")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args(argv)
    with Chromium.launch(width=args.width, height=args.height) as browser:
        page = browser.open(Path(args.page).resolve().as_uri())
        if args.at:
            page.evaluate(f"document.getElementById({json.dumps(args.at)}).scrollIntoView()")
        png = page.screenshot()
    try:
        from PIL import Image

        with Image.open(io.BytesIO(png)) as im:
            buf = io.BytesIO()
            im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
                buf, "PNG", optimize=True)
        png = buf.getvalue() if len(buf.getvalue()) < len(png) else png
    except ImportError:
        pass
    Path(args.out).write_bytes(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
