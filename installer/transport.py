"""Posting one body to the endpoint. Only the detached sender imports this (and httpx)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Outcome:
    """``status`` is the HTTP answer (any answer is final); None means no answer arrived."""

    status: Optional[int]

    @property
    def answered(self) -> bool:
        return self.status is not None


def post(url: str, data: bytes, timeout: float) -> Outcome:
    """POST ``data`` as JSON; proxies come from the environment as usual. Never raises."""
    import httpx  # deferred: the network is loaded only by the process that uses it

    try:
        with httpx.Client(timeout=timeout, trust_env=True, follow_redirects=False) as client:
            response = client.post(url, content=data, headers={"Content-Type": "application/json"})
    except Exception:  # any failure to get an answer: the batch goes back to the spool
        return Outcome(None)
    return Outcome(response.status_code)


__all__ = ["Outcome", "post"]
