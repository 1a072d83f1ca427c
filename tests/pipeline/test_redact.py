"""The second fence: every kind of personal or secret string is caught, and nothing that
doorstep legitimately sends is."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from doorstep.events import redact, schema
from tests.pipeline.pii import PII, any_pii, context

# Which kind the fence must report for each strategy (most share the name).
EXPECTED_KIND = {
    "posix_home": "home_path",
    "root_home": "home_path",
    "file_url": "url",
}


@pytest.mark.parametrize("strategy", sorted(PII))
@given(data=st.data())
def test_each_kind_is_caught_and_named(strategy: str, data: st.DataObject) -> None:
    secret = data.draw(PII[strategy])
    before, after = data.draw(context), data.draw(context)
    text = f"{before} {secret} {after}".strip()

    assert not redact.is_clean(text)
    assert EXPECTED_KIND.get(strategy, strategy) in redact.findings(secret)
    assert secret not in redact.scrub(text)


def test_every_kind_has_words_for_people_and_a_strategy_here() -> None:
    assert set(redact.DESCRIPTIONS) == set(redact.KINDS)
    covered = {EXPECTED_KIND.get(name, name) for name in PII}
    # user_at_host, hostname, unc_path, the package tokens and long_token back up the
    # others; these are the kinds the issue names, and each has its own strategy.
    required = {
        "email",
        "home_path",
        "windows_home",
        "url",
        "ipv4",
        "ipv6",
        "mac_address",
        "jwt",
        "authorization",
        "assignment",
        "github_token",
        "slack_token",
        "aws_key",
        "google_key",
        "sk_key",
        "posthog_key",
        "long_hex",
        "long_base64",
        "personal_hostname",
    }
    assert required <= covered


@pytest.mark.parametrize(
    "text",
    [
        "user@laptop",
        r"\\fileserver\alice",
        "pypi-AgEIcHlwaS5vcmcCJGU4ZjQ2",
        "glpat-abcdefghijklmnopqrst",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "k8s0abcdefghijklmnopqrstuvwxyz0123456789",
        "telemetry.example.org",
        "$HOME/.config",
        "%USERPROFILE%\\Desktop",
        "ip2001:db8::1",
    ],
)
def test_backup_kinds_catch_the_rest(text: str) -> None:
    assert not redact.is_clean(text)


def _sent_values() -> list[str]:
    the_schema = schema.current()
    values: list[str] = []
    for prop in the_schema.envelope.values():
        values += [v for v in prop.values if isinstance(v, str)]
    for event in the_schema.events.values():
        for prop in event.props.values():
            values += [v for v in prop.values if isinstance(v, str)]
    for bucket in the_schema.buckets.values():
        values += list(bucket.labels)
    return values


@pytest.mark.parametrize("value", _sent_values())
def test_every_allowed_value_passes_the_fence(value: str) -> None:
    # A value the fence caught would silently never be sent.
    assert redact.is_clean(value), redact.findings(value)


release = st.builds(
    lambda parts, pre, dev: ".".join(map(str, parts)) + pre + dev,
    st.lists(st.integers(0, 9999), min_size=1, max_size=3),
    st.sampled_from(["", "a1", "b2", "rc10"]),
    st.sampled_from(["", ".post1", ".dev3"]),
)


@example(version="1000.1000.10a1", ident=str(uuid.UUID(int=0, version=4)), day="2000-01-01")
@given(
    version=release,
    ident=st.uuids(version=4).map(str),
    day=st.dates().map(lambda d: d.isoformat()),
)
def test_what_doorstep_generates_passes_the_fence(version: str, ident: str, day: str) -> None:
    for value in (version, ident, day):
        assert redact.is_clean(value), (value, redact.findings(value))


@given(secret=any_pii, before=context, after=context)
def test_scrub_leaves_no_secret_behind(secret: str, before: str, after: str) -> None:
    text = f"{before} {secret} {after}"
    assert secret not in redact.scrub(text)
    assert redact.REDACTED in redact.scrub(text)


@given(text=st.text(max_size=200))
def test_the_fence_never_fails_on_any_text(text: str) -> None:
    clean = redact.is_clean(text)
    assert clean == (redact.findings(text) == [])
    if clean:
        assert redact.scrub(text) == text


def test_uuid_hex_runs_stay_below_the_long_hex_bound() -> None:
    # The install and session ids must pass; their longest hex run is 12.
    assert redact.is_clean(str(uuid.UUID(int=2**128 - 1, version=4)))


@given(st.from_regex(r"[a-z0-9_]{1,14}", fullmatch=True))
def test_a_short_plain_word_is_judged_as_the_patterns_judge_it(word: str) -> None:
    assert redact.is_clean(word) == (redact._combined().search(word) is None)


@pytest.mark.parametrize(
    "word", ["deploy", "check", "my_laptop", "desktop", "pixel7", "x_imac_y", "sk_0123456789a"]
)
def test_plain_words_with_and_without_host_words(word: str) -> None:
    assert redact.is_clean(word) == (redact._combined().search(word) is None)
