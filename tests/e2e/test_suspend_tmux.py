"""Ctrl-Z in the onboarding suspends the whole job and gives the shell the terminal;
`fg` resumes and redraws, and nothing typed meanwhile answers the wizard. Real tmux,
a real interactive shell with job control, stdin a pipe as install.sh gives it."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.foundation import paths
from tests.e2e import tmux
from tests.tui.conftest import TRACE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux.available(), reason="tmux is not installed"),
]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tmux.Terminal]:
    with tmux.Terminal(tmp_path, 80, 24) as the_terminal:
        yield the_terminal


def test_ctrl_z_suspends_and_fg_resumes_without_answering(
    terminal: tmux.Terminal, home: Path
) -> None:
    setup = shlex.join([sys.executable, "-m", "doorstep", "setup", "--install-trace", TRACE])
    terminal.start_shell(home)
    # As install.sh runs it: in a pipeline, stdin a pipe, the terminal through /dev/tty.
    terminal.send(f"echo piped | {setup}", "Enter")
    terminal.wait_for("Welcome to Doorstep")
    terminal.send("Enter")
    terminal.wait_for("step 2 of 3")
    terminal.send("Enter")
    terminal.wait_for("step 3 of 3")

    terminal.send("C-z")
    screen = terminal.wait_for("Stopped")
    assert not terminal.alternate_screen()
    assert "shell$" in screen
    record = paths.for_product().record
    assert not record.exists()

    terminal.send("f", "g", "Enter")  # typed at the shell, as a person would
    terminal.wait_for("step 3 of 3")
    assert terminal.alternate_screen()
    assert not record.exists(), "the Enter of `fg` must not confirm the wizard"

    terminal.send("Enter")  # now the person confirms
    screen = terminal.wait_for("Usage data: on")
    assert "Traceback" not in screen
    saved = consent_record.read(record).record
    assert saved is not None and saved.consent_source == "wizard"
