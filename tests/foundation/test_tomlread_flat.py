"""The consent record's own reader (``tomlread.loads_flat``) makes exactly what tomllib
makes of every text it takes, and takes every record doorstep writes; the rest goes to
tomllib as before. The record's date check is ``date.fromisoformat``'s, without it."""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.consent import record as consent_record
from doorstep.consent.record import ConsentRecord
from doorstep.foundation import tomlread

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11 only
    import tomli as tomllib

SOURCES = st.sampled_from(consent_record.SOURCES)
# Kinds of data as the schema names them, and any text at all, escapes included.
KINDS = st.lists(
    st.one_of(st.from_regex(r"[a-z_]{1,20}(\.[a-z_]{1,20})?", fullmatch=True), st.text()),
    max_size=8,
)
RECORDS = st.builds(
    ConsentRecord,
    enabled=st.booleans(),
    consent_source=SOURCES,
    decided_on=st.dates().map(datetime.date.isoformat),
    install_id=st.builds(consent_record.new_install_id),
    salt=st.builds(consent_record.new_salt),
    notice_shown=st.booleans(),
    agreed=st.one_of(st.none(), KINDS.map(tuple)),
)


def agrees(text: str) -> None:
    """loads_flat takes ``text`` and returns what tomllib returns, or declines it."""
    found = tomlread.loads_flat(text)
    if found is None:
        return
    expected: dict[str, Any] = tomllib.loads(text)  # must not raise: the text is TOML
    assert found == expected
    assert [type(v) for v in found.values()] == [type(v) for v in expected.values()]


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_every_record_doorstep_writes_is_read_as_tomllib_reads_it(saved: ConsentRecord) -> None:
    text = saved.to_toml()
    agrees(text)
    if not any(c < " " or c in '\\"\x7f' for c in "".join(saved.agreed or ())):
        assert tomlread.loads_flat(text) == tomllib.loads(text)


@settings(max_examples=300, deadline=None)
@given(RECORDS, st.data())
def test_an_edited_record_is_read_as_tomllib_reads_it_or_left_to_it(
    saved: ConsentRecord, data: st.DataObject
) -> None:
    text = saved.to_toml()
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 3))
    noise = data.draw(st.sampled_from(["", " ", "\n", "#", '"', "\\", "[", "]", ",", "=", "\t"]))
    agrees(text[:at] + noise + text[at + cut :])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*'ab_-19 ="[],\n\\#.é', "true", "false", " = ", "    "])))
def test_any_text_is_read_as_tomllib_reads_it_or_left_to_it(pieces: list[str]) -> None:
    agrees("".join(pieces))


def test_the_forms_it_takes_and_those_it_leaves() -> None:
    assert tomlread.loads_flat('a = [\n    "x",\n    "y",\n]\nb = []\nc = ["z", "w"]\n') == {
        "a": ["x", "y"],
        "b": [],
        "c": ["z", "w"],
    }
    for text in (
        "a = 1",  # no final newline
        "a = 1\na = 2\n",  # a key twice (tomllib rejects it)
        "a = 01\n",
        'a = "x\\ty"\n',  # an escape
        "a = 1 # a comment\n",
        "[table]\n",
        'a = [\n    "x",,\n]\n',
        'a = ["x",,]\n',
        "a.b = 1\n",
        "a = 2026-11-22\n",
    ):
        assert tomlread.loads_flat(text) is None, text


def test_a_hand_edited_record_is_still_read_by_tomllib(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.toml"
    path.write_text(
        "# edited by hand\nschema_version = 1\nenabled = false\n"
        "consent_source = 'cli'\ndecided_on = 2026-11-22\n",
        encoding="utf-8",
    )
    found = consent_record.read(path)
    assert found.problem is None and found.record is not None
    assert found.record.enabled is False and found.record.decided_on == "2026-11-22"


def test_the_date_check_is_what_fromisoformat_accepts() -> None:
    def reference(text: str) -> bool:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is None:
            return False
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return False
        return True

    for year in ("0000", "0001", "1900", "2000", "2004", "2023", "2024", "2100", "9999"):
        for month in range(14):
            for day in range(33):
                text = f"{year}-{month:02d}-{day:02d}"
                assert consent_record._is_date(text) is reference(text), text
    for text in ("2026-W47-1", "20261122", "2026-11-2", "2026-11-22\n", "２０２６-11-22"):
        assert consent_record._is_date(text) is reference(text) is False
