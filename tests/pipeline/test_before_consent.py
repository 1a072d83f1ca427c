"""Before a decision, events cost memory only; "yes" sends them, "no" and cancel drop them.

Each scenario is a real process with an audit hook (tests/pipeline/scenario.py) that
sees every socket connection, every process started and every write under HOME.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from doorstep.consent import record as consent_record
from doorstep.delivery import telemetry
from doorstep.foundation.paths import Paths
from tests.pipeline.processes import python, scenario, wait_for_senders
from tests.support.capture import Capture

WIZARD = [
    ["record", "install_started", {"kind": "fresh", "method": "script"}],
    ["record", "install_stage_completed", {"stage": "package", "duration": 4.2}],
    ["record", "onboarding_started", {"ui": "tui"}],
    ["record", "onboarding_step_viewed", {"step": "privacy"}],
    ["record", "no_such_event", {"step": "privacy"}],
]
EXPECTED = [
    ("install_started", {"kind": "fresh", "method": "script"}),
    ("install_stage_completed", {"stage": "package", "duration": "3-10s"}),
    ("onboarding_started", {"ui": "tui"}),
    ("onboarding_step_viewed", {"step": "privacy"}),
]


def untouched(report: dict[str, Any]) -> None:
    assert report["connects"] == []
    assert report["spawns"] == []
    assert report["writes"] == []
    assert report["files"] == []


def received(capture: Capture) -> list[tuple[str, dict[str, Any]]]:
    return [(event["name"], event["props"]) for event in capture.events()]


def test_undecided_nothing_touches_disk_or_network(capture: Capture, endpoint: str) -> None:
    steps = [*WIZARD, ["preview"], ["flush"], ["check", "before"]]
    done, reports = scenario(steps)

    assert done.returncode == 0 and done.stderr == ""
    untouched(reports["before"])
    untouched(reports["exit"])  # the exit flush keeps them in memory, then they are gone
    assert capture.connections == 0


def test_yes_sends_what_waited_exactly_once(
    capture: Capture, endpoint: str, home: Path, where: Paths
) -> None:
    done, reports = scenario([*WIZARD, ["check", "before"], ["confirm", True]])

    assert done.returncode == 0 and done.stderr == ""
    untouched(reports["before"])
    assert reports["exit"]["connects"] == []  # the foreground never opens a socket
    assert len(reports["exit"]["spawns"]) == 1  # it hands over to one sender
    assert capture.wait_for(lambda c: len(c.events()) >= len(EXPECTED))
    wait_for_senders(home)
    assert received(capture) == EXPECTED
    assert [e["seq"] for e in capture.events()] == [0, 1, 2, 3]
    saved = consent_record.read(where.record).record
    assert saved is not None and saved.enabled and saved.consent_source == "wizard"
    assert capture.bodies()[0]["envelope"]["install_id"] == saved.install_id


def test_no_drops_what_waited_and_records_the_answer(
    capture: Capture, endpoint: str, where: Paths
) -> None:
    done, reports = scenario([*WIZARD, ["check", "before"], ["confirm", False]])

    assert done.returncode == 0 and done.stderr == ""
    untouched(reports["before"])
    final = reports["exit"]
    assert final["connects"] == [] and final["spawns"] == []
    assert final["files"] == [".config", ".config/doorstep", ".config/doorstep/telemetry.toml"]
    saved = consent_record.read(where.record).record
    assert saved is not None and not saved.enabled and saved.install_id is None
    assert capture.connections == 0


def test_cancel_drops_everything_and_records_nothing(capture: Capture, endpoint: str) -> None:
    done, reports = scenario([*WIZARD, ["discard"], ["flush"]])

    assert done.returncode == 0
    untouched(reports["exit"])
    assert capture.connections == 0


def test_an_overflowing_buffer_keeps_the_newest(
    capture: Capture, endpoint: str, home: Path
) -> None:
    extra = 7
    steps: list[list[Any]] = [
        ["record", "onboarding_step_viewed", {"step": "privacy"}]
        for _ in range(telemetry.BUFFER_LIMIT + extra)
    ]
    done, reports = scenario([*steps, ["check", "before"], ["confirm", True]])

    assert done.returncode == 0
    untouched(reports["before"])
    assert capture.wait_for(lambda c: len(c.events()) >= telemetry.BUFFER_LIMIT)
    wait_for_senders(home)
    seqs = [event["seq"] for event in capture.events()]
    assert seqs == list(range(extra, telemetry.BUFFER_LIMIT + extra))


def test_the_buffer_counts_what_it_dropped() -> None:
    recorder = telemetry.Recorder(env={}, limit=3)
    for _ in range(5):
        assert recorder.record("onboarding_step_viewed", step="welcome")
    assert recorder.dropped == 2
    assert [event["seq"] for event in recorder.pending] == [2, 3, 4]


@pytest.mark.parametrize(
    ("env", "saved", "flag"),
    [
        ({"DO_NOT_TRACK": "1"}, True, None),
        ({"DO_NOT_TRACK": "true"}, True, True),
        ({"DOORSTEP_TELEMETRY": "0"}, True, None),
        ({}, False, None),
        ({}, True, False),
        ({"DOORSTEP_TELEMETRY_ENDPOINT": ""}, True, None),
    ],
    ids=[
        "do-not-track",
        "do-not-track-beats-flag",
        "env-off",
        "saved-no",
        "no-flag",
        "no-endpoint",
    ],
)
def test_off_in_any_way_sends_nothing_and_writes_nothing(
    capture: Capture,
    endpoint: str,
    where: Paths,
    env: dict[str, str],
    saved: bool,
    flag: bool | None,
) -> None:
    consent_record.write(where.record, consent_record.make(saved, "cli"))
    steps: list[list[Any]] = [] if flag is None else [["flag", flag]]
    done, reports = scenario([*steps, *WIZARD, ["flush"]], env=env)

    assert done.returncode == 0 and done.stderr == ""
    final = reports["exit"]
    assert final["connects"] == [] and final["spawns"] == [] and final["writes"] == []
    assert final["files"] == [".config", ".config/doorstep", ".config/doorstep/telemetry.toml"]
    assert capture.connections == 0


@pytest.mark.parametrize("decided", [False, True], ids=["undecided", "consent-on"])
def test_recording_and_flushing_never_load_the_network_or_a_screen(
    capture: Capture, endpoint: str, where: Paths, home: Path, decided: bool
) -> None:
    if decided:
        consent_record.write(where.record, consent_record.make(True, "cli"))
    code = (
        "import sys\nfrom doorstep.delivery import telemetry\n"
        "telemetry.record('onboarding_started', ui='tui')\n"
        "print(telemetry.flush())\n"
        "print(sorted({'httpx', 'textual', 'questionary', 'doorstep.tui'} & set(sys.modules)))\n"
    )
    result = python("-c", code)
    assert result.stdout.split("\n")[:2] == ["sent" if decided else "kept", "[]"], result.stderr
    wait_for_senders(home)


def test_recording_from_another_thread_never_breaks_a_reader() -> None:
    import threading

    recorder = telemetry.Recorder(env={})
    stop = threading.Event()

    def keep_recording() -> None:
        for _ in range(200_000):
            if stop.is_set():
                return
            recorder.record("onboarding_step_viewed", step="privacy")

    worker = threading.Thread(target=keep_recording)
    worker.start()
    try:
        for _ in range(2_000):
            pending = recorder.pending  # iterating a deque being appended to would raise
            assert len(pending) <= telemetry.BUFFER_LIMIT
    finally:
        stop.set()
        worker.join(timeout=30)
    seqs = [event["seq"] for event in recorder.pending]
    assert seqs == sorted(set(seqs))
