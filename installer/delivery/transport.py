"""Posting one body to the endpoint. Only the detached sender imports this (and httpx)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Optional


@dataclass(frozen=True)
class Outcome:
    """``status`` is the HTTP answer (any answer is final); None means no answer arrived."""

    status: Optional[int]

    @property
    def answered(self) -> bool:
        return self.status is not None


def _httpx() -> ModuleType:
    # httpx imports its optional command-line client (rich, click, pygments) when they are
    # installed, as they are beside the wizard: that doubles the sender's memory and start.
    # httpx treats the client as optional, so the sender tells it the client is absent.
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]
        try:
            import httpx
        except ImportError:
            del sys.modules["httpx._main"]  # a future httpx needs it after all: load it
        else:
            return httpx
    import httpx

    return httpx


def post(url: str, data: bytes, timeout: float) -> Outcome:
    """POST ``data`` as JSON within ``timeout`` seconds in all; proxies come from the
    environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY). Never raises an Exception.
    """
    try:
        httpx = _httpx()  # deferred: the network is loaded only by the process that uses it
        with httpx.Client(timeout=timeout, trust_env=True, follow_redirects=False) as client:
            response = client.post(url, content=data, headers={"Content-Type": "application/json"})
    except Exception:  # any failure to get an answer: the batch goes back to the spool
        return Outcome(None)
    return Outcome(response.status_code)


def delete(url: str, timeout: float) -> Outcome:
    """DELETE ``url`` within ``timeout`` seconds, once (no retry); never raises."""
    try:
        httpx = _httpx()
        with httpx.Client(timeout=timeout, trust_env=True, follow_redirects=False) as client:
            response = client.delete(url)
    except Exception:
        return Outcome(None)
    return Outcome(response.status_code)


__all__ = ["Outcome", "delete", "post"]
