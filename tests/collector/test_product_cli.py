"""``doorstep collector serve|report|prune --product NAME`` for an installed adopting tool.

Acme (tests/adopting/tools.py) is built into a wheel offline and installed, without its
dependencies, into a folder of its own that goes on PYTHONPATH: doorstep, the collector
extra and uvicorn come from this checkout's environment, because the wheelhouse holds no
uvicorn for a fresh venv. What doorstep sees is a real install: a dist-info with the
``doorstep.products`` entry point and the tool's package holding ``doorstep.toml``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.collector import cli, days
from doorstep.events import envelope, schema, wire
from doorstep.foundation.product import Product, from_file
from tests.adopting.tools import ACME, write_source
from tests.collector.conftest import (
    Process,
    count,
    free_port,
    new_id,
    post,
    rows,
    start_process,
)
from tests.install import wheels
from tests.support import wheelhouse
from tests.support.cli import run

BUILD_TIMEOUT = 300


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with Acme installed in it (wheel built offline, installed with --target)."""
    root = tmp_path_factory.mktemp("acme")
    source = write_source(ACME, root / "source")
    house = wheelhouse.path()
    wheel = wheels.build_wheel(source, root / "dist", house, root / "uv-cache", ACME.package)
    site = root / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    installed = subprocess.run(
        [*install, "--target", str(site), str(wheel)],
        env=dict(os.environ, **wheelhouse.offline_pip_env(house)),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert installed.returncode == 0, installed.stderr
    return site


@pytest.fixture
def acme_env(acme_site: Path) -> dict[str, str]:
    """The environment in which ``acme`` is an installed product."""
    paths = [str(acme_site), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {"PYTHONPATH": os.pathsep.join(paths)}


@pytest.fixture
def acme(acme_site: Path) -> Product:
    """Acme's product, read from the file its install put on disk."""
    return from_file(acme_site / ACME.module / "doorstep.toml")


def served(folder: Path, *extra: str, env: dict[str, str]) -> Iterator[Process]:
    folder.mkdir(parents=True)
    process = start_process(folder, folder / "events.sqlite3", *extra, env=env)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def acme_collector(tmp_path: Path, acme_env: dict[str, str]) -> Iterator[Process]:
    """``python -m doorstep collector serve --product acme`` as its own process."""
    yield from served(tmp_path / "acme", "--product", "acme", env=acme_env)


@pytest.fixture
def own_collector(tmp_path: Path, acme_env: dict[str, str]) -> Iterator[Process]:
    """doorstep's own collector, in the same environment (Acme installed beside it)."""
    yield from served(tmp_path / "own", env=acme_env)


def acme_body(acme: Product, install_id: str) -> dict[str, Any]:
    """Acme's events as its client builds them, plus one event with a value not allowed."""
    the_envelope = envelope.build({}, install_id, new_id())
    day = days.today()
    sent = [
        ("command_run", {"command": "deploy", "ok": True}),
        ("command_run", {"command": "check", "ok": False}),
        ("usage_rollup", {"command": "deploy", "count": 4, "errors": 1}),
    ]
    events = [
        {"name": name, "day": day, "seq": seq, "props": props}
        for seq, (name, props) in enumerate(sent)
    ]
    body = wire.body(the_envelope, events, schema.for_product(acme))
    # Past the client's own cleaning, as a client that ignores the schema would send it.
    body["events"].append(
        {"name": "command_run", "day": day, "seq": 3, "props": {"command": "rm", "ok": True}}
    )
    return body


def _report(db: Path, *extra: str, env: dict[str, str]) -> dict[str, Any]:
    done = run("collector", "report", "--db", str(db), "--json", *extra, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_serve_with_product_stores_the_products_events(acme, acme_collector, own_collector):
    body = acme_body(acme, new_id())

    assert post(acme_collector.url, body).status_code == 204
    assert post(own_collector.url, body).status_code == 204  # nothing to keep is not an error

    stored = [(row["name"], json.loads(row["props"])) for row in rows(acme_collector.db)]
    assert stored == [
        ("command_run", {"command": "deploy", "ok": True}),
        ("command_run", {"command": "check", "ok": False}),
        ("usage_rollup", {"command": "deploy", "count": 4, "errors": 1}),
        ("command_run", {"ok": True}),  # "rm" is no value of command: that value is dropped
    ]
    assert count(own_collector.db) == 0  # doorstep's schema knows none of Acme's events

    assert "(Acme's schema)" in acme_collector.printed()
    assert "(Doorstep's schema)" in own_collector.printed()
    assert acme_collector.stop() == 0
    assert "stored 4 new events; refused 0 requests" in acme_collector.printed()
    assert "Traceback" not in acme_collector.printed() + own_collector.printed()


def test_report_with_product_counts_its_events_and_rollups(acme, acme_collector, acme_env):
    alice, bob = new_id(), new_id()
    assert post(acme_collector.url, acme_body(acme, alice)).status_code == 204
    assert post(acme_collector.url, acme_body(acme, bob)).status_code == 204
    db = acme_collector.db

    data = _report(db, "--product", "acme", env=acme_env)
    assert data["product"] == {"name": "acme", "display_name": "Acme"}
    run_events = data["product_events"]["command_run"]
    # The installs behind each count are checked in test_report_numbers.py.
    assert {k: v for k, v in run_events.items() if k not in ("installs", "props_installs")} == {
        "events": 6,
        "props": {"command": {"deploy": 2, "check": 2}, "ok": {"true": 4, "false": 2}},
    }
    assert data["usage"] == {
        "deploy": {"count": 8, "errors": 2, "error_rate": 0.25, "installs": 2},
        "check": {"count": 0, "errors": 0, "error_rate": None, "installs": 0},
    }
    assert data["unknown_events"] == {}
    assert data["cannot_know"] and data["funnel"][0] == {
        "step": "started",
        "count": 0,
        "installs": 0,
    }

    # Both ways of naming the product give the same report.
    done = run("--product", "acme", "collector", "report", "--db", str(db), "--json", env=acme_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == data

    text = run("collector", "report", "--product", "acme", "--db", str(db), env=acme_env)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Acme collector report: the last 30 days")
    assert "Usage by command" in text.stdout
    assert "Acme's event command_run (6 events; by property value)" in text.stdout

    # Read with doorstep's own schema, Acme's events are named, not counted by value.
    plain = _report(db, env=acme_env)
    assert plain["usage"] == {} and plain["product_events"] == {}
    assert plain["unknown_events"] == {"command_run": 6, "usage_rollup": 2}


def test_the_default_database_follows_the_product(acme, acme_env):
    for command in ("report", "prune"):
        done = run("collector", command, "--product", "acme", env=acme_env)
        assert done.returncode == 1
        assert str(cli.default_db(acme)) in done.stderr
        assert f"{os.sep}acme{os.sep}" in str(cli.default_db(acme))
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_prune_with_product(acme, acme_collector, acme_env):
    assert post(acme_collector.url, acme_body(acme, new_id())).status_code == 204
    acme_collector.stop()

    done = run(
        "collector", "prune", "--product", "acme", "--db", str(acme_collector.db), env=acme_env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("deleted 0 events dated before")
    assert count(acme_collector.db) == 4


def test_an_unknown_product_is_one_line_and_exit_1(tmp_path):
    db = tmp_path / "events.sqlite3"
    for command, extra in (("serve", ["--port", "0"]), ("report", []), ("prune", [])):
        done = run("collector", command, "--product", "nope", "--db", str(db), *extra, timeout=30)
        assert done.returncode == 1, (command, done.stderr)
        assert "no product called 'nope' is installed" in done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert done.stdout == ""
    assert not db.exists()


def test_naming_doorstep_itself_is_the_default(collector, db):
    body = wire.body(envelope.build({}, new_id(), new_id()), [])
    assert post(collector.url, body).status_code == 204
    named = run("collector", "report", "--product", "doorstep", "--db", str(db), "--json")
    default = run("collector", "report", "--db", str(db), "--json")

    assert named.returncode == default.returncode == 0, named.stderr
    assert json.loads(named.stdout) == json.loads(default.stdout)
    assert json.loads(named.stdout)["product"]["name"] == "doorstep"


def test_the_products_dashboard_and_published_page_are_its_own(acme, tmp_path, acme_env):
    port = free_port()
    yield_served = served(
        tmp_path / "board", "--product", "acme", "--dashboard-port", str(port), env=acme_env
    )
    process = next(yield_served)
    try:
        for _ in range(5):
            assert post(process.url, acme_body(acme, new_id())).status_code == 204
        html = httpx.get(f"http://127.0.0.1:{port}/dashboard", timeout=10).text
        out = tmp_path / "public.html"
        done = run(
            "collector", "report", "--product", "acme", "--db", str(process.db),
            "--html", str(out), "--public", env=acme_env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        yield_served.close()

    assert "<title>Acme collector</title>" in html
    assert "Acme&#x27;s event command_run" in html
    assert "collector report --product acme --json --days 30" in html  # the command that works
    published = out.read_text(encoding="utf-8")
    assert "Acme collector report" in published and "command_run" in published
    assert "doorstep" not in published.lower()  # a page Acme publishes says nothing of us


@pytest.mark.parametrize("variable", ["ACME_COLLECTOR_TOKEN", "DOORSTEP_COLLECTOR_TOKEN"])
def test_the_products_dashboard_takes_its_token_or_the_collectors(tmp_path, acme_env, variable):
    port, token = free_port(), "a-token-of-twenty-characters"
    env = {**acme_env, variable: token}
    yield_served = served(
        tmp_path / "board", "--product", "acme", "--dashboard-port", str(port),
        "--dashboard-host", "0.0.0.0", env=env,
    )  # fmt: skip
    process = next(yield_served)
    try:
        url = f"http://127.0.0.1:{port}/dashboard"
        assert httpx.get(url, timeout=10).status_code == 401
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.get(url, headers=bearer, timeout=10).status_code == 200
    finally:
        yield_served.close()
    assert token not in process.printed()


def test_without_a_token_the_refusal_names_the_products_variable(tmp_path, acme_env):
    done = run(
        "collector", "serve", "--product", "acme", "--db", str(tmp_path / "db.sqlite3"),
        "--dashboard-port", "0", "--dashboard-host", "0.0.0.0",
        env={**acme_env, "ACME_COLLECTOR_TOKEN": "", "DOORSTEP_COLLECTOR_TOKEN": ""},
    )  # fmt: skip

    assert done.returncode == 1 and "ACME_COLLECTOR_TOKEN" in done.stderr
    assert done.stderr.count("\n") == 1
