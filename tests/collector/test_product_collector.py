"""A product's collector, through the Python API: it validates with that product's schema,
stores the product's own events and usage rollups, and its report counts them by value.

The product is a real product file in a temporary folder (``from_file``); the server is
real, on 127.0.0.1, and the bodies are real posts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from doorstep.collector import report, server
from doorstep.collector.store import Store
from doorstep.events import schema
from doorstep.foundation import product as product_module
from doorstep.foundation.product import Product, from_file
from tests.collector.anvil import ANVIL_TOML, body_of
from tests.collector.conftest import new_id, post, rows

# The keys every report has had since version 1 of its JSON: never renamed or removed.
REPORT_KEYS = {
    "version",
    "window",
    "database",
    "totals",
    "funnel",
    "failures",
    "onboarding",
    "uninstalls",
    "weekly_active_installs",
    "mix",
    "cannot_know",
}


@pytest.fixture
def anvil(tmp_path: Path) -> Product:
    path = tmp_path / "anvil" / "doorstep.toml"
    path.parent.mkdir()
    path.write_text(ANVIL_TOML, encoding="utf-8")
    return from_file(path)


@pytest.fixture
def anvil_collector(anvil: Product, db: Path) -> Iterator[server.Running]:
    """Anvil's collector, serving in a thread on a free port."""
    running = server.start(server.Settings(db=db, port=0, product=anvil))
    try:
        yield running
    finally:
        running.close()


def stored(db: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(row["name"], json.loads(row["props"])) for row in rows(db)]


def gathered(db: Path, product: Product, include_ci: bool = False) -> dict[str, Any]:
    store = Store.open_existing(db)
    try:
        return report.gather(store, 30, include_ci, product=product)
    finally:
        store.close()


def test_the_products_collector_stores_its_events_and_rollups(anvil, anvil_collector, db):
    body = body_of(
        anvil,
        [
            ("forge_run", {"metal": "steel", "ok": True, "duration": 2.5, "plugin": "1.4"}),
            ("usage_rollup", {"command": "forge", "count": 3, "errors": 1}),
            ("install_started", {"kind": "fresh"}),  # the built-in events stay
        ],
    )
    assert len(body["events"]) == 3

    assert post(anvil_collector.url, body).status_code == 204
    assert stored(db) == [
        ("forge_run", {"metal": "steel", "ok": True, "duration": "1-3s", "plugin": "1.4"}),
        ("usage_rollup", {"command": "forge", "count": 3, "errors": 1}),
        ("install_started", {"kind": "fresh"}),
    ]


def test_an_invalid_value_or_an_unknown_event_is_dropped(anvil, anvil_collector, db):
    body = body_of(
        anvil,
        [],
        raw=[
            {"name": "forge_run", "props": {"metal": "gold", "ok": "yes", "duration": "1-3s"}},
            {"name": "usage_rollup", "props": {"command": "rm", "count": 2, "errors": -1}},
            {"name": "forge_run", "props": {"metal": "iron", "ok": False, "secret": "x"}},
            {"name": "command_run", "props": {"command": "deploy"}},  # another product's
        ],
    )

    assert post(anvil_collector.url, body).status_code == 204
    assert stored(db) == [
        ("forge_run", {"duration": "1-3s"}),
        ("usage_rollup", {"count": 2}),
        ("forge_run", {"metal": "iron", "ok": False}),
    ]


def test_doorsteps_own_collector_drops_the_products_events(anvil, collector, db):
    only_anvils = body_of(
        anvil,
        [
            ("forge_run", {"metal": "steel", "ok": True}),
            ("usage_rollup", {"command": "forge", "count": 3, "errors": 0}),
        ],
    )
    mixed = body_of(
        anvil, [("forge_run", {"metal": "iron"}), ("install_started", {"kind": "fresh"})]
    )

    # Nothing left to store is not an error: the client's batch is done with.
    assert post(collector.url, only_anvils).status_code == 204
    assert stored(db) == []
    assert post(collector.url, mixed).status_code == 204
    assert stored(db) == [("install_started", {"kind": "fresh"})]
    assert collector.service.writer.stored == 1


def test_the_app_keeps_the_schema_it_was_built_with(anvil, db, monkeypatch):
    # doorstep's collector, then Anvil made the process's current product: the app
    # still validates with the schema it was given, not whatever is current now.
    running = server.start(server.Settings(db=db, port=0, product=product_module.own()))
    try:
        monkeypatch.setattr(product_module, "_active", anvil)
        assert schema.current() is schema.for_product(anvil)
        body = body_of(anvil, [("forge_run", {"metal": "steel"}), ("anvil_opened", {})])
        assert post(running.url, body).status_code == 204
    finally:
        running.close()
    assert stored(db) == []


def _history(anvil: Product, url: str) -> None:
    """Two human installs and one CI install of Anvil, with events and rollups."""
    alice, bob = new_id(), new_id()
    bodies = [
        body_of(
            anvil,
            [
                ("forge_run", {"metal": "steel", "ok": True, "duration": 2, "plugin": "1.4"}),
                ("forge_run", {"metal": "steel", "ok": False, "duration": 45, "plugin": "1.4"}),
                ("forge_run", {"metal": "iron", "ok": True, "plugin": "1.5"}),
                ("anvil_opened", {}),
                ("usage_rollup", {"command": "forge", "count": 5, "errors": 1}),
                ("usage_rollup", {"command": "temper", "count": 2, "errors": 0}),
            ],
            install_id=alice,
        ),
        body_of(
            anvil,
            [
                ("forge_run", {"metal": "bronze", "ok": True, "duration": 700}),
                ("usage_rollup", {"command": "forge", "count": 3, "errors": 2}),
            ],
            install_id=bob,
        ),
        body_of(
            anvil,
            [
                ("forge_run", {"metal": "iron", "ok": False}),
                ("usage_rollup", {"command": "quench", "count": 9, "errors": 9}),
            ],
            ci=True,
        ),
    ]
    for body in bodies:
        assert post(url, body).status_code == 204


def test_the_report_counts_the_products_events_by_value(anvil, anvil_collector, db):
    _history(anvil, anvil_collector.url)
    data = gathered(db, anvil)

    assert data["product"] == {"name": "anvil", "display_name": "Anvil"}
    assert data["totals"] == {"events": 8, "runs": 2, "installs": 2}
    forged = data["product_events"]["forge_run"]
    assert forged["events"] == 4
    assert forged["props"]["metal"] == {"iron": 1, "steel": 2, "bronze": 1}
    assert forged["props"]["ok"] == {"true": 3, "false": 1}
    labels = schema.for_product(anvil).buckets["duration"].labels
    assert list(forged["props"]["duration"]) == list(labels)  # every range, in order
    assert forged["props"]["duration"]["1-3s"] == 1
    assert forged["props"]["duration"]["30-60s"] == 1
    assert forged["props"]["duration"][">10m"] == 1
    assert sum(forged["props"]["duration"].values()) == 3  # one run sent no duration
    assert forged["props"]["plugin"] == {"1.4": 2, "1.5": 1}  # open values: as seen
    opened = data["product_events"]["anvil_opened"]
    assert opened == {"events": 1, "props": {}, "installs": 1, "props_installs": {}}
    assert data["unknown_events"] == {}


def test_the_report_sums_usage_rollups_by_command(anvil, anvil_collector, db):
    _history(anvil, anvil_collector.url)

    usage = gathered(db, anvil)["usage"]
    assert list(usage) == ["forge", "temper", "quench"]  # the product's order, zeros too
    assert usage["forge"] == {"count": 8, "errors": 3, "error_rate": 0.375, "installs": 2}
    assert usage["temper"] == {"count": 2, "errors": 0, "error_rate": 0.0, "installs": 1}
    assert usage["quench"] == {"count": 0, "errors": 0, "error_rate": None, "installs": 0}

    with_ci = gathered(db, anvil, include_ci=True)["usage"]
    assert with_ci["quench"] == {"count": 9, "errors": 9, "error_rate": 1.0, "installs": 1}
    assert with_ci["forge"]["count"] == 8


def test_the_report_keeps_every_key_it_had(anvil, anvil_collector, db):
    _history(anvil, anvil_collector.url)

    for data in (gathered(db, anvil), gathered(db, product_module.own())):
        assert set(data) >= REPORT_KEYS
        assert data["version"] == report.REPORT_VERSION
        assert any("declined" in line for line in data["cannot_know"])
        json.dumps(data)  # plain data all the way down


def test_reported_with_another_products_schema_its_events_are_named_apart(
    anvil, anvil_collector, db
):
    _history(anvil, anvil_collector.url)
    data = gathered(db, product_module.own())

    assert data["usage"] == {}
    assert data["product_events"] == {}
    assert data["unknown_events"] == {"anvil_opened": 1, "forge_run": 4, "usage_rollup": 3}
    text = report.render(data, "Doorstep collector report")
    assert "does not know (anvil_opened, forge_run, usage_rollup)" in text
    assert "--product NAME" in text


def test_the_terminal_report_shows_usage_and_the_products_events(anvil, anvil_collector, db):
    _history(anvil, anvil_collector.url)
    text = report.render(gathered(db, anvil), "Anvil collector report")

    lines = text.splitlines()
    assert "8 events from 2 runs of 2 installs; 1 CI runs left out" in text
    assert "Usage by command (daily rollups: runs, errors, error rate, distinct installs)" in lines
    forge = next(line for line in lines if line.startswith("  forge "))
    assert forge.split()[1] == "8" and "3 errors" in forge and "37.5%" in forge
    assert "2 installs" in forge
    quench = next(line for line in lines if line.startswith("  quench "))
    assert quench.split()[1] == "0" and "-" in quench
    assert "Anvil's event forge_run (4 events; by property value)" in lines
    assert "Anvil's event anvil_opened (1 events; by property value)" in lines
    metal = lines.index("  metal")
    assert [line.split()[:2] for line in lines[metal + 1 : metal + 4]] == [
        ["iron", "1"],
        ["steel", "2"],
        ["bronze", "1"],
    ]
    assert "What this report cannot know, by design" in lines
    assert "does not know" not in text


def test_many_values_of_an_open_property_are_cut_to_the_most_frequent(anvil, anvil_collector, db):
    bodies = [
        body_of(anvil, [("forge_run", {"plugin": f"1.{minor}"})] * (1 + (minor == 7)))
        for minor in range(30)
    ]
    for body in bodies:
        assert post(anvil_collector.url, body).status_code == 204
    data = gathered(db, anvil)

    assert len(data["product_events"]["forge_run"]["props"]["plugin"]) == 30  # JSON: all
    lines = report.render(data, "Anvil collector report").splitlines()
    plugin = lines.index("  plugin")
    assert lines[plugin + 1].split()[:2] == ["1.7", "2"]  # the most frequent first
    assert lines[plugin + 11] == "    and 20 more values (--json lists them all)"


def test_a_product_with_no_events_or_usage_reports_as_before(collector, db):
    body = body_of(product_module.own(), [("install_started", {"kind": "fresh"})])
    assert post(collector.url, body).status_code == 204
    data = gathered(db, product_module.own())

    assert data["usage"] == {} and data["product_events"] == {} and data["unknown_events"] == {}
    text = report.render(data, "Doorstep collector report")
    assert "Usage by command" not in text and "'s event " not in text
