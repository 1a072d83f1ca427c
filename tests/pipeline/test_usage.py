"""Daily usage rollups: counted in memory, kept on disk only with consent, one
usage_rollup per command per UTC day, sent at the first flush of a later day."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.delivery import choice, preview, usage
from doorstep.delivery.telemetry import Recorder
from doorstep.foundation import paths
from doorstep.foundation.product import Product
from tests.foundation.test_product_file import ACME
from tests.pipeline.processes import ROOT, wait_for_senders
from tests.support.capture import Capture


@pytest.fixture
def acme(tmp_path: Path) -> Product:
    """An adopting product read from its own file (the sender is started with it)."""
    path = tmp_path / "acme" / "doorstep.toml"
    path.parent.mkdir()
    path.write_text(ACME, encoding="utf-8")
    from doorstep.foundation import product

    return product.from_file(path)


def usage_file(home: Path) -> Path:
    return home / ".local/state/acme/usage.json"


def day(offset: int) -> str:
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return (today + datetime.timedelta(days=offset)).isoformat()


def test_only_the_products_commands_are_counted(acme: Product) -> None:
    recorder = Recorder(acme, env={})
    assert recorder.count("deploy") is True
    assert recorder.count("rm") is False
    assert recorder.count("check", ok="yes") is False  # type: ignore[arg-type]
    assert recorder.counts == {recorder.today(): {"deploy": [1, 0]}}


def test_before_consent_nothing_touches_the_disk(acme: Product, home: Path) -> None:
    recorder = Recorder(acme, env={})
    recorder.count("deploy")
    recorder.count("deploy", ok=False)
    assert recorder.flush() == "kept"
    assert recorder.counts[recorder.today()] == {"deploy": [2, 1]}
    assert list(home.iterdir()) == []


def test_off_drops_the_counts(acme: Product, home: Path) -> None:
    choice.save(paths.for_product(acme), False, "cli")
    recorder = Recorder(acme, env={})
    recorder.count("deploy")
    assert recorder.flush() == "dropped"
    assert recorder.counts == {} and not usage_file(home).exists()


def test_with_consent_today_waits_on_disk_and_nothing_is_sent(
    acme: Product, home: Path, capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_TELEMETRY_ENDPOINT", capture.url)
    choice.save(paths.for_product(acme), True, "cli")
    for ok in (True, True, False):
        first = Recorder(acme)
        first.count("deploy", ok=ok)
        assert first.flush() == "counted"
    stored = json.loads(usage_file(home).read_text(encoding="utf-8"))
    assert stored == {day(0): {"deploy": [3, 1]}}
    assert capture.requests == []


def test_a_later_day_sends_one_rollup_per_command(
    acme: Product, home: Path, capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_TELEMETRY_ENDPOINT", capture.url)
    choice.save(paths.for_product(acme), True, "cli")
    usage_file(home).parent.mkdir(parents=True, exist_ok=True)
    usage_file(home).write_text(
        json.dumps({day(-2): {"deploy": [5, 2], "check": [1, 0]}, day(-1): {"check": [4, 4]}})
    )
    recorder = Recorder(acme)
    recorder.count("check")
    assert recorder.flush() == "sent"

    assert capture.wait_for(lambda c: len(c.events()) >= 3)
    wait_for_senders(home)
    rollups = sorted(
        (e["day"], e["props"]["command"], e["props"]["count"], e["props"]["errors"])
        for e in capture.events()
    )
    assert rollups == [
        (day(-2), "check", 1, 0),
        (day(-2), "deploy", 5, 2),
        (day(-1), "check", 4, 4),
    ]
    assert {e["name"] for e in capture.events()} == {"usage_rollup"}
    assert json.loads(usage_file(home).read_text()) == {day(0): {"check": [1, 0]}}


def test_preview_shows_what_is_pending(acme: Product, home: Path) -> None:
    choice.save(paths.for_product(acme), True, "cli")
    usage_file(home).parent.mkdir(parents=True, exist_ok=True)
    usage_file(home).write_text(
        json.dumps({day(-1): {"deploy": [2, 1]}, day(0): {"check": [1, 0]}})
    )
    body, notes = preview.next_body(acme)
    assert [(e["name"], e["day"], e["props"]) for e in body["events"]] == [
        ("usage_rollup", day(-1), {"command": "deploy", "count": 2, "errors": 1})
    ]
    assert any(day(0) in note and "after today is over" in note for note in notes)


def test_disable_deletes_the_counts(acme: Product, home: Path) -> None:
    where = paths.for_product(acme)
    choice.save(where, True, "cli")
    # A closed port: today's counts are only stored, nothing is sent.
    recorder = Recorder(acme, env={"ACME_TELEMETRY_ENDPOINT": "http://127.0.0.1:9/v1/events"})
    recorder.count("deploy")
    assert recorder.flush() == "counted"
    assert usage_file(home).exists()
    choice.save(where, False, "cli")
    assert not usage_file(home).exists()


@given(st.binary(max_size=300))
def test_any_bytes_read_as_counts_or_none(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("usage") / usage.FILE_NAME
    path.write_bytes(raw)
    for commands in usage.read(path).values():
        for runs, errors in commands.values():
            assert 0 <= errors <= runs


WRITER = """
import sys
from pathlib import Path
from doorstep.delivery import usage
folder = Path(sys.argv[1])
n = 0
while True:
    n += 1
    usage.settle(folder, {"2999-01-01": {"deploy": [1, n % 2]}}, "2000-01-01")
    print(n, flush=True)
"""


def test_a_writer_killed_mid_write_never_breaks_the_days_file(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    path = folder / usage.FILE_NAME
    last = 0
    for attempt in range(25):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        child.stdout.readline()  # it has written at least once
        time.sleep(0.002 * (attempt % 7))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        text = path.read_text(encoding="utf-8")
        runs = json.loads(text)["2999-01-01"]["deploy"][0]  # whole, and parseable
        assert runs >= last + 1
        last = runs
