"""The spool on a real disk: bounded, self-healing, claimed by rename, aged out."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from doorstep.delivery import telemetry
from doorstep.delivery.spool import MAX_AGE_DAYS, MAX_BYTES, STALE_CLAIM_SECONDS, Entry, Spool
from doorstep.events import schema
from doorstep.events.schema import Prop
from doorstep.foundation.paths import Paths
from tests.support.entries import ENVELOPE, entries, today


def seqs(found: list[Entry]) -> list[int]:
    return [entry.event["seq"] for entry in found]


def test_appended_entries_are_json_lines_only_the_user_can_read(spool: Spool) -> None:
    spool.append(entries(3))
    lines = spool.path.read_bytes().splitlines()
    assert [json.loads(line)["event"]["seq"] for line in lines] == [0, 1, 2]
    assert stat.S_IMODE(spool.path.stat().st_mode) == 0o600
    assert seqs(spool.peek()) == [0, 1, 2]


def test_the_spool_never_grows_past_its_bound_and_keeps_the_newest(spool: Spool) -> None:
    line = len(entries(1)[0].line())
    starts = range(0, 2 * MAX_BYTES // line, 100)
    for start in starts:
        spool.append(entries(100, start))
        assert spool.path.stat().st_size <= MAX_BYTES
    kept = seqs(spool.peek())
    newest = starts[-1] + 99
    assert kept[0] > 0  # the oldest went first ...
    assert kept == list(range(kept[0], newest + 1))  # ... and only the oldest


def test_corrupt_lines_are_skipped_and_the_file_is_healed(spool: Spool) -> None:
    spool.append(entries(2))
    with open(spool.path, "ab") as handle:
        handle.write(b'not json\n{"envelope": 1}\n' + b"[" * 50_000 + b'\n{"half a li')
    spool.append(entries(1, start=2))  # a writer killed mid-line must not glue lines
    assert seqs(spool.peek()) == [0, 1, 2]

    # A sender claims the file and gives back what it could not send: valid lines only.
    [claim] = spool.claim()
    spool.give_back(claim, spool.read_claim(claim))
    assert [json.loads(x)["event"]["seq"] for x in spool.path.read_bytes().splitlines()] == [
        0,
        1,
        2,
    ]


def test_an_oversized_garbage_file_is_cut_back_to_the_bound(spool: Spool) -> None:
    spool.folder.mkdir(parents=True)
    spool.path.write_bytes(os.urandom(3 * MAX_BYTES))
    assert spool.peek() == []
    spool.append(entries(1))
    assert spool.path.stat().st_size <= MAX_BYTES
    assert seqs(spool.peek()) == [0]


def test_a_claim_takes_everything_once(spool: Spool) -> None:
    spool.append(entries(5))
    first = spool.claim()
    assert len(first) == 1 and not spool.path.exists()
    assert spool.claim() == []  # a second sender finds nothing to send
    assert seqs(spool.read_claim(first[0])) == [0, 1, 2, 3, 4]
    spool.append(entries(1, start=5))  # new events go to a fresh spool, not the claim
    assert seqs(spool.read_claim(first[0])) == [0, 1, 2, 3, 4]
    spool.release(first[0])
    assert not first[0].exists() and seqs(spool.peek()) == [5]


def test_a_crashed_senders_claim_is_recovered_after_a_while(spool: Spool) -> None:
    spool.append(entries(2))
    [orphan] = spool.claim()  # its sender then dies without releasing it
    spool.append(entries(1, start=2))
    [fresh] = spool.claim()
    assert orphan.exists()  # a recent claim may still have a living owner
    spool.release(fresh)

    old = time.time() - STALE_CLAIM_SECONDS - 1
    os.utime(orphan, (old, old))
    [adopted] = spool.claim()
    assert not orphan.exists()
    assert seqs(spool.read_claim(adopted)) == [0, 1]


def test_events_older_than_seven_days_are_dropped(spool: Spool) -> None:
    spool.append(entries(1, 0, today(-MAX_AGE_DAYS - 1)))
    spool.append(entries(1, 1, today(-MAX_AGE_DAYS)))
    spool.append(entries(1, 2, today()))
    assert seqs(spool.peek()) == [1, 2]


def test_giving_back_after_a_discard_resurrects_nothing(spool: Spool) -> None:
    spool.append(entries(3))
    [claim] = spool.claim()
    unsent = spool.read_claim(claim)
    spool.discard()  # telemetry turned off while the sender was posting
    spool.give_back(claim, unsent)
    assert not spool.path.exists() and spool.peek() == []


def test_discard_removes_the_spool_every_claim_and_the_lock(spool: Spool, where: Paths) -> None:
    spool.append(entries(2))
    spool.claim()
    spool.append(entries(1))
    spool.discard()
    assert sorted(p.name for p in where.state_dir.iterdir()) == []


def test_nothing_exists_until_something_is_appended(spool: Spool, home: Path) -> None:
    assert spool.peek() == [] and spool.claim() == []
    spool.discard()
    assert list(home.iterdir()) == []


def test_a_full_buffer_of_the_largest_events_fits_in_the_spool() -> None:
    the_schema = schema.current()

    def widest(prop: Prop) -> Any:
        if prop.bucket is not None:
            return max(prop.bucket.labels, key=len)
        if prop.values:
            return max(prop.values, key=lambda v: len(str(v)))
        return True

    largest = max(
        (
            Entry(
                ENVELOPE,
                {
                    "name": event.name,
                    "day": today(),
                    "seq": 2**31 - 1,
                    "props": {name: widest(prop) for name, prop in event.props.items()},
                },
            )
            for event in the_schema.events.values()
        ),
        key=lambda entry: len(entry.line()),
    )
    # The envelope's versions could be longer than this machine's: allow for the longest.
    slack = 2 * the_schema.max_string
    assert telemetry.BUFFER_LIMIT * (len(largest.line()) + slack) <= MAX_BYTES


def test_trimming_keeps_exactly_the_newest_lines_that_fit(spool: Spool) -> None:
    sizes = [len(entry.line()) for entry in entries(2 * MAX_BYTES // 300)]
    fits = next(n for n in range(len(sizes)) if sum(sizes[: n + 1]) > MAX_BYTES)
    spool.append(entries(fits))
    assert len(spool.peek()) == fits  # not over the bound yet: nothing dropped
    spool.append(entries(1, start=fits))
    kept = seqs(spool.peek())
    assert kept[-1] == fits and kept == list(range(kept[0], fits + 1))
    assert sum(sizes[kept[0] : fits + 1]) <= MAX_BYTES < sum(sizes[kept[0] - 1 : fits + 1])
