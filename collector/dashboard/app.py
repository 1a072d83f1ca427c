"""``GET /dashboard``: the report as a web page, on a listener of its own.

The ingest port never serves it: ``serve --dashboard-port`` starts this app on a second
socket. Without a token it may only listen on this machine (``check_host``); with one
(the product's ``<PREFIX>_COLLECTOR_TOKEN``: a flag would show in ``ps``) every request
needs ``Authorization: Bearer <token>``, or HTTP Basic with the token as the password so
that a browser can log in; anything else is 401. The token is compared in constant
time and never printed or logged.

``?days=N`` picks the window (the page links to 7, 30 and 90) and ``ci=1`` counts CI
runs too; the numbers come from ``report.gather``, the queries ``report --json`` runs.
Answers carry a strict Content-Security-Policy (nothing but the page's own inline
styles and ``data:`` images), ``nosniff`` and ``no-store``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import parse_qs

from doorstep.collector import report
from doorstep.collector.dashboard import page
from doorstep.collector.store import Store, StoreError
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product

PATH = "/dashboard"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_DAYS = 3660
TOKEN = "COLLECTOR_TOKEN"  # the product's <PREFIX>_COLLECTOR_TOKEN

_HEADERS = [
    (b"content-security-policy", f"{page.CSP}; frame-ancestors 'none'".encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
]


def token_variable(product: Product) -> str:
    return product.env(TOKEN)


def token(product: Product, env: Mapping[str, str] = os.environ) -> Optional[str]:
    """The dashboard's token from the environment, or None (an empty one is none).

    The product's own variable first; then the collector's own (DOORSTEP_COLLECTOR_TOKEN),
    since the collector is one program whichever product's events it serves.
    """
    from doorstep.foundation import product as product_module

    own = product_module.own().env(TOKEN)
    return env.get(token_variable(product)) or env.get(own) or None


def check_host(host: str, product: Product, secret: Optional[str]) -> None:
    """Refuse, in one line, a dashboard reachable from other machines with no token."""
    if secret is None and host not in LOOPBACK:
        raise DoorstepError(
            f"the dashboard listens beyond this machine only with a token: set "
            f"{token_variable(product)} (or drop --dashboard-host to keep it on 127.0.0.1)"
        )


def allowed(authorization: Optional[bytes], secret: Optional[str]) -> bool:
    """Whether an Authorization header carries the token (always true with no token)."""
    if secret is None:
        return True
    expected = secret.encode("utf-8")
    given = b""
    if authorization is not None:
        scheme, _, value = authorization.strip().partition(b" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme == b"bearer":
            given = value
        elif scheme == b"basic":
            try:
                decoded = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                decoded = b""
            given = decoded.partition(b":")[2]
    # compare_digest's time depends only on the lengths, never on where they differ.
    return hmac.compare_digest(given, expected)


class Dashboard:
    """The dashboard's ASGI app: reads the database for each request, read-only."""

    def __init__(
        self,
        db: Path,
        product: Product,
        secret: Optional[str] = None,
        command: Optional[str] = None,
        today: Optional[Callable[[], str]] = None,
    ) -> None:
        self.db = db
        self.product = product
        self._secret = secret
        self._today = today
        self._title = f"{product.display_name} collector"
        # The report command that prints the same numbers, for the page's footer.
        self._command = command or f"{product.name} collector report"

    def __repr__(self) -> str:  # never the token
        return f"Dashboard({self.db!s}, {self.product.name})"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope.get("headers") or [])
        if not allowed(headers.get(b"authorization"), self._secret):
            realm = f'Basic realm="{self._title}", charset="UTF-8"'.encode()
            await _answer(send, 401, "a token is needed (Authorization: Bearer, or log in)", realm)
            return
        path = scope.get("path", "")
        if path in ("", "/"):
            await _answer(send, 303, "see /dashboard", location=PATH.encode())
            return
        if path != PATH:
            await _answer(send, 404, "not found: the dashboard is at /dashboard")
            return
        if scope.get("method") not in ("GET", "HEAD"):
            await _answer(send, 405, "only GET", allow=b"GET, HEAD")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        window = _days(query.get("days", ["30"])[-1])
        if window is None:
            await _answer(send, 400, f"days must be a whole number from 1 to {MAX_DAYS}")
            return
        include_ci = query.get("ci", [""])[-1] in ("1", "true", "on", "yes")
        try:
            body = self.page(window, include_ci).encode("utf-8")
        except StoreError as exc:
            await _answer(send, 503, str(exc))
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    *_HEADERS,
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    def page(self, window: int, include_ci: bool) -> str:
        store = Store.open_existing(self.db)
        try:
            today = self._today() if self._today is not None else None
            data = report.gather(store, window, include_ci, today=today, product=self.product)
        finally:
            store.close()
        return page.render(data, self._title, self._command, path=PATH)


def _days(text: str) -> Optional[int]:
    if not text.isdigit() or len(text) > 4:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_DAYS else None


async def _answer(
    send: Any,
    status: int,
    reason: str,
    realm: Optional[bytes] = None,
    location: Optional[bytes] = None,
    allow: Optional[bytes] = None,
) -> None:
    body = (reason + "\n").encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *_HEADERS,
    ]
    if realm is not None:
        headers += [(b"www-authenticate", realm), (b"www-authenticate", b"Bearer")]
    if location is not None:
        headers.append((b"location", location))
    if allow is not None:
        headers.append((b"allow", allow))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = ["LOOPBACK", "PATH", "Dashboard", "allowed", "check_host", "token", "token_variable"]
