"""The database file: never reached through a symbolic link, never readable by other users."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing

from doorstep.collector import server
from tests.collector.conftest import count, make_body, post
from tests.support.cli import run


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_dangling_symlink_is_refused_in_one_line_and_nothing_is_created(tmp_path):
    target = tmp_path / "elsewhere" / "planted.sqlite3"
    target.parent.mkdir()
    link = tmp_path / "events.sqlite3"
    link.symlink_to(target)

    for command in (["serve", "--port", "0"], ["prune"]):
        done = run("collector", command[0], "--db", str(link), *command[1:], timeout=30)
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        if command[0] == "serve":
            assert "symbolic link" in done.stderr and str(link) in done.stderr
    assert not target.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == []
    assert os.path.islink(link)


def test_a_symlink_to_a_real_database_is_refused_and_the_file_left_alone(tmp_path):
    real = tmp_path / "real.sqlite3"
    with closing(sqlite3.connect(real)) as connection:
        connection.execute("CREATE TABLE t (x)")
    before = real.read_bytes()
    link = tmp_path / "events.sqlite3"
    link.symlink_to(real)

    done = run("collector", "serve", "--db", str(link), "--port", "0", timeout=30)
    assert done.returncode == 1 and "symbolic link" in done.stderr
    assert real.read_bytes() == before


def test_a_symlinked_side_file_is_refused_too(tmp_path):
    db = tmp_path / "events.sqlite3"
    target = tmp_path / "planted-wal"
    (tmp_path / "events.sqlite3-wal").symlink_to(target)

    done = run("collector", "serve", "--db", str(db), "--port", "0", timeout=30)
    assert done.returncode == 1 and "symbolic link" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not target.exists()


def test_a_new_database_is_made_at_0600(db):
    running = server.start(server.Settings(db=db, port=0))
    try:
        assert post(running.url, make_body()).status_code == 204
        for path in db.parent.iterdir():  # the WAL and shm files too
            assert _mode(path) == 0o600, path
    finally:
        running.close()


def test_an_existing_database_at_0644_is_tightened_to_0600(db):
    first = server.start(server.Settings(db=db, port=0))
    try:
        assert post(first.url, make_body()).status_code == 204
    finally:
        first.close()
    os.chmod(db, 0o644)
    for side in db.parent.glob(db.name + "-*"):
        os.chmod(side, 0o644)

    again = server.start(server.Settings(db=db, port=0))
    try:
        assert post(again.url, make_body()).status_code == 204
        for path in db.parent.iterdir():
            assert _mode(path) == 0o600, path
    finally:
        again.close()
    assert count(db) == 2
