"""The telemetry commands as a person uses them: one-line confirmations, exit codes, hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.delivery.spool import Spool
from tests.support.cli import run
from tests.support.entries import entries

RECORD = Path(".config/doorstep/telemetry.toml")
SPOOL = Path(".local/state/doorstep/spool.jsonl")


def _id(home: Path) -> str | None:
    record = consent_record.read(home / RECORD).record
    assert record is not None
    return record.install_id


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["telemetry"],
        ["telemetry", "bogus"],
        ["telemetry", "status", "--bogus"],
        ["telemetry", "enable", "extra"],
        ["setup", "--telemetry", "--no-telemetry"],
        ["uninstall", "--keep"],
    ],
)
def test_usage_errors_exit_2_with_a_hint(argv: list[str]) -> None:
    result = run(*argv)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--help" in result.stderr
    assert result.stdout == ""


def test_usage_error_is_one_line() -> None:
    result = run("telemetry", "bogus")
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("doorstep")


def test_help_and_version_exit_0() -> None:
    help_text = run("--help")
    assert help_text.returncode == 0
    assert "telemetry" in help_text.stdout and "_install" not in help_text.stdout
    assert run("--version").stdout.startswith("doorstep ")


def test_enable_mints_a_new_id_each_time_it_is_turned_on(home: Path) -> None:
    first = run("telemetry", "enable")
    assert first.returncode == 0
    one = _id(home)
    assert first.stdout.strip().splitlines()[0] == (
        f"Telemetry is now on (install id {one}), saved in {home / RECORD}."
    )
    again = run("telemetry", "enable")
    assert "already on" in again.stdout
    assert _id(home) == one, "saying yes again keeps the id"
    run("telemetry", "disable")
    run("telemetry", "enable")
    assert _id(home) not in (None, one)


def test_enable_says_when_nothing_will_be_sent(home: Path) -> None:
    result = run("telemetry", "enable", env={"DO_NOT_TRACK": "1"})
    assert result.returncode == 0
    assert "Note: nothing is sent while DO_NOT_TRACK is set in your environment." in result.stdout
    plain = run("telemetry", "enable")
    assert "no endpoint is configured" in plain.stdout


def test_disable_deletes_the_id_and_the_spool(home: Path) -> None:
    run("telemetry", "enable")
    spool = home / SPOOL
    Spool(spool.parent).append(entries(2))
    (spool.parent / "spool.jsonl.123-abcd.claim").write_bytes(entries(1)[0].line())
    result = run("telemetry", "disable")
    assert result.returncode == 0
    assert result.stdout.strip() == (
        "Telemetry is now off; the install id and 2 waiting events were deleted."
    )
    record = consent_record.read(home / RECORD).record
    assert record is not None and not record.enabled and record.install_id is None
    assert list(spool.parent.iterdir()) == []


def test_disable_claims_no_deletion_when_there_was_nothing_to_delete(home: Path) -> None:
    first = run("telemetry", "disable")  # undecided until now: there was no id
    assert first.returncode == 0
    assert first.stdout.startswith("Telemetry is now off, saved in ")
    again = run("telemetry", "disable")
    assert again.returncode == 0
    assert again.stdout.startswith("Telemetry is already off, saved in ")
    assert "deleted" not in first.stdout + again.stdout
    run("telemetry", "enable")
    assert run("telemetry", "disable").stdout.strip() == (
        "Telemetry is now off; the install id was deleted."
    )


def test_reset_id_replaces_the_id(home: Path) -> None:
    run("telemetry", "enable")
    before = consent_record.read(home / RECORD).record
    assert before is not None
    result = run("telemetry", "reset-id")
    assert result.returncode == 0
    after = consent_record.read(home / RECORD).record
    assert after is not None and after.enabled
    assert after.install_id != before.install_id
    assert after.salt != before.salt
    assert result.stdout.strip().startswith(f"New install id: {after.install_id}")


def test_reset_id_while_off_says_so(home: Path) -> None:
    result = run("telemetry", "reset-id")
    assert result.returncode == 0
    assert result.stdout.strip() == "No install id to reset: telemetry is not on."
    assert not (home / RECORD).exists()


def test_python_dash_m_and_the_console_script_agree(home: Path) -> None:
    import shutil
    import subprocess
    import sys

    script = Path(sys.executable).with_name("doorstep")
    assert script.exists() or shutil.which("doorstep")
    via_script = subprocess.run(
        [str(script), "telemetry", "status", "--json"], capture_output=True, text=True, timeout=60
    )
    via_module = run("telemetry", "status", "--json")
    assert via_script.returncode == via_module.returncode == 0
    assert via_script.stdout == via_module.stdout
