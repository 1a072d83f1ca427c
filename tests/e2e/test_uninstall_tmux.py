"""`doorstep uninstall` asks on the person's terminal, and obeys the answer: a real
terminal through tmux, with something installed to remove (a consent record)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.foundation import paths
from tests.e2e import tmux
from tests.support import cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux.available(), reason="tmux is not installed"),
]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tmux.Terminal]:
    with tmux.Terminal(tmp_path, 100, 30) as the_terminal:
        yield the_terminal


def test_uninstall_asks_and_n_keeps_everything_y_removes_it(
    terminal: tmux.Terminal, home: Path
) -> None:
    assert cli.run("telemetry", "disable").returncode == 0
    record = paths.for_product().record
    assert record.exists()
    uninstall = shlex.join([sys.executable, "-m", "doorstep", "uninstall"])
    terminal.start_shell(home)

    terminal.send(f"{uninstall}; echo exit=$?", "Enter")
    terminal.wait_for("and everything listed above? [y/N]")
    terminal.send("n", "Enter")
    screen = terminal.wait_for("exit=1")
    assert "uninstall cancelled: nothing was removed" in screen
    assert "no terminal to confirm on" not in screen
    assert record.exists()

    terminal.send("clear", "Enter")
    terminal.send(f"{uninstall}; echo exit=$?", "Enter")
    terminal.wait_for("and everything listed above? [y/N]")
    terminal.send("y", "Enter")
    screen = terminal.wait_for("exit=0")
    assert "Traceback" not in screen
    assert not record.exists()
