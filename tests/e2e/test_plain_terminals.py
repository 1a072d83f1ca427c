"""A terminal that cannot show a full screen (TERM dumb or unknown, a tiny window) is
asked through the inline flow, in plain text, with the same decisions. Real tmux."""

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


def terminal_of(tmp_path: Path, width: int, height: int) -> Iterator[tmux.Terminal]:
    with tmux.Terminal(tmp_path, width, height) as the_terminal:
        yield the_terminal


@pytest.mark.parametrize(
    ("term", "size"),
    [("dumb", (80, 24)), ("no-such-terminal", (80, 24)), ("xterm", (36, 24)), ("xterm", (80, 8))],
    ids=["dumb", "unknown", "narrow", "short"],
)
@pytest.mark.parametrize("answer", ["y", "n"])
def test_setup_asks_inline_in_plain_text(
    tmp_path: Path,
    home: Path,
    capture: Capture,
    endpoint: str,
    term: str,
    size: tuple[int, int],
    answer: str,
) -> None:
    exit_file = home.parent / "setup.exit"
    setup = shlex.join([sys.executable, "-m", "doorstep", "setup", "--install-trace", TRACE])
    script = f"{setup}; echo $? > {shlex.quote(str(exit_file))}; exec sleep 300"
    for terminal in terminal_of(tmp_path, *size):
        terminal.start(
            ["sh", "-c", script],
            env={"HOME": str(home), "TERM": term, "DOORSTEP_TELEMETRY_ENDPOINT": endpoint},
            unset=["CI", "NONINTERACTIVE", "DO_NOT_TRACK", "DOORSTEP_TELEMETRY", "TERMINFO"],
        )
        terminal.wait_for("Share anonymous usage data?")
        assert not terminal.alternate_screen()
        terminal.send(answer, "Enter")
        assert tmux.wait_for_file(exit_file).strip() == "0"
        screen = terminal.wait_for("Usage data:")
        assert "Traceback" not in screen
    record = consent_record.read(paths.for_product().record).record
    assert record is not None and record.enabled is (answer == "y")
    assert record.consent_source == "inline"
    if answer == "n":
        assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
    else:
        assert capture.wait_for(
            lambda c: any(e["name"] == "onboarding_completed" for e in c.events())
        )
