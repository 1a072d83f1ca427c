"""A real headless Chromium, driven over the DevTools protocol, for the dashboard's tests.

``Browser`` starts Debian's ``chromium`` (tests/run.sh installs it) with a new empty
profile and every background service off, so the only requests it makes are the
page's. ``open(url, width, dark)`` loads a page at a window width and colour scheme and
returns a ``Visit``: the DOM as the browser built it, every URL the page requested, the
console's errors (a Content-Security-Policy refusal is one), the page's widths, and a
full-page screenshot. Each wait is bounded; nothing here talks to any host but
127.0.0.1. The protocol's messages travel over a websocket (websocket-client).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import websocket

START_TIMEOUT = 60.0
LOAD_TIMEOUT = 30.0
FLAGS = (
    "--headless",
    "--no-sandbox",  # the tests may run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--hide-scrollbars",
    # No name but 127.0.0.1 resolves: a page that asks another host is seen asking (the
    # request is logged) without a packet leaving this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


def executable() -> Optional[str]:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Visit:
    html: str
    requests: list[str]  # every URL the page asked for, blocked ones too
    blocked: list[str]  # those the browser stopped before they left (its CSP)
    errors: list[str]
    width: int  # the layout viewport's width in CSS pixels
    scroll_width: int  # the page's widest content; above ``width`` means sideways scrolling
    background: str  # the body's computed background colour
    too_wide: list[str]  # elements reaching past the viewport's right edge (at most 5)
    screenshot: bytes = field(repr=False)


class Browser:
    def __init__(self) -> None:
        found = executable()
        if found is None:
            raise RuntimeError("chromium is not installed (tests/run.sh installs it)")
        self._profile = Path(tempfile.mkdtemp(prefix="doorstep-chromium-"))
        self._process = subprocess.Popen(
            [found, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._port = self._devtools_port()

    def _devtools_port(self) -> int:
        assert self._process.stderr is not None
        deadline = time.monotonic() + START_TIMEOUT
        seen = []
        while time.monotonic() < deadline:
            line = self._process.stderr.readline()
            if not line:
                if self._process.poll() is not None:
                    break
                continue
            seen.append(line)
            match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if match:
                # Chromium keeps writing to stderr; draining it keeps it from blocking.
                stream = self._process.stderr
                threading.Thread(target=stream.read, name="chromium-stderr", daemon=True).start()
                return int(match.group(1))
        self.close()
        raise RuntimeError("chromium did not start: " + "".join(seen[-5:]))

    def open(
        self,
        url: str,
        width: int,
        dark: bool = False,
        headers: Optional[dict[str, str]] = None,
    ) -> Visit:
        target = _http_json(f"http://127.0.0.1:{self._port}/json/new?about:blank", "PUT")
        page = _Page(target["webSocketDebuggerUrl"])
        try:
            for domain in ("Page", "Network", "Runtime", "Log"):
                page.call(f"{domain}.enable")
            page.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=900,
                deviceScaleFactor=1,
                mobile=width < 600,
            )
            scheme = "dark" if dark else "light"
            page.call(
                "Emulation.setEmulatedMedia",
                features=[{"name": "prefers-color-scheme", "value": scheme}],
            )
            if headers:
                page.call("Network.setExtraHTTPHeaders", headers=headers)
            page.call("Page.navigate", url=url)
            page.wait_for("Page.loadEventFired", LOAD_TIMEOUT)
            facts = page.evaluate(
                "JSON.stringify({html: document.documentElement.outerHTML,"
                " width: document.documentElement.clientWidth,"
                " scroll: document.documentElement.scrollWidth,"
                " background: getComputedStyle(document.body).backgroundColor,"
                " wide: [...document.querySelectorAll('body *')]"
                "   .filter(e => e.getBoundingClientRect().right >"
                "     document.documentElement.clientWidth + 1)"
                "   .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.getAttribute('class')"
                "     + ' ' + (e.closest('[id]') || {}).id + ' ' + e.textContent.slice(0, 40))})"
            )
            shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            page.settle(0.3)  # late console messages (a refused resource) arrive here
            read = json.loads(facts)
            return Visit(
                html=read["html"],
                requests=page.requests,
                blocked=page.blocked,
                errors=page.errors,
                width=read["width"],
                scroll_width=read["scroll"],
                background=read["background"],
                too_wide=read["wide"],
                screenshot=base64.b64decode(shot["data"]),
            )
        finally:
            page.close()
            _http_json(f"http://127.0.0.1:{self._port}/json/close/{target['id']}", "GET", text=True)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Page:
    """One tab's protocol connection: calls with ids, events noted as they pass."""

    def __init__(self, url: str) -> None:
        self._socket = websocket.create_connection(url, timeout=LOAD_TIMEOUT, suppress_origin=True)
        self._next = 0
        self._events: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []  # asked for, but stopped by the browser (the CSP)
        self._urls: dict[str, str] = {}
        self.errors: list[str] = []

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
            self._urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed" and params.get("blockedReason"):
            self.blocked.append(self._urls.get(params["requestId"], "?"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", "")) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(params["entry"].get("text", ""))
        self._events.append(message)

    def _receive(self, deadline: float) -> Optional[dict[str, Any]]:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        self._socket.settimeout(left)
        try:
            message = json.loads(self._socket.recv())
        except websocket.WebSocketTimeoutException:
            return None
        if "method" in message:
            self._note(message)
        return message

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        self._socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        deadline = time.monotonic() + LOAD_TIMEOUT
        while True:
            message = self._receive(deadline)
            if message is None:
                raise TimeoutError(f"chromium did not answer {method}")
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, method: str, timeout: float) -> None:
        if any(e.get("method") == method for e in self._events):
            return
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message is None:
                raise TimeoutError(f"chromium sent no {method}")
            if message.get("method") == method:
                return

    def settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._receive(deadline) is not None:
            pass

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"]["value"]

    def close(self) -> None:
        self._socket.close()


def _http_json(url: str, method: str, text: bool = False) -> Any:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:  # 127.0.0.1 only
        body = answer.read().decode()
    return body if text else json.loads(body)


__all__ = ["Browser", "Visit", "executable"]
