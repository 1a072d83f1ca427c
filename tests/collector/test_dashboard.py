"""``GET /dashboard``: its own listener, its token, its headers, and the report's numbers.

Real collectors on 127.0.0.1 (as a process, as a user starts one, or in a thread for the
product's own events), real posts built by the client's code, real HTTP. The page is
read back as a reader sees it (tests/support/page.py) and compared with what
``report --json`` prints for the same window.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.collector import report, server
from doorstep.collector.store import Store
from doorstep.foundation.product import from_file
from tests.collector.anvil import ANVIL_TOML, body_of
from tests.collector.conftest import free_port, make_body, post, start_process
from tests.collector.dashboard_data import assert_same_numbers, numbers, report_json
from tests.support import page
from tests.support.cli import run

TOKEN = "correct-horse-battery-staple-7"


@pytest.mark.parametrize("window", [7, 30, 90])
@pytest.mark.parametrize("include_ci", [False, True])
def test_the_page_shows_the_numbers_report_json_prints(served, window, include_ci):
    process, url = served
    query = {"days": window, **({"ci": "1"} if include_ci else {})}
    answer = httpx.get(url, params=query, timeout=30)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    data = report_json(process.db, "--days", str(window), *(["--include-ci"] if include_ci else []))
    assert_same_numbers(answer.text, data)
    assert data["totals"]["installs"] > 0  # the comparison is about real rows


def test_the_ingest_port_never_serves_it_and_it_never_takes_events(served):
    process, url = served
    ingest = process.url.rsplit("/v1/", 1)[0]

    assert httpx.get(f"{ingest}/dashboard", timeout=10).status_code == 404
    body = make_body()
    assert post(url.replace("/dashboard", "/v1/events"), body).status_code == 404
    assert "dashboard on port" in process.out.read_text()


def test_every_answer_carries_the_strict_policy(served):
    _, url = served
    for path in ("/dashboard", "/nothing", "/dashboard?days=x"):
        answer = httpx.get(url.replace("/dashboard", "") + path, timeout=10)
        policy = answer.headers["content-security-policy"]
        directives = {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";")}
        assert directives["default-src"] == "default-src 'none'"
        assert directives["style-src"] == "style-src 'unsafe-inline'"
        assert directives["img-src"] == "img-src data:"
        assert "script-src" not in directives  # no script at all: default-src forbids it
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in httpx.get(url, timeout=10).text


def test_the_window_is_chosen_by_plain_links(served):
    _, url = served
    html = httpx.get(url, params={"days": 30}, timeout=10).text
    read = page.read(html)

    assert "/dashboard?days=7" in read.links and "/dashboard?days=90" in read.links
    assert '<strong aria-current="page">30 days</strong>' in html
    assert 'action="/dashboard"' in html and 'name="ci"' in html  # the form, no script
    for bad in ("0", "x", "-7", "99999", "7.5"):
        answer = httpx.get(url, params={"days": bad}, timeout=10)
        assert answer.status_code == 400
        assert answer.text.count("\n") == 1


def test_without_a_token_it_will_not_listen_beyond_this_machine(tmp_path, db):
    done = run(
        "collector", "serve", "--db", str(db), "--port", "0",
        "--dashboard-port", "0", "--dashboard-host", "0.0.0.0",
        env={"DOORSTEP_COLLECTOR_TOKEN": ""},
    )  # fmt: skip

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "DOORSTEP_COLLECTOR_TOKEN" in done.stderr
    assert "listening" not in done.stdout
    assert not db.exists()  # refused before anything opened


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dashboard-host", "0.0.0.0"], "only used with --dashboard-port"),
        (["--dashboard-port", "70000"], "--dashboard-port must be between"),
        (["--port", "8123", "--dashboard-port", "8123"], "must differ from --port"),
    ],
)
def test_mistaken_dashboard_flags_are_one_line_usage_errors(db, args, message):
    done = run("collector", "serve", "--db", str(db), *args)

    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1


def test_a_dashboard_port_in_use_is_one_line(tmp_path, db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = run(
            "collector", "serve", "--db", str(db), "--port", "0", "--dashboard-port", str(port)
        )

    assert done.returncode == 1
    assert "--dashboard-port" in done.stderr and done.stderr.count("\n") == 1


@pytest.fixture
def guarded(db: Path) -> Iterator[server.Running]:
    running = server.start(server.Settings(db=db, port=0, dashboard_port=0, dashboard_token=TOKEN))
    try:
        post(running.url, make_body())
        yield running
    finally:
        running.close()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    "authorization, status",
    [
        (None, 401),
        ("", 401),
        ("Bearer", 401),
        ("Bearer wrong", 401),
        (f"Bearer {TOKEN}x", 401),
        (f"Bearer {TOKEN[:-1]}", 401),
        (f"bearer {TOKEN}", 200),
        (f"Bearer {TOKEN}", 200),
        (_basic("maker", TOKEN), 200),
        (_basic("", TOKEN), 200),
        (_basic(TOKEN, "wrong"), 401),
        ("Basic not-base64!", 401),
        (f"Token {TOKEN}", 401),
    ],
)
def test_with_a_token_every_request_needs_it(guarded, authorization, status):
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = httpx.get(guarded.dashboard_url, headers=headers, timeout=10)

    assert answer.status_code == status
    if status == 401:
        assert answer.headers["www-authenticate"].startswith("Basic realm=")
        assert TOKEN not in answer.text
    else:
        assert "<h1>" in answer.text
    # Even a path that does not exist says nothing before the token.
    assert httpx.get(guarded.dashboard_url + "x", headers=headers, timeout=10).status_code == (
        401 if status == 401 else 404
    )


def test_the_token_is_never_printed(tmp_path, db):
    port = free_port()
    process = start_process(
        tmp_path, db, "--dashboard-port", str(port), "--dashboard-host", "0.0.0.0",
        env={"DOORSTEP_COLLECTOR_TOKEN": TOKEN},
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/dashboard"
        assert httpx.get(url, timeout=10).status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(url, headers=bearer, timeout=10).status_code == 200
        assert "a token is needed" in process.out.read_text()
    finally:
        process.stop()
    assert TOKEN not in process.printed()
    assert TOKEN not in repr(server.Settings(db=db, dashboard_token=TOKEN))


@pytest.fixture
def anvil(tmp_path: Path, db: Path) -> Iterator[tuple[server.Running, Any]]:
    """Anvil's collector with a dashboard, with usage rollups and forge_run events."""
    (tmp_path / "anvil.toml").write_text(ANVIL_TOML, encoding="utf-8")
    product = from_file(tmp_path / "anvil.toml")
    running = server.start(server.Settings(db=db, port=0, dashboard_port=0, product=product))
    try:
        for number in range(6):
            events = [
                ("usage_rollup", {"command": "forge", "count": 3 + number, "errors": number % 2}),
                ("usage_rollup", {"command": "quench", "count": 1, "errors": 0}),
                ("forge_run", {"metal": ("iron", "steel")[number % 2], "ok": number != 3}),
            ]
            assert post(running.url, body_of(product, events)).status_code == 204
        yield running, product
    finally:
        running.close()


def test_usage_and_the_products_own_events_are_on_the_page(anvil, db):
    running, product = anvil
    html = httpx.get(running.dashboard_url, timeout=10).text
    store = Store.open_existing(db)
    try:
        data = report.gather(store, 30, False, product=product)
    finally:
        store.close()
    tables = page.tables(html)

    assert numbers(tables["usage"][0], 0, 1, 2, 4) == [
        (c, r["count"], r["errors"], r["installs"]) for c, r in data["usage"].items()
    ]
    assert numbers(tables["usage"][0], 0, 1)[0] == ("forge", sum(3 + n for n in range(6)))
    event = data["product_events"]["forge_run"]
    for table, (prop, values) in zip(tables["event0"], event["props"].items()):
        assert numbers(table, 0, 1) == list(values.items()), prop
    assert numbers(tables["event0"][0], 0, 1) == [("iron", 3), ("steel", 3), ("bronze", 0)]
    assert "Anvil&#x27;s event forge_run" in html and "Anvil collector" in html
    assert "doorstep" not in html.lower()  # nothing of doorstep's name on Anvil's page
    assert_same_numbers(html, data)


def test_other_methods_and_paths_get_plain_one_line_answers(served):
    _, url = served
    root = url.removesuffix("/dashboard")

    head = httpx.head(url, timeout=10)
    assert head.status_code == 200 and head.content == b""
    posted = httpx.post(url, content=b"{}", timeout=10)
    assert posted.status_code == 405 and posted.headers["allow"] == "GET, HEAD"
    home = httpx.get(root + "/", timeout=10)
    assert home.status_code == 303 and home.headers["location"] == "/dashboard"
    for answer in (posted, home, httpx.get(root + "/favicon.ico", timeout=10)):
        assert answer.text.count("\n") == 1
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
