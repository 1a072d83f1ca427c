"""``doorstep setup`` without a screen: flags, the environment, a saved choice, the policy.

Each run is a real process in a new session (so no controlling terminal: /dev/tty
cannot be opened, as under a CI runner), with stdin a pipe as install.sh gives it,
real files in the test's HOME and a real server on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from doorstep.delivery.telemetry import Recorder
from doorstep.foundation import product
from doorstep.onboarding import setup
from tests.support.capture import Capture
from tests.support.cli import TIMEOUT
from tests.tui.conftest import TRACE, args, names, record_file, saved, spool_file

INSTALL_EVENTS = ["install_started", "install_stage_completed", "install_stage_completed"]
INSTALL_END = ["install_stage_completed", "install_completed"]
SKIPPED = ["onboarding_step_skipped"] * 3


def run(*argv: str, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    """``python -m doorstep setup ARGV`` with no terminal and a pipe for stdin."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "doorstep", "setup", *argv],
        env=full_env,
        input="",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        start_new_session=True,
    )


def _no_connection(capture: Capture) -> None:
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)


def _no_screen(result: subprocess.CompletedProcess[str]) -> None:
    assert "\x1b[" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("argv", "env", "reason"),
    [
        ((), {}, "there is no terminal to ask on"),
        # install.sh adds --yes when it finds no terminal: the note names the real cause.
        (("--yes",), {}, "there is no terminal to ask on"),
        (("-y", "--inline"), {}, "there is no terminal to ask on"),
        ((), {"CI": "true"}, "this looks like CI"),
        (("--yes",), {"NONINTERACTIVE": "1"}, "NONINTERACTIVE is set"),
    ],
)
def test_undecided_without_asking_records_and_sends_nothing(
    capture: Capture, endpoint: str, argv: tuple[str, ...], env: dict[str, str], reason: str
) -> None:
    result = run(*argv, "--install-trace", TRACE, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1
    assert f"({reason})" in result.stdout
    assert "nothing was recorded or sent" in result.stdout
    assert "doorstep telemetry enable|disable" in result.stdout
    _no_screen(result)
    assert not record_file().exists()
    assert not spool_file().exists()
    _no_connection(capture)


def test_yes_with_a_terminal_asks_nothing(
    recorder: Recorder, capture: Capture, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[object] = []

    code = setup.run(
        args(yes=True, install_trace=TRACE), recorder.product, recorder, ask=asked.append
    )

    assert code == 0 and asked == []
    assert "(--yes was given): nothing was recorded or sent" in capsys.readouterr().out
    assert not record_file().exists()
    assert recorder.pending == []
    _no_connection(capture)


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (("--no-telemetry",), {}),
        (("--telemetry",), {"DO_NOT_TRACK": "1"}),
        ((), {"DOORSTEP_TELEMETRY": "0"}),
        (("--yes", "--no-telemetry", "--inline"), {"CI": "1"}),
    ],
)
def test_off_by_flag_or_environment_is_saved_silently_and_sends_nothing(
    capture: Capture, endpoint: str, argv: tuple[str, ...], env: dict[str, str]
) -> None:
    result = run(*argv, "--install-trace", TRACE, env=env)

    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    record = saved()
    assert record is not None and record.enabled is False and record.consent_source == "flag"
    assert not spool_file().exists()
    _no_connection(capture)


@pytest.mark.parametrize("env", [{"DO_NOT_TRACK": "1"}, {"DOORSTEP_TELEMETRY": "0"}])
def test_a_variable_keeps_it_off_but_never_overwrites_a_saved_yes(
    capture: Capture, endpoint: str, env: dict[str, str]
) -> None:
    enabled = run("--telemetry", "--install-trace", TRACE, env={"DO_NOT_TRACK": ""})
    assert enabled.returncode == 0, enabled.stderr
    before = record_file().read_bytes()
    assert capture.wait_for(lambda c: len(c.bodies()) > 0)  # the install, sent
    sent = len(capture.bodies())

    result = run("--install-trace", TRACE, env=env)

    assert result.returncode == 0, result.stderr
    assert record_file().read_bytes() == before, "the saved yes and its id are kept"
    assert len(capture.bodies()) == sent  # off for now: nothing more is sent
    # The person's own flag does overwrite it.
    refused = run("--no-telemetry", "--install-trace", TRACE, env=env)
    assert refused.returncode == 0, refused.stderr
    record = saved()
    assert record is not None and record.enabled is False and record.install_id is None


@pytest.mark.parametrize(("argv", "env"), [(("--telemetry",), {}), (("-y", "--telemetry"), {})])
def test_on_by_flag_sends_the_install_with_skipped_steps(
    capture: Capture, endpoint: str, argv: tuple[str, ...], env: dict[str, str]
) -> None:
    result = run(*argv, "--install-trace", TRACE, env=env)

    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    record = saved()
    assert record is not None and record.enabled and record.consent_source == "flag"
    expected = [*INSTALL_EVENTS, *SKIPPED, "onboarding_completed", *INSTALL_END]
    assert capture.wait_for(lambda c: len(c.events()) >= len(expected))
    events = capture.events()
    assert names(events) == expected
    skipped = [e["props"]["step"] for e in events if e["name"] == "onboarding_step_skipped"]
    assert skipped == ["welcome", "privacy", "finish"]
    completed = next(e for e in events if e["name"] == "onboarding_completed")
    assert completed["props"]["ui"] == "none"
    assert completed["props"]["viewed_payload"] is False
    assert capture.bodies()[0]["envelope"]["install_id"] == record.install_id


def test_on_by_the_environment_sends_for_this_process_and_saves_nothing(
    capture: Capture, endpoint: str
) -> None:
    # A variable inherited from a CI image or a shared profile is not a person's yes.
    result = run("--install-trace", TRACE, env={"DOORSTEP_TELEMETRY": "1"})

    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert not record_file().exists()
    expected = [*INSTALL_EVENTS, *SKIPPED, "onboarding_completed", *INSTALL_END]
    assert capture.wait_for(lambda c: len(c.events()) >= len(expected))
    assert names(capture.events()) == expected
    # Later runs without the variable are undecided: nothing more is sent.
    assert run("--install-trace", TRACE).returncode == 0
    assert not record_file().exists()


def test_a_saved_off_stands_and_says_where_to_change_it(capture: Capture, endpoint: str) -> None:
    assert run("--no-telemetry").returncode == 0
    before = record_file().read_bytes()

    result = run("--install-trace", TRACE)

    assert result.returncode == 0
    assert result.stdout.startswith("Usage data: off (your choice, saved on ")
    assert "doorstep settings" in result.stdout
    assert record_file().read_bytes() == before
    _no_connection(capture)


def test_a_saved_on_counts_the_install_but_not_a_wizard(capture: Capture, endpoint: str) -> None:
    assert run("--telemetry").returncode == 0
    assert capture.wait_for(lambda c: len(c.events()) >= 4)
    first = len(capture.events())

    result = run("--install-trace", TRACE)

    assert result.returncode == 0
    assert result.stdout.startswith("Usage data: on (your choice")
    expected = [*INSTALL_EVENTS, *INSTALL_END]
    assert capture.wait_for(lambda c: len(c.events()) >= first + len(expected))
    assert names(capture.events()[first:]) == expected


def test_a_record_that_cannot_be_written_is_one_line_and_sends_nothing(
    home: Path, capture: Capture, endpoint: str
) -> None:
    (home / ".config").mkdir()
    (home / ".config" / "doorstep").write_text("a file, not a folder", encoding="utf-8")

    result = run("--telemetry", "--install-trace", TRACE)

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("doorstep: cannot save your choice")
    _no_screen(result)
    assert not spool_file().exists()
    _no_connection(capture)


def test_an_unreadable_record_counts_as_no_choice(capture: Capture, endpoint: str) -> None:
    where = record_file()
    where.parent.mkdir(parents=True)
    where.write_text("enabled = maybe\n", encoding="utf-8")

    result = run("--yes")

    assert result.returncode == 0
    assert result.stderr.startswith("doorstep: warning: ")
    assert result.stderr.count("\n") == 1
    assert "nothing was recorded or sent" in result.stdout
    _no_connection(capture)


def test_policy_notice_turns_it_on_with_the_notice(
    capture: Capture, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    notice = dataclasses.replace(product.current(), policy="notice")
    recorder = Recorder(notice)

    code = setup.run(args(yes=True, install_trace=TRACE), notice, recorder)

    assert code == 0
    assert "shares anonymous usage data" in capsys.readouterr().err
    record = saved()
    assert record is not None and record.enabled and record.consent_source == "notice"
    expected = [*INSTALL_EVENTS, *SKIPPED, "onboarding_completed", *INSTALL_END]
    assert capture.wait_for(lambda c: len(c.events()) >= len(expected))
    assert names(capture.events()) == expected


def test_policy_off_records_nothing_and_says_nothing(
    capture: Capture, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    off = dataclasses.replace(product.current(), policy="off")
    recorder = Recorder(off)

    code = setup.run(args(yes=True, install_trace=TRACE), off, recorder)

    assert code == 0
    assert capsys.readouterr() == ("", "")
    assert not record_file().exists()
    assert recorder.pending == []
    _no_connection(capture)


PROBE = """
import io, json, sys, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    from doorstep import cli
    cli.main(["setup", *{argv!r}])
names = {{".".join(n.split(".")[:depth]) for n in sys.modules for depth in (1, 2)}}
print(json.dumps(sorted(names & {heavy!r})))
"""


@pytest.mark.parametrize("argv", [[], ["--yes"], ["--no-telemetry"], ["--telemetry"]])
def test_setup_without_a_screen_loads_no_screen_library(argv: list[str]) -> None:
    heavy = {"textual", "questionary", "prompt_toolkit", "rich", "doorstep.tui"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=heavy)],
        input="",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        start_new_session=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
