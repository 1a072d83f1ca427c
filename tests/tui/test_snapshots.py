"""SVG snapshots of every screen at 80x24 (and the privacy step at 60x15).

Textual is pinned (textual==8.2.8 in the test extra): a snapshot is only comparable
with the version that drew it. Update after an intended change with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs.
The apps are built by the same factory as ``doorstep setup`` and ``doorstep settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from doorstep.consent import record as consent_record
from doorstep.delivery.telemetry import Recorder
from doorstep.events import envelope
from doorstep.foundation import product
from doorstep.install import stages
from doorstep.onboarding import wizard as onboarding
from doorstep.onboarding.wizard import Wizard
from doorstep.tui.app import build_onboarding, build_settings
from tests.tui.conftest import TRACE, record_file
from tests.tui.test_settings import RECORD_ON

SnapCompare = Callable[..., bool]


@pytest.fixture
def frozen_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    """The payload holds this machine's facts, a random session id and today's date.

    They are replaced by fixed values (a mock, since no machine and no day can be the
    same everywhere) so that the payload screens draw the same on every machine.
    """
    facts = {
        "app_version": "0.1.0",
        "python": "3.11",
        "os": "linux",
        "arch": "x86_64",
        "container": False,
        "memory_gb": 8.0,
    }
    monkeypatch.setattr(envelope, "_machine", lambda product: facts)
    session = "0b7d5e2a-4c1f-4e8a-9b3d-5f6a7b8c9d0e"
    monkeypatch.setattr(envelope.build, "__defaults__", (session, None))
    monkeypatch.setattr(
        consent_record, "new_install_id", lambda: "11111111-2222-4333-8444-555555555555"
    )
    monkeypatch.setattr(Recorder, "_today", lambda self: "2026-11-22")


def wizard(recorder: Recorder) -> Wizard:
    # A still clock: the durations in the payload do not depend on how fast this runs.
    return Wizard(recorder, onboarding.TUI, True, stages.parse(TRACE), clock=lambda: 0.0)


def test_welcome(snap_compare: SnapCompare, recorder: Recorder) -> None:
    assert snap_compare(build_onboarding(wizard(recorder)))


def test_privacy(snap_compare: SnapCompare, recorder: Recorder) -> None:
    assert snap_compare(build_onboarding(wizard(recorder)), press=["enter"])


def test_privacy_toggled_off(snap_compare: SnapCompare, recorder: Recorder) -> None:
    assert snap_compare(build_onboarding(wizard(recorder)), press=["enter", "space"])


def test_privacy_60x15(snap_compare: SnapCompare, recorder: Recorder) -> None:
    app = build_onboarding(wizard(recorder))
    assert snap_compare(app, press=["enter"], terminal_size=(60, 15))


def test_finish(snap_compare: SnapCompare, recorder: Recorder) -> None:
    assert snap_compare(build_onboarding(wizard(recorder)), press=["enter", "enter"])


def test_finish_off(snap_compare: SnapCompare, recorder: Recorder) -> None:
    app = build_onboarding(wizard(recorder))
    assert snap_compare(app, press=["enter", "space", "enter"])


def test_payload(snap_compare: SnapCompare, recorder: Recorder, frozen_payload: None) -> None:
    assert snap_compare(build_onboarding(wizard(recorder)), press=["enter", "p"])


def _saved_on() -> Path:
    where = record_file()
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(RECORD_ON, encoding="utf-8")
    return where


def test_settings_undecided(snap_compare: SnapCompare) -> None:
    assert snap_compare(build_settings(product.current()))


def test_settings_on(snap_compare: SnapCompare) -> None:
    _saved_on()
    assert snap_compare(build_settings(product.current()))


def test_settings_payload(snap_compare: SnapCompare, frozen_payload: None) -> None:
    _saved_on()
    assert snap_compare(build_settings(product.current()), press=["p"])
