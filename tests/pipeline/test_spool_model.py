"""The spool against a model of its bytes, under any order of appends, claims, give-backs,
releases, discards and half-written lines (hypothesis, on a real disk).

The model is the file as a list of lines: an append adds lines (after a newline when a
killed writer left half a line) and, past the bound, keeps the longest run of newest
whole lines that fits; a claim takes the file whole; a give-back is an append unless a
discard came first. After every step the file holds exactly the model's bytes, never
more than the bound after an append, and what a sender would read is exactly the
model's valid, fresh lines: nothing invented, nothing claimed twice.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Optional

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from doorstep.delivery.spool import MAX_AGE_DAYS, MAX_BYTES, Entry, Spool
from tests.support.entries import entries, today

STALE = today(-(MAX_AGE_DAYS + 1))


def _keep_tail(lines: list[bytes]) -> list[bytes]:
    kept: list[bytes] = []
    size = 0
    for line in reversed(lines):
        if size + len(line) > MAX_BYTES:
            break
        kept.append(line)
        size += len(line)
    return kept[::-1]


class _Claim:
    def __init__(self, path: Path, seqs: list[int], entries: list[Entry]) -> None:
        self.path, self.seqs, self.entries = path, seqs, entries


class SpoolModel(RuleBasedStateMachine):
    claims = Bundle("claims")
    root: Path = Path(".")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(dir=self.root))
        self.spool = Spool(self.folder / "state")
        self.lines: list[bytes] = []  # the spool file, line by line (the last may be half)
        self.fresh: dict[bytes, int] = {}  # line -> seq, for the lines a sender would read
        self.next_seq = 0
        self.claimed: set[int] = set()  # every seq a claim has held and not given back

    def _append_model(self, new: list[Entry]) -> None:
        data = [entry.line() for entry in new]
        if not data:
            return
        if self.lines and not self.lines[-1].endswith(b"\n"):
            self.lines[-1] += b"\n"
        self.lines.extend(data)
        if sum(map(len, self.lines)) > MAX_BYTES:
            self.lines = _keep_tail(self.lines)

    def _new(self, count: int, day: str = "") -> list[Entry]:
        made = entries(count, self.next_seq, day)
        self.next_seq += count
        if not day:
            self.fresh.update((entry.line(), entry.event["seq"]) for entry in made)
        return made

    # A few events, or enough to pass the bound at once; or stale ones, never read back.
    @rule(count=st.integers(1, 40) | st.integers(300, 1200), stale=st.booleans())
    def append(self, count: int, stale: bool) -> None:
        new = self._new(count, day=STALE if stale else "")
        self.spool.append(new)
        self._append_model(new)
        self._check_bound()

    @rule(junk=st.binary(min_size=1, max_size=80).filter(lambda b: b"\n" not in b))
    def a_writer_dies_halfway(self, junk: bytes) -> None:
        if not self.spool.path.exists():
            return
        with open(self.spool.path, "ab") as handle:
            handle.write(junk)
        if self.lines and not self.lines[-1].endswith(b"\n"):
            self.lines[-1] += junk
        else:
            self.lines.append(junk)

    @rule(target=claims)
    def claim(self) -> list[_Claim]:
        taken = self.spool.claim()
        expected = self._readable(self.lines)
        self.lines = []
        found = [self.spool.read_claim(path) for path in taken]
        seqs = [entry.event["seq"] for part in found for entry in part]
        assert seqs == expected
        assert not self.claimed & set(seqs), "an event was claimed twice"
        self.claimed |= set(seqs)
        return [
            _Claim(path, [entry.event["seq"] for entry in part], part)
            for path, part in zip(taken, found)
        ]

    @rule(held=consumes(claims), keep=st.integers(0, 100))
    def give_back(self, held: list[_Claim], keep: int) -> None:
        for claim in held:
            back = claim.entries[: keep % (len(claim.entries) + 1)]
            alive = claim.path.exists()
            self.spool.give_back(claim.path, back)
            self.claimed -= set(claim.seqs)
            if alive:
                self._append_model(back)
                self._check_bound()
            assert not claim.path.exists()

    @rule(held=consumes(claims))
    def release(self, held: list[_Claim]) -> None:
        for claim in held:
            self.spool.release(claim.path)
            self.claimed -= set(claim.seqs)
            assert not claim.path.exists()

    @rule()
    def discard(self) -> None:
        self.spool.discard()
        self.lines = []
        self.claimed = set()
        assert not self.spool.path.exists()

    def _readable(self, lines: list[bytes]) -> list[int]:
        return [self.fresh[line] for line in lines if line in self.fresh]

    def _check_bound(self) -> None:
        if self.lines:  # an empty give-back writes no file
            assert self.spool.path.stat().st_size <= MAX_BYTES

    @invariant()
    def the_file_is_the_model(self) -> None:
        on_disk: Optional[bytes] = None
        if self.spool.path.exists():
            on_disk = self.spool.path.read_bytes()
        assert (on_disk or b"") == b"".join(self.lines)
        peeked = [entry.event["seq"] for entry in self.spool.peek()]
        assert peeked == self._readable(_keep_tail(self.lines) if on_disk else [])
        assert not self.claimed & set(peeked)

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.mark.usefixtures("home")
def test_the_spool_is_its_model_under_any_history(tmp_path: Path) -> None:
    SpoolModel.root = tmp_path
    run_state_machine_as_test(
        SpoolModel,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
