"""``telemetry disable --forget``: turn telemetry off, and ask the collector to delete
every event of this install: one ``DELETE`` of the endpoint's sibling path
``…/v1/installs/<install id>``, 2 s at most, no retry. It is the only request ever made
while turning telemetry off, and only when the person asks for it.

The "no" is saved first (the id is kept in memory only for the request), so a network
that fails costs the deletion request, never the choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from doorstep.consent import decision as consent
from doorstep.consent import record as consent_record
from doorstep.delivery import choice
from doorstep.delivery.sent_log import shown_endpoint
from doorstep.foundation.paths import Paths
from doorstep.foundation.product import Product

TIMEOUT_SECONDS = 2.0


def deletion_url(endpoint: str, install_id: str) -> str:
    """The sibling of ``…/v1/events``: ``…/v1/installs/<install id>``."""
    parts = urlsplit(endpoint)
    base = parts.path.rstrip("/")
    base = base.rsplit("/", 1)[0] if base else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{base}/installs/{install_id}", "", ""))


def run(
    where: Paths, product: Product, env: Mapping[str, str], source: str = "cli"
) -> tuple[str, Optional[int]]:
    """Save "off" (its ``consent_source``: ``source``), then ask for the deletion; a
    sentence for people and the HTTP status (None when no request was made or no answer
    came)."""
    saved = consent_record.read(where.record).record
    install_id = saved.install_id if saved is not None and saved.enabled else None
    endpoint, _ = consent.endpoint(env, product)
    choice.save(where, False, source)  # the decision first, whatever the network does
    if install_id is None:
        return "there was no install id to forget, so no request was sent", None
    if endpoint is None:
        return "no endpoint is configured, so nothing had been sent and none was asked", None
    from doorstep.delivery import transport  # deferred: the network only when asked

    url = deletion_url(endpoint, install_id)
    outcome = transport.delete(url, TIMEOUT_SECONDS)
    shown = shown_endpoint(url)
    if outcome.status is None:
        return f"{shown} could not be reached: the collector keeps what it has", None
    if 200 <= outcome.status < 300:
        return f"{shown} was asked to delete this install's events (HTTP {outcome.status})", (
            outcome.status
        )
    return f"{shown} refused the deletion (HTTP {outcome.status})", outcome.status


__all__ = ["TIMEOUT_SECONDS", "deletion_url", "run"]
