"""``doorstep setup`` in a real terminal (tmux), with stdin a pipe as install.sh gives it.

Nothing is mocked: a real tmux terminal, the real command, real files in the test's
HOME, a real server on 127.0.0.1. The screen is read as plain text, where colour is
lost, so the toggle's state must be readable in words.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.foundation import paths
from tests.e2e import tmux
from tests.support.capture import Capture
from tests.tui.conftest import TRACE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux.available(), reason="tmux is not installed"),
]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tmux.Terminal]:
    with tmux.Terminal(tmp_path, 80, 24) as the_terminal:
        yield the_terminal


def start_setup(terminal: tmux.Terminal, home: Path, endpoint: str, redirect: str = "") -> Path:
    """Start ``… | doorstep setup`` as install.sh does; returns the file its exit code goes to."""
    exit_file = home.parent / "setup.exit"
    setup = shlex.join([sys.executable, "-m", "doorstep", "setup", "--install-trace", TRACE])
    script = (
        f"echo 'the rest of install.sh' | {setup} {redirect}; "
        f"echo $? > {shlex.quote(str(exit_file))}; exec sleep 300"
    )
    terminal.start(
        ["sh", "-c", script],
        env={"HOME": str(home), "DOORSTEP_TELEMETRY_ENDPOINT": endpoint, "NO_PROXY": "127.0.0.1"},
        # CI runs these tests with CI=true: the person in this terminal is not CI.
        unset=["CI", "NONINTERACTIVE", "DO_NOT_TRACK", "DOORSTEP_TELEMETRY", "XDG_CONFIG_HOME"],
    )
    return exit_file


def test_piped_setup_toggle_off_and_confirm_records_off_and_sends_nothing(
    terminal: tmux.Terminal, home: Path, capture: Capture, endpoint: str
) -> None:
    exit_file = start_setup(terminal, home, endpoint)

    terminal.wait_for("Welcome to Doorstep")
    terminal.send("Enter")
    screen = terminal.wait_for("Share anonymous usage data")
    assert "[x] Share anonymous usage data: ON" in screen
    terminal.send("Space")
    screen = terminal.wait_for("[ ] Share anonymous usage data: OFF")
    assert "OFF: nothing is sent, now or later" in screen
    terminal.send("Enter")
    screen = terminal.wait_for("step 3 of 3")
    assert "Share anonymous usage data: OFF" in screen
    terminal.send("Enter")

    assert tmux.wait_for_file(exit_file).strip() == "0"
    screen = terminal.wait_for("Usage data: off")
    assert "Traceback" not in screen
    record = consent_record.read(paths.for_product().record).record
    assert record is not None and record.enabled is False
    assert record.consent_source == "wizard"
    assert not paths.for_product().spool.exists()
    # A sender would connect within moments; give it a bounded chance to.
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
    assert capture.connections == 0


def test_piped_setup_with_output_redirected_still_draws_on_the_terminal(
    terminal: tmux.Terminal, home: Path, capture: Capture, endpoint: str
) -> None:
    log = home.parent / "install.log"
    exit_file = start_setup(terminal, home, endpoint, f"> {shlex.quote(str(log))} 2>&1")

    terminal.wait_for("Welcome to Doorstep")
    terminal.send("Enter")
    terminal.wait_for("[x] Share anonymous usage data: ON")
    terminal.send("Enter")
    terminal.wait_for("step 3 of 3")
    terminal.send("Enter")

    assert tmux.wait_for_file(exit_file).strip() == "0"
    record = consent_record.read(paths.for_product().record).record
    assert record is not None and record.enabled and record.consent_source == "wizard"
    # The screen went to the terminal; the log holds the one closing line, no escapes.
    assert tmux.wait_for_file(log).startswith("Usage data: on")
    assert "\x1b" not in log.read_text(encoding="utf-8")
    assert capture.wait_for(lambda c: any(e["name"] == "install_completed" for e in c.events()))
    assert "onboarding_completed" in [e["name"] for e in capture.events()]


def test_a_resize_redraws_and_ctrl_c_cancels(
    terminal: tmux.Terminal, home: Path, capture: Capture, endpoint: str
) -> None:
    exit_file = start_setup(terminal, home, endpoint)

    terminal.wait_for("Welcome to Doorstep")
    terminal.send("Enter")
    terminal.wait_for("[x] Share anonymous usage data: ON")
    terminal.resize(60, 15)
    # Redrawn for 60 columns: the key line wraps, and the buttons moved up into view.
    screen = terminal.wait_for("\n ↑↓ scroll · q quit")
    assert screen.splitlines()[0].strip() == "Doorstep setup · step 2 of 3: Privacy"
    assert "[x] Share anonymous usage data: ON" in screen
    assert "Continue →" in screen
    # The screen is raw: Ctrl-C reaches it as a key, not as a signal to install.sh.
    terminal.send("C-c")

    assert tmux.wait_for_file(exit_file).strip() == "0"
    terminal.wait_for("Cancelled: nothing was recorded or sent")
    assert not paths.for_product().record.exists()
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
