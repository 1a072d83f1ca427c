"""DELETE /v1/installs/<id>: a person's `telemetry disable --forget` deletes every event
and session of that install, for good (no copy left in the database or its WAL); 204
whether or not any were held; anything but a UUID4 is 400. Real server on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from doorstep.collector import server
from tests.collector.conftest import count, make_body, new_id, post, rows, wait_until
from tests.support.cli import run


def installs_url(collector: server.Running, install_id: str) -> str:
    return collector.url.replace("/v1/events", f"/v1/installs/{install_id}")


def test_one_install_is_forgotten_and_the_others_kept(collector: server.Running, db: Path) -> None:
    gone, kept = new_id(), new_id()
    for install_id in (gone, kept, gone):
        assert post(collector.url, make_body(install_id=install_id)).status_code == 204
    assert count(db) == 3

    answer = httpx.delete(installs_url(collector, gone), timeout=10)

    assert answer.status_code == 204
    assert [row["install_id"] for row in rows(db)] == [kept]
    # secure_delete and an emptied WAL: the id's bytes are nowhere in the files.
    for path in [db, *db.parent.glob(db.name + "-*")]:
        assert gone.encode() not in path.read_bytes(), path.name


def test_an_unknown_install_is_also_204(collector: server.Running) -> None:
    assert httpx.delete(installs_url(collector, new_id()), timeout=10).status_code == 204


def test_anything_but_an_install_id_is_refused(collector: server.Running) -> None:
    for bad in ("not-an-id", f"{new_id()}/x", "00000000-0000-0000-0000-000000000000", ""):
        assert httpx.delete(installs_url(collector, bad), timeout=10).status_code == 400
    answer = httpx.get(installs_url(collector, new_id()), timeout=10)
    assert answer.status_code == 405 and answer.headers["allow"] == "DELETE"


def test_disable_forget_from_the_client_empties_the_collector(collector_process, monkeypatch):
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", collector_process.url)
    assert run("telemetry", "enable").returncode == 0
    code = (
        "from doorstep.delivery import telemetry; "
        "telemetry.record('install_started', kind='fresh', method='pip')"
    )
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], env=dict(os.environ), timeout=60, check=True)
    assert wait_until(lambda: count(collector_process.db) == 1, timeout=20)

    done = run("telemetry", "disable", "--forget")

    assert done.returncode == 0, done.stderr
    assert "asked to delete this install's events (HTTP 204)" in done.stdout
    assert count(collector_process.db) == 0
