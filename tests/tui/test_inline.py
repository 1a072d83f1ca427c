"""``setup --inline``: the questionary flow, fed keys through prompt_toolkit's pipe input.

The question's output goes to prompt_toolkit's DummyOutput (there is no terminal to
draw on here); the explanation is written to a stream the test reads. The answer is
applied by ``doorstep.onboarding.setup.run``, as for the full-screen onboarding, and sending goes
through the real sender to a real server on 127.0.0.1. One test drives ``inline.run``
on a real pseudo-terminal instead.
"""

from __future__ import annotations

import io
import os
import threading
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from doorstep.delivery.telemetry import Recorder
from doorstep.events import schema
from doorstep.onboarding import setup
from doorstep.onboarding import wizard as onboarding
from doorstep.onboarding.wizard import Answer, Wizard
from doorstep.tui import inline
from tests.support.capture import Capture
from tests.tui.conftest import TRACE, args, names, record_file, saved, spool_file

FUNNEL_INLINE = [
    "install_started",
    "install_stage_completed",
    "install_stage_completed",
    "onboarding_started",
    "onboarding_step_skipped",
    "onboarding_step_viewed",
    "onboarding_step_skipped",
    "onboarding_completed",
    "install_stage_completed",
    "install_completed",
]


def typed(keys: str, stream: io.StringIO, close: bool = False) -> Any:
    """An ``ask`` for setup.run: the inline flow reading ``keys`` from a pipe."""

    def ask(wizard: Wizard) -> Answer:
        with create_pipe_input() as pipe:
            pipe.send_text(keys)
            if close:
                pipe.close()
            return inline.ask(wizard, pipe, DummyOutput(), stream)

    return ask


def run_inline(recorder: Recorder, keys: str, close: bool = False) -> tuple[int, str]:
    stream = io.StringIO()
    ask = typed(keys, stream, close)
    code = setup.run(args(inline=True, install_trace=TRACE), recorder.product, recorder, ask=ask)
    return code, stream.getvalue()


def _nothing_sent(capture: Capture) -> None:
    assert not spool_file().exists()
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)


def test_enter_takes_the_default_yes_and_sends(
    recorder: Recorder, capture: Capture, endpoint: str
) -> None:
    code, _ = run_inline(recorder, "\r")

    assert code == 0
    record = saved()
    assert record is not None and record.enabled and record.consent_source == "inline"
    assert capture.wait_for(lambda c: len(c.events()) >= len(FUNNEL_INLINE))
    events = capture.events()
    assert names(events) == FUNNEL_INLINE
    skipped = [e["props"]["step"] for e in events if e["name"] == "onboarding_step_skipped"]
    assert skipped == ["welcome", "finish"]
    started = next(e for e in events if e["name"] == "onboarding_started")
    completed = next(e for e in events if e["name"] == "onboarding_completed")
    assert started["props"] == {"ui": "inline"}
    assert completed["props"]["ui"] == "inline"


def test_y_answers_yes(recorder: Recorder) -> None:
    code, _ = run_inline(recorder, "y")
    record = saved()
    assert code == 0 and record is not None and record.enabled


def test_n_records_off_and_sends_nothing(
    recorder: Recorder, capture: Capture, endpoint: str
) -> None:
    code, _ = run_inline(recorder, "n")

    assert code == 0
    record = saved()
    assert record is not None and record.enabled is False
    assert record.consent_source == "inline"
    _nothing_sent(capture)


@pytest.mark.parametrize(("keys", "close"), [("\x03", False), ("", True)])
def test_ctrl_c_or_end_of_input_cancels(
    recorder: Recorder,
    capture: Capture,
    endpoint: str,
    capsys: pytest.CaptureFixture[str],
    keys: str,
    close: bool,
) -> None:
    code, _ = run_inline(recorder, keys, close)

    assert code == 0
    assert not record_file().exists()
    assert recorder.pending == []
    assert "Cancelled: nothing was recorded or sent" in capsys.readouterr().out
    _nothing_sent(capture)


def test_the_explanation_names_what_is_and_is_not_collected(recorder: Recorder) -> None:
    _, shown = run_inline(recorder, "n")

    flat = " ".join(shown.split())
    for name in schema.current().events:
        assert name in flat
    for field in schema.current().envelope:
        assert field in flat
    for never in onboarding.NEVER_COLLECTED:
        assert " ".join(never.split()) in flat
    assert "doorstep telemetry preview" in flat
    assert "doorstep settings" in flat
    assert all(len(line) <= inline.WIDTH for line in shown.splitlines())


def test_the_policy_off_default_is_no(recorder: Recorder) -> None:
    wizard = Wizard(recorder, onboarding.INLINE, share=False)
    with create_pipe_input() as pipe:
        pipe.send_text("\r")
        answer = inline.ask(wizard, pipe, DummyOutput(), io.StringIO())
    assert answer.confirmed and answer.share is False


def test_run_asks_on_a_real_pseudo_terminal(recorder: Recorder) -> None:
    # inline.run is handed a descriptor on the terminal (what /dev/tty gives setup).
    controller, terminal = os.openpty()
    screen = bytearray()

    def drain() -> None:
        # Read what the flow draws, so it never blocks on a full terminal buffer.
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        os.write(controller, b"n")
        answer = inline.run(Wizard(recorder, onboarding.INLINE), terminal)
    finally:
        os.close(terminal)
        reader.join(timeout=5)
        os.close(controller)

    assert answer.confirmed and answer.share is False
    text = screen.decode("utf-8", "replace")
    assert inline.QUESTION in text
    assert "Never collected" in text
