"""The consent record on disk: written atomically with mode 0600, read without ever failing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.consent import record as consent_record
from doorstep.consent.record import ConsentRecord
from tests.support import unprivileged
from tests.support.cli import run

RECORD = Path(".config/doorstep/telemetry.toml")
VALID = """schema_version = 1
enabled = true
install_id = "3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a"
salt = "00112233445566778899aabbccddeeff"
consent_source = "wizard"
notice_shown = false
decided_on = "2026-11-22"
"""

BROKEN: dict[str, bytes] = {
    "empty": b"",
    "garbage": b"this is not toml at all {{{\n",
    "binary": bytes(range(256)) * 4,
    "noise_10mb": os.urandom(10 * 1024 * 1024),
    "enabled_is_text": VALID.replace("enabled = true", 'enabled = "yes"').encode(),
    "enabled_missing": VALID.replace("enabled = true\n", "").encode(),
    "version_is_text": VALID.replace("schema_version = 1", 'schema_version = "1"').encode(),
    "version_from_future": VALID.replace("schema_version = 1", "schema_version = 7").encode(),
    "id_not_uuid": VALID.replace("3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a", "me@example.com").encode(),
    "id_is_list": VALID.replace('"3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a"', "[1, 2]").encode(),
    "salt_missing": "\n".join(line for line in VALID.splitlines() if "salt" not in line).encode(),
    "source_unknown": VALID.replace('"wizard"', '"telepathy"').encode(),
    "date_is_time": VALID.replace('"2026-11-22"', '"2026-11-22T10:00:00"').encode(),
    "notice_is_int": VALID.replace("notice_shown = false", "notice_shown = 0").encode(),
    "utf16": VALID.encode("utf-16"),
}


def _place(home: Path, content: bytes) -> Path:
    path = home / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _assert_one_warning_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("doorstep: warning:")
    assert "telemetry.toml" in lines[0]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_record_is_no_decision_with_one_warning(home: Path, case: str) -> None:
    path = _place(home, BROKEN[case])
    status = run("telemetry", "status")
    assert status.returncode == 0
    _assert_one_warning_no_traceback(status.stderr)
    assert status.stdout.startswith("Telemetry: undecided")
    assert "could not be read" in status.stdout

    enable = run("telemetry", "enable")
    assert enable.returncode == 0, enable.stderr
    assert "Traceback" not in enable.stderr
    rewritten = consent_record.read(path)
    assert rewritten.record is not None and rewritten.record.enabled
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_record_that_is_a_folder(home: Path) -> None:
    path = home / RECORD
    path.mkdir(parents=True)
    status = run("telemetry", "status")
    assert status.returncode == 0
    _assert_one_warning_no_traceback(status.stderr)
    assert "is a folder" in status.stderr
    # Replacing someone's folder is not ours to do: one line and exit 1.
    enable = run("telemetry", "enable")
    assert enable.returncode == 1
    assert "Traceback" not in enable.stderr
    assert len(enable.stderr.strip().splitlines()) == 1
    assert path.is_dir()


def test_unreadable_record_mode_000(home: Path) -> None:
    path = _place(home, VALID.encode())
    path.chmod(0)
    status = unprivileged.run("telemetry", "status")
    assert status.returncode == 0
    _assert_one_warning_no_traceback(status.stderr)
    assert "permission denied" in status.stderr
    assert status.stdout.startswith("Telemetry: undecided")
    # The next decision rewrites it cleanly (the folder is writable, the file is not).
    disable = unprivileged.run("telemetry", "disable")
    assert disable.returncode == 0, disable.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = consent_record.read(path).record
    assert record is not None and record.enabled is False


def test_written_record_is_0600_and_the_documented_shape(home: Path) -> None:
    assert run("telemetry", "enable").returncode == 0
    path = home / RECORD
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for key in (
        "schema_version = 1",
        "enabled = true",
        "install_id = ",
        "salt = ",
        'consent_source = "cli"',
        "notice_shown = false",
        "decided_on = ",
    ):
        assert key in text
    assert "T" not in text.split("decided_on = ")[1], "a date, never a time of day"
    assert [p.name for p in path.parent.iterdir()] == ["telemetry.toml"], "no temporary left"

    assert run("telemetry", "disable").returncode == 0
    text = path.read_text()
    assert "enabled = false" in text
    assert "install_id" not in text and "salt" not in text


records = st.builds(
    ConsentRecord,
    enabled=st.booleans(),
    consent_source=st.sampled_from(consent_record.SOURCES),
    decided_on=st.dates().map(lambda d: d.isoformat()),
    install_id=st.uuids(version=4).map(str),
    salt=st.binary(min_size=16, max_size=16).map(bytes.hex),
    notice_shown=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(records)
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, record: ConsentRecord) -> None:
    path = tmp_path_factory.mktemp("rt") / "telemetry.toml"
    consent_record.write(path, record)
    read = consent_record.read(path)
    expected = (
        record
        if record.enabled
        else ConsentRecord(
            False, record.consent_source, record.decided_on, notice_shown=record.notice_shown
        )
    )
    assert read.record == expected
    assert read.problem is None


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=2048), st.text(max_size=2048).map(str.encode)))
def test_reading_any_bytes_never_raises(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("any") / "telemetry.toml"
    path.write_bytes(raw)
    read = consent_record.read(path)
    assert (read.record is None) != (read.problem is None)
    if read.problem:
        assert "\n" not in read.problem


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "schema_version",
                "enabled",
                "install_id",
                "salt",
                "consent_source",
                "notice_shown",
                "decided_on",
                "extra",
            ]
        ),
        st.one_of(
            st.booleans(),
            st.integers(),
            st.text(max_size=40),
            st.dates(),
            st.lists(st.integers(), max_size=3),
        ),
    )
)
def test_any_toml_document_is_a_record_or_a_problem(
    tmp_path_factory: pytest.TempPathFactory, data: dict
) -> None:
    import tomli_w

    path = tmp_path_factory.mktemp("doc") / "telemetry.toml"
    path.write_text(tomli_w.dumps(data))
    read = consent_record.read(path)
    assert (read.record is None) != (read.problem is None)
    if read.record is not None:
        assert read.record.enabled == data["enabled"]
