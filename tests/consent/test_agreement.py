"""A yes covers what was shown: data a later version adds is dropped, never spooled or
sent, until the person agrees to it; the rest keeps flowing; removing data needs no yes.
Real files in a temporary HOME, a real capture server."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.delivery import agreement, choice, status
from doorstep.delivery.spool import Spool
from doorstep.delivery.telemetry import Recorder
from doorstep.events import schema
from doorstep.foundation import paths
from doorstep.foundation import product as product_module
from doorstep.foundation.product import Product
from tests.foundation.test_product_file import ACME
from tests.support.cli import run

NEW_EVENT = """
[events.build_done]
why = "Whether builds work."
[events.build_done.props.ok]
type = "bool"
why = "Whether it worked."
"""
NEW_PROP = """
[events.command_run.props.fast]
type = "bool"
why = "Whether it was fast."
"""


def product_file(tmp_path: Path, text: str) -> Product:
    path = tmp_path / "acme" / "doorstep.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return product_module.from_file(path)


@pytest.fixture
def old_acme(tmp_path: Path) -> Product:
    return product_file(tmp_path, ACME)


def agree(product: Product) -> consent_record.ConsentRecord:
    product_module.activate(product)  # what a command of this product does first
    try:
        return choice.save(paths.for_product(product), True, "cli")
    finally:
        product_module.activate(product_module.own())


def spooled(product: Product) -> list[dict]:
    product_module.activate(product)  # the spool is read with the product's schema
    try:
        return [entry.event for entry in Spool(paths.for_product(product).state_dir).peek()]
    finally:
        product_module.activate(product_module.own())


def recorder(product: Product) -> Recorder:
    # A closed port: the events stay in the spool for the test to read.
    return Recorder(product, env={"ACME_TELEMETRY_ENDPOINT": "http://127.0.0.1:9/v1/events"})


def test_a_yes_records_what_it_covered(home: Path, old_acme: Product) -> None:
    saved = agree(old_acme)
    kinds = schema.for_product(old_acme).kinds()
    assert saved.agreed == kinds
    text = (home / ".config/acme/telemetry.toml").read_text()
    assert f'agreed_schema = "{consent_record.digest(kinds)}"' in text
    assert "command_run.command" in text


def test_a_new_event_and_a_new_property_wait_for_their_own_yes(
    tmp_path: Path, home: Path, old_acme: Product, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("doorstep.delivery.sender.spawn", lambda *a, **k: None)  # no sender:
    # the test reads the spool itself (a real sender is covered by the wire tests)
    agree(old_acme)
    new_acme = product_file(tmp_path, ACME + NEW_PROP + NEW_EVENT)

    one = recorder(new_acme)
    one.record("command_run", command="deploy", fast=True)
    one.record("build_done", ok=True)
    assert one.flush() == "sent"

    assert [(e["name"], e["props"]) for e in spooled(new_acme)] == [
        ("command_run", {"command": "deploy"})
    ]
    report = status.gather(new_acme, paths.for_product(new_acme), {})
    assert report.new_kinds == ("build_done", "build_done.ok", "command_run.fast")
    assert "3 new kinds of data since your choice: not sent until you agree" in report.to_text()
    assert report.to_json()["new_kinds"] == ["build_done", "build_done.ok", "command_run.fast"]

    # `telemetry enable` (or the settings toggle, or the wizard) covers the current schema.
    before = consent_record.read(paths.for_product(new_acme).record).record
    after = agree(new_acme)
    assert after.install_id == before.install_id  # the same install, now covering more
    two = recorder(new_acme)
    two.record("build_done", ok=True)
    two.flush()
    assert ("build_done", {"ok": True}) in [(e["name"], e["props"]) for e in spooled(new_acme)]
    assert status.gather(new_acme, paths.for_product(new_acme), {}).new_kinds == ()


def test_removing_data_needs_no_new_yes(tmp_path: Path, home: Path) -> None:
    rich = product_file(tmp_path, ACME + NEW_EVENT)
    agree(rich)
    poorer = product_file(tmp_path, ACME)
    saved = consent_record.read(paths.for_product(poorer).record).record
    assert agreement.new_kinds(saved, schema.for_product(poorer)) == []


def test_a_record_from_before_covers_that_versions_schema(home: Path) -> None:
    # Written by doorstep 0.1.0: no agreed list. It covered the built-in events of then.
    record = home / ".config/doorstep/telemetry.toml"
    record.parent.mkdir(parents=True)
    record.write_text(
        "schema_version = 1\nenabled = true\n"
        'install_id = "3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a"\nsalt = "' + "0" * 32 + '"\n'
        'consent_source = "wizard"\nnotice_shown = false\ndecided_on = 2026-11-22\n'
    )
    saved = consent_record.read(record).record
    assert saved is not None and saved.agreed is None
    own = product_module.own()
    assert agreement.new_kinds(saved, schema.for_product(own)) == []
    counting = dataclasses.replace(own, usage=("deploy",))
    assert agreement.new_kinds(saved, schema.for_product(counting)) == [
        "usage_rollup",
        "usage_rollup.command",
        "usage_rollup.count",
        "usage_rollup.errors",
    ]
    data = json.loads(run("telemetry", "status", "--json").stdout)
    assert data["new_kinds"] == [] and data["state"] == "on"


def ask_new(tmp_path: Path, old: Product, share: bool) -> tuple[list, Product]:
    """`setup` for a newer version of the tool, answered by ``share`` (through the same
    ``ask`` hook the Pilot tests use; the inline flow's own words are checked)."""
    import argparse

    from doorstep.onboarding import setup
    from doorstep.tui import inline

    agree(old)
    newer = product_file(tmp_path, ACME + NEW_EVENT)
    asked: list = []

    def ask(wizard):  # type: ignore[no-untyped-def]
        asked.append((wizard.ui, wizard.only, inline.explanation(wizard)))
        wizard.share = share
        return wizard.confirm()

    args = argparse.Namespace(flag=None, yes=False, inline=False, install_trace=None)
    product_module.activate(newer)
    try:
        assert setup.run(args, newer, recorder(newer), env={}, ask=ask) == 0
    finally:
        product_module.activate(product_module.own())
    return asked, newer


def test_the_next_setup_asks_about_only_what_is_new(tmp_path: Path, home: Path) -> None:
    asked, newer = ask_new(tmp_path, product_file(tmp_path, ACME), share=True)

    ((ui, only, words),) = asked
    assert (ui, only) == ("inline", ("build_done", "build_done.ok"))
    assert "build_done" in words and "command_run" not in words
    saved = consent_record.read(paths.for_product(newer).record).record
    assert saved is not None and set(schema.for_product(newer).kinds()) <= set(saved.agreed or ())


def test_a_no_to_what_is_new_keeps_the_rest_as_it_was(tmp_path: Path, home: Path) -> None:
    old = product_file(tmp_path, ACME)
    asked, newer = ask_new(tmp_path, old, share=False)

    assert len(asked) == 1
    saved = consent_record.read(paths.for_product(newer).record).record
    assert saved is not None and saved.enabled  # still on for what was agreed
    assert "build_done" not in (saved.agreed or ())
