"""``doorstep collector serve`` as a user starts and stops it, and the ways it refuses to."""

from __future__ import annotations

import signal
import socket

from doorstep.collector import cli
from doorstep.foundation.product import current
from tests.collector.conftest import make_body, post, start_process
from tests.support.cli import run


def test_serve_stops_cleanly_on_sigterm_with_a_summary(tmp_path, db):
    served = start_process(tmp_path, db)
    assert post(served.url, make_body()).status_code == 204
    assert post(served.url, b"{").status_code == 400

    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(15) == 0
    printed = served.printed()
    assert "stored 1 new events; refused 1 requests" in printed
    assert "Traceback" not in printed


def test_the_default_database_is_in_the_users_data_folder(home):
    path = cli.default_db(current())
    assert str(path).startswith(str(home))
    assert path.name == cli.DB_NAME


def test_a_port_in_use_is_a_one_line_error(db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = run("collector", "serve", "--db", str(db), "--port", str(port), timeout=30)

    assert done.returncode == 1
    assert f"cannot listen on port {port}" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_host_that_is_not_this_machines_is_named_in_the_error(db):
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    done = run("collector", "serve", "--db", str(db), "--host", "192.0.2.1", timeout=30)

    assert done.returncode == 1
    assert done.stderr.startswith("doorstep collector: cannot listen on --host '192.0.2.1'")
    assert "--port" not in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_database_that_cannot_be_used_is_a_one_line_error(tmp_path):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not sqlite at all " * 512)
    blocked = tmp_path / "file"
    blocked.write_text("a file where a folder should be")

    for path in (garbage, blocked / "events.sqlite3"):
        done = run("collector", "serve", "--db", str(path), "--port", "0", timeout=30)
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert str(path) in done.stderr
    assert garbage.read_bytes().startswith(b"not sqlite")  # left as it was


def test_a_database_from_a_newer_collector_is_left_alone(tmp_path):
    import sqlite3

    newer = tmp_path / "newer.sqlite3"
    connection = sqlite3.connect(newer)
    connection.execute("PRAGMA user_version=99")
    connection.close()

    for command in ("serve", "report"):
        extra = ["--port", "0"] if command == "serve" else []
        done = run("collector", command, "--db", str(newer), *extra, timeout=30)
        assert done.returncode == 1
        assert "newer collector" in done.stderr and done.stderr.count("\n") == 1
