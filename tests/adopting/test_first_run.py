"""ACME's first run without install.sh (pip, pipx, uv tool): with policy "ask", a run with a
person at a terminal asks once, inline, before anything is sent; in a pipe, a script or
with no terminal at all, nothing is asked and nothing is sent.

The terminal runs are real: tmux, a real pty, the installed tool, a real server on
127.0.0.1. Nothing is mocked.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.adopting.tools import Env, Installed, files_under, strip_temp
from tests.e2e import tmux
from tests.pipeline.processes import wait_for_senders
from tests.support.capture import Capture

QUESTION = "Share anonymous usage data?"


def assert_nothing_arrives(capture: Capture, home: Path) -> None:
    wait_for_senders(home)
    # A sender would connect within moments; give it a bounded chance to.
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
    assert capture.connections == 0


@pytest.mark.parametrize("stdin", ["pipe", "devnull"])
def test_without_a_terminal_nothing_is_asked_or_sent(
    acme: Installed, home: Path, user_env: Env, capture: Capture, stdin: str
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    # A new session has no controlling terminal: /dev/tty cannot be opened, as under CI.
    done = subprocess.run(
        [str(acme.bin_dir / "acme"), "deploy"],
        env=env,
        input="y\n" if stdin == "pipe" else None,
        stdin=subprocess.DEVNULL if stdin == "devnull" else None,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=home,
        start_new_session=True,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "deploy: done\n", "")
    assert_nothing_arrives(capture, home)
    assert files_under(home) == []  # undecided: no record, no spool, no counts
    assert acme.status(env)["state"] == "undecided"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tmux.Terminal]:
    # Tall enough that the explanation, the question and two runs' output all stay on screen.
    with tmux.Terminal(tmp_path, 80, 60) as the_terminal:
        yield the_terminal


def start_in_terminal(
    terminal: tmux.Terminal, home: Path, acme: Installed, endpoint: str, script: str
) -> Path:
    """Run ``script`` (``acme`` is the installed command) in the terminal; returns the file
    its exit codes go to."""
    exits = home.parent / "exits"
    command = shlex.quote(str(acme.bin_dir / "acme"))
    body = script.replace("acme", command).replace("EXITS", shlex.quote(str(exits)))
    terminal.start(
        ["sh", "-c", f"{body}; exec sleep 300"],
        env={"HOME": str(home), "ACME_TELEMETRY_ENDPOINT": endpoint, "NO_PROXY": "127.0.0.1"},
        # The tmux server may carry CI=true from the machine: the person here is not CI.
        unset=["CI", "NONINTERACTIVE", "DO_NOT_TRACK", "ACME_TELEMETRY", "XDG_CONFIG_HOME"],
    )
    return exits


def wait_for_lines(path: Path, count: int) -> list[str]:
    """The first ``count`` lines of ``path`` once it has them (bounded polling)."""
    lines: list[str] = []
    for _ in range(tmux.POLLS):
        if path.is_file():
            lines = path.read_text(encoding="utf-8").split()
            if len(lines) >= count:
                return lines[:count]
        time.sleep(tmux.INTERVAL)
    raise AssertionError(f"{path} never held {count} lines: {lines}")


@pytest.mark.e2e
@pytest.mark.skipif(not tmux.available(), reason="tmux is not installed")
def test_at_a_terminal_it_asks_once_and_a_no_sends_nothing(
    acme: Installed, home: Path, capture: Capture, terminal: tmux.Terminal
) -> None:
    exits = start_in_terminal(
        terminal,
        home,
        acme,
        capture.url,
        "acme deploy; echo $? >> EXITS; acme deploy; echo $? >> EXITS",
    )
    screen = terminal.wait_for(QUESTION)
    assert "Acme can share anonymous usage data" in screen
    assert "Nothing has been sent so far." in screen
    assert capture.connections == 0  # asked before anything is sent
    assert not (home / ".config/acme/telemetry.toml").exists()
    terminal.send("n")
    terminal.send("Enter")

    assert wait_for_lines(exits, 2) == ["0", "0"]
    screen = terminal.wait_for("deploy: done")
    assert screen.count(QUESTION) == 1  # the second run found the answer and did not ask
    assert screen.count("deploy: done") == 2
    assert "Traceback" not in screen
    assert "doorstep" not in strip_temp(screen, home.parent).lower()
    record = consent_record.read(home / ".config/acme/telemetry.toml").record
    assert record is not None and record.enabled is False
    assert record.consent_source == "inline"
    assert_nothing_arrives(capture, home)
    assert files_under(home) == [".config/acme/telemetry.toml"]


@pytest.mark.e2e
@pytest.mark.skipif(not tmux.available(), reason="tmux is not installed")
def test_at_a_terminal_a_yes_sends_the_run_that_asked(
    acme: Installed, home: Path, capture: Capture, terminal: tmux.Terminal
) -> None:
    exits = start_in_terminal(terminal, home, acme, capture.url, "acme deploy; echo $? >> EXITS")
    terminal.wait_for(QUESTION)
    assert capture.connections == 0
    terminal.send("y")
    terminal.send("Enter")

    assert wait_for_lines(exits, 1) == ["0"]
    terminal.wait_for("deploy: done")
    record = consent_record.read(home / ".config/acme/telemetry.toml").record
    assert record is not None and record.enabled and record.consent_source == "inline"
    wait_for_senders(home)
    assert capture.wait_for(lambda c: any(e["name"] == "command_run" for e in c.events()))
    run = [e for e in capture.events() if e["name"] == "command_run"]
    assert [e["props"] for e in run] == [{"command": "deploy", "ok": True}]
    assert {b["envelope"]["install_id"] for b in capture.bodies()} == {record.install_id}


@pytest.mark.e2e
@pytest.mark.skipif(not tmux.available(), reason="tmux is not installed")
def test_at_a_terminal_with_output_in_a_pipe_nothing_is_asked(
    acme: Installed, home: Path, capture: Capture, terminal: tmux.Terminal
) -> None:
    # stdin is the terminal, stdout a pipe: a script is reading, so no question.
    exits = start_in_terminal(
        terminal, home, acme, capture.url, "acme deploy | cat; echo $? >> EXITS"
    )
    assert wait_for_lines(exits, 1) == ["0"]
    screen = terminal.wait_for("deploy: done")
    assert QUESTION not in screen
    assert_nothing_arrives(capture, home)
    assert files_under(home) == []
