"""The app's and the parser's shortcuts give the answers of the long way round."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from doorstep.collector import app as app_module
from doorstep.collector import days
from doorstep.collector.ratelimit import Limiter
from doorstep.events import schema, wire
from tests.collector.conftest import make_body


class _Writer:
    full = False
    nearly_full = False

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    async def submit(self, body: dict[str, Any]) -> None:
        self.bodies.append(body)


def _post(app: app_module.App, raw: bytes, content_type: bytes) -> int:
    answers: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        answers.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": app_module.PATH,
        "headers": [(b"content-type", content_type)],
    }
    asyncio.run(app(scope, receive, send))
    return int(answers[0]["status"])


def test_the_accepted_days_with_the_real_clock_are_todays_window():
    app = app_module.build(_Writer(), Limiter())
    retention = app.retention_days
    assert app._accepted_days() == days.accepted_window(days.today(), retention)
    assert app._accepted_days() == days.accepted_window(days.today(), retention)  # remembered


def test_the_accepted_days_follow_an_injected_clock():
    today = ["2026-03-01"]
    app = app_module.build(_Writer(), Limiter(), today=lambda: today[0])
    assert app._accepted_days() == days.accepted_window("2026-03-01", app.retention_days)
    today[0] = "2026-03-02"
    assert app._accepted_days() == days.accepted_window("2026-03-02", app.retention_days)


def test_the_content_type_is_read_alike_on_the_fast_path_and_the_slow_one():
    app = app_module.build(_Writer(), Limiter(burst=1e9))
    raw = wire.encode(make_body())
    expected = {
        b"application/json": 204,
        b"Application/JSON": 204,
        b" application/json ; charset=utf-8": 204,
        b"application/json;x=y": 204,
        b"application/jsonx": 415,
        b"text/plain": 415,
        b"": 415,
    }
    assert {kind: _post(app, raw, kind) for kind in expected} == expected


def test_a_parser_keeps_events_with_different_props_apart():
    # The memo's key is one flat tuple: the name, the day, the props' items, their types.
    parser = wire.Parser(schema.current())
    today = days.today()
    variants = [
        {},
        {"kind": "fresh"},
        {"kind": "upgrade"},
        {"kind": "fresh", "x": 1},
        {"x": "kind"},
    ]
    for _ in range(2):
        for props in variants:
            body = make_body()
            body["events"] = [{"name": "install_started", "day": today, "seq": 3, "props": props}]
            raw = json.dumps(body).encode()
            assert parser.parse(raw) == wire.parse(raw), props
