"""Privacy fuzz: personal and secret strings put into every input that can reach an event
(properties, versions, the environment, the spool on disk) never appear on the wire."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.delivery import sender
from doorstep.delivery.spool import Entry, Spool
from doorstep.events import envelope, schema
from tests.pipeline.pii import any_pii
from tests.pipeline.processes import python, wait_for_senders
from tests.support.capture import Capture

SCHEMA = schema.current()
ENV_NAMES = ("CI", "GITHUB_ACTIONS", "USER", "LOGNAME", "HOSTNAME", "PWD", "LANG", "TERM")
# Function-scoped fixtures (HOME, the server) are shared by the examples of one test;
# each example starts from an empty spool and an empty request list.
SHARED_FIXTURES = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_in(v))]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def assert_never_on_the_wire(capture: Capture, secrets: list[str]) -> None:
    for request in capture.requests:
        raw = (
            "\n".join(
                [request.method, request.path, *(f"{k}: {v}" for k, v in request.headers.items())]
            ).encode()
            + b"\n"
            + request.body
        )
        decoded = strings_in(json.loads(request.body))  # JSON escapes would hide a backslash
        for secret in secrets:
            assert secret.encode() not in raw, secret
            assert not any(secret in text for text in decoded), secret


def tampered_line(base: Entry, secret: str, field: str) -> bytes:
    """A spool line with ``secret`` written into one envelope or event field."""
    record: dict[str, Any] = {"envelope": dict(base.envelope), "event": dict(base.event)}
    where, key = field.split(".", 1)
    if where == "props":
        record["event"]["props"] = {**base.event["props"], key: secret}
    else:
        record[where][key] = secret
    return json.dumps(record).encode() + b"\n"


TAMPERABLE = [
    *(f"envelope.{name}" for name in SCHEMA.envelope if name not in ("install_id", "session_id")),
    "event.name",
    "event.day",
    "props.stage",
    "props.duration",
    "props.note",
]


@SHARED_FIXTURES
@given(
    secrets=st.lists(any_pii, min_size=1, max_size=4),
    field=st.sampled_from(TAMPERABLE),
)
def test_pii_in_any_input_never_reaches_the_wire(
    capture: Capture, endpoint: str, consent_on: str, spool: Spool, secrets: list[str], field: str
) -> None:
    capture.requests.clear()
    spool.discard()
    secret = secrets[0]
    env = {name: secrets[i % len(secrets)] for i, name in enumerate(ENV_NAMES)}

    # Properties: every property of every event, and one the schema does not know.
    from doorstep.delivery.telemetry import Recorder

    recorder = Recorder(env=env)
    for event in SCHEMA.events.values():
        props = {name: secrets[i % len(secrets)] for i, name in enumerate(event.props)}
        recorder.record(event.name, note=secret, **props)
        recorder.record(event.name, **{name: [secret] for name in event.props})
    the_envelope = envelope.build(env, consent_on)
    spool.append(Entry(the_envelope, event) for event in recorder.pending)

    # Versions and everything else on disk: a spool line someone edited by hand.
    base = Entry(
        the_envelope,
        {"name": "install_stage_completed", "day": "2026-11-22", "seq": 7, "props": {}},
    )
    with open(spool.path, "ab") as handle:
        handle.write(tampered_line(base, secret, field))

    assert sender.send_once(spool, None, time.monotonic() + sender.TOTAL_SECONDS)
    assert capture.requests, "the clean part of the batch was sent"
    assert_never_on_the_wire(capture, secrets)


@settings(SHARED_FIXTURES, max_examples=6)
@given(secrets=st.lists(any_pii, min_size=len(ENV_NAMES), max_size=len(ENV_NAMES)))
def test_pii_in_a_real_command_never_reaches_the_wire(
    capture: Capture, endpoint: str, consent_on: str, home: Path, secrets: list[str]
) -> None:
    capture.requests.clear()
    props = {
        event.name: {name: secrets[i] for i, name in enumerate(event.props)}
        for event in SCHEMA.events.values()
    }
    code = (
        "import json, sys\nfrom doorstep.delivery import telemetry\n"
        "for name, props in json.loads(sys.argv[1]).items():\n"
        "    telemetry.record(name, extra=sys.argv[2], **props)\n"
        "    telemetry.record(name)\n"
    )
    env = dict(zip(ENV_NAMES, secrets))
    done = python("-c", code, json.dumps(props), secrets[0], env=env)
    assert done.returncode == 0 and done.stderr == ""
    count = len(SCHEMA.events) * 2
    assert capture.wait_for(lambda c: len(c.events()) >= count)
    wait_for_senders(home)
    assert_never_on_the_wire(capture, secrets)
    assert str(uuid.UUID(capture.bodies()[0]["envelope"]["install_id"])) == consent_on
