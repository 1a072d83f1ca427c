"""The consent table: resolve() over every input, with no disk and no clock."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

import pytest

from doorstep.consent import decision as consent
from doorstep.consent.record import ConsentRecord, RecordRead
from doorstep.foundation.product import Product

PRODUCT = Product(
    name="doorstep",
    display_name="Doorstep",
    env_prefix="DOORSTEP",
    package="doorstep",
    endpoint="https://collect.example/v1/events",
    policy="ask",
    docs_url="https://example/TELEMETRY.md",
)
PATH = Path("/h/.config/doorstep/telemetry.toml")
ID = "3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a"
SALT = "0" * 32

ABSENT = RecordRead(PATH)
ON = RecordRead(PATH, ConsentRecord(True, "wizard", "2026-11-22", ID, SALT))
OFF = RecordRead(PATH, ConsentRecord(False, "wizard", "2026-11-22"))
UNREADABLE = RecordRead(PATH, problem=f"{PATH} is not valid TOML")
RECORDS = {"absent": ABSENT, "on": ON, "off": OFF, "unreadable": UNREADABLE}


def resolve(
    env: Optional[dict[str, str]] = None,
    flag: Optional[bool] = None,
    record: RecordRead = ABSENT,
    product: Product = PRODUCT,
) -> consent.Decision:
    return consent.resolve(env or {}, flag, record, product)


# DO_NOT_TRACK, like every boolean variable: unset and empty do nothing, 0/false/no/off
# (any case, spaces) do nothing, anything else turns telemetry off whatever comes after it.
DNT_IGNORED = [None, "", "   ", "0", "false", "FALSE", " False ", "no", "off", "OFF", "No"]
DNT_OFF = ["1", "true", "TRUE", "yes", "anything", "2", "-1", "n"]


@pytest.mark.parametrize("value", DNT_OFF)
@pytest.mark.parametrize("record", list(RECORDS))
@pytest.mark.parametrize("flag", [None, True, False])
@pytest.mark.parametrize("env_value", [None, "1", "0", "bogus"])
def test_do_not_track_wins_over_everything(
    value: str, record: str, flag: Optional[bool], env_value: Optional[str]
) -> None:
    env = {"DO_NOT_TRACK": value}
    if env_value is not None:
        env["DOORSTEP_TELEMETRY"] = env_value
    decision = resolve(env, flag, RECORDS[record])
    assert decision.state == consent.OFF
    assert decision.reason == "do_not_track"
    assert decision.detail == "DO_NOT_TRACK is set in your environment"
    assert not decision.sends


@pytest.mark.parametrize("value", DNT_IGNORED)
def test_do_not_track_unset_empty_or_false_is_ignored(value: Optional[str]) -> None:
    env = {} if value is None else {"DO_NOT_TRACK": value}
    decision = resolve(env, record=ON)
    assert decision.state == consent.ON
    assert decision.reason == "record"


@pytest.mark.parametrize("value", ["0", "false", "off", "OFF", " False ", "Off", "no", "NO"])
@pytest.mark.parametrize("flag", [None, True])
def test_env_off_beats_flag_and_record(value: str, flag: Optional[bool]) -> None:
    decision = resolve({"DOORSTEP_TELEMETRY": value}, flag, ON)
    assert (decision.state, decision.reason) == (consent.OFF, "env")
    assert "DOORSTEP_TELEMETRY" in decision.detail
    assert decision.warnings == ()


@pytest.mark.parametrize("value", ["1", "true", "on", "TRUE", " On ", "yes", "Yes"])
@pytest.mark.parametrize("flag", [None, False])
def test_env_on_beats_flag_and_record(value: str, flag: Optional[bool]) -> None:
    decision = resolve({"DOORSTEP_TELEMETRY": value}, flag, OFF)
    assert (decision.state, decision.reason) == (consent.ON, "env")
    assert decision.sends


# Only a plain yes or no word decides the one variable that can turn telemetry on.
@pytest.mark.parametrize("value", ["2", "y", "n", "enabled", "nope", "0x1", "tru"])
@pytest.mark.parametrize("record", list(RECORDS))
def test_env_invalid_warns_and_is_ignored(value: str, record: str) -> None:
    with_invalid = resolve({"DOORSTEP_TELEMETRY": value}, None, RECORDS[record])
    without = resolve({}, None, RECORDS[record])
    assert (with_invalid.state, with_invalid.reason) == (without.state, without.reason)
    assert any("DOORSTEP_TELEMETRY" in w and value in w for w in with_invalid.warnings)


def test_env_empty_is_unset_and_silent() -> None:
    decision = resolve({"DOORSTEP_TELEMETRY": ""}, None, ON)
    assert decision.reason == "record"
    assert decision.warnings == ()


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("record", list(RECORDS))
def test_flag_beats_record_and_policy(flag: bool, record: str) -> None:
    decision = resolve({}, flag, RECORDS[record])
    assert decision.state == (consent.ON if flag else consent.OFF)
    assert decision.reason == "flag"
    assert ("--telemetry" if flag else "--no-telemetry") in decision.detail


@pytest.mark.parametrize("policy", ["ask", "notice", "off"])
def test_record_beats_policy(policy: str) -> None:
    product = dataclasses.replace(PRODUCT, policy=policy)
    assert resolve(record=ON, product=product).state == consent.ON
    assert resolve(record=OFF, product=product).state == consent.OFF
    decision = resolve(record=ON, product=product)
    assert decision.detail == f"your choice, saved on 2026-11-22 in {PATH}"


@pytest.mark.parametrize("policy", ["ask", "notice", "off"])
def test_unreadable_record_is_undecided_whatever_the_policy(policy: str) -> None:
    product = dataclasses.replace(PRODUCT, policy=policy)
    decision = resolve(record=UNREADABLE, product=product)
    assert decision.state == consent.UNDECIDED
    assert decision.reason == "record_unreadable"
    assert not decision.sends
    assert len(decision.warnings) == 1
    assert "not valid TOML" in decision.warnings[0]


@pytest.mark.parametrize(
    ("policy", "state", "notice_due"),
    [("ask", consent.UNDECIDED, False), ("notice", consent.ON, True), ("off", consent.OFF, False)],
)
def test_policy_decides_when_nothing_else_does(policy: str, state: str, notice_due: bool) -> None:
    decision = resolve(product=dataclasses.replace(PRODUCT, policy=policy))
    assert (decision.state, decision.reason, decision.notice_due) == (state, "policy", notice_due)
    assert decision.sends == (state == consent.ON)


def test_ask_policy_says_nothing_is_sent_until_you_decide() -> None:
    assert resolve().detail == "no choice yet: nothing is sent until you decide"


def test_notice_record_is_not_due_again() -> None:
    shown = RecordRead(PATH, ConsentRecord(True, "notice", "2026-11-22", ID, SALT, True))
    decision = resolve(record=shown, product=dataclasses.replace(PRODUCT, policy="notice"))
    assert (decision.state, decision.reason, decision.notice_due) == (consent.ON, "record", False)


# Without an endpoint nothing is ever sent, whatever decided "on".
@pytest.mark.parametrize(
    ("env", "flag", "record"),
    [({"DOORSTEP_TELEMETRY": "1"}, None, ABSENT), ({}, True, ABSENT), ({}, None, ON)],
)
def test_no_endpoint_means_nothing_is_sent(
    env: dict[str, str], flag: Optional[bool], record: RecordRead
) -> None:
    product = dataclasses.replace(PRODUCT, endpoint="")
    decision = resolve(env, flag, record, product)
    assert decision.state == consent.ON
    assert decision.endpoint is None
    assert not decision.sends


def test_endpoint_override_from_environment() -> None:
    product = dataclasses.replace(PRODUCT, endpoint="")
    url = "http://127.0.0.1:9/v1/events"
    decision = resolve({"DOORSTEP_TELEMETRY_ENDPOINT": url}, None, ON, product)
    assert decision.endpoint == url
    assert decision.sends


@pytest.mark.parametrize("bad", ["ftp://x", "127.0.0.1:9", "https://", "file:///tmp/x"])
def test_unusable_endpoint_override_warns_and_sends_nothing(bad: str) -> None:
    decision = resolve({"DOORSTEP_TELEMETRY_ENDPOINT": bad}, None, ON)
    assert decision.endpoint is None
    assert not decision.sends
    assert any("DOORSTEP_TELEMETRY_ENDPOINT" in w for w in decision.warnings)


def test_other_products_variables_are_not_ours() -> None:
    decision = resolve({"ACME_TELEMETRY": "0", "ACME_TELEMETRY_ENDPOINT": "http://x"}, None, ON)
    assert decision.state == consent.ON
    assert decision.endpoint == PRODUCT.endpoint


def test_a_second_product_reads_its_own_prefix() -> None:
    acme = dataclasses.replace(PRODUCT, name="acme", env_prefix="ACME")
    assert resolve({"ACME_TELEMETRY": "0"}, None, ON, acme).state == consent.OFF
    assert resolve({"DOORSTEP_TELEMETRY": "0"}, None, ON, acme).state == consent.ON
    url = "http://127.0.0.1:9/e"
    assert resolve({"ACME_TELEMETRY_ENDPOINT": url}, None, ON, acme).endpoint == url
