"""TELEMETRY.md, generated from the schema, the product file and the pipeline's own bounds.

    python -m doorstep.render.telemetry_doc                      print it
    python -m doorstep.render.telemetry_doc --write TELEMETRY.md  (re)write it atomically
    python -m doorstep.render.telemetry_doc --check TELEMETRY.md  exit 1 if it is stale

Nothing here names the product: names, variables and the endpoint come from
``installer/product.toml``, fields from ``installer/events/schema.toml``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

from doorstep.delivery import sender, spool, telemetry
from doorstep.events import redact, schema
from doorstep.events.schema import Prop, Schema
from doorstep.foundation.product import Product, current

_TYPE_WORDS = {
    "enum": "one of a fixed list",
    "bool": "true or false",
    "bucket": "a coarse range (a label, never the number)",
    "version": "a release version such as `1.2.3` (a `+local` part is cut off)",
    "hash": "salted SHA-256, 12 hex digits; the salt never leaves your machine",
    "id": "a random UUID4",
    "int": "a number from a fixed list",
}
# Placeholders for the example body: shaped like the real thing, identifying nothing.
_EXAMPLE_ID = "00000000-0000-4000-8000-000000000000"
_EXAMPLE_VERSION = {"app_version": "1.2.3", "python": "3.12"}


def _allowed(prop: Prop) -> str:
    if prop.type in ("enum", "int"):
        return ", ".join(f"`{value}`" for value in prop.values)
    if prop.type == "bucket" and prop.bucket is not None:
        return ", ".join(f"`{label}`" for label in prop.bucket.labels)
    if prop.type == "bool":
        return "`true`, `false`"
    return _TYPE_WORDS[prop.type]


def _table(props: dict[str, Prop], first: str) -> list[str]:
    rows = [f"| {first} | type | allowed values | why |", "|---|---|---|---|"]
    for prop in props.values():
        unit = f" ({prop.bucket.unit})" if prop.bucket is not None and prop.bucket.unit else ""
        rows.append(f"| `{prop.name}` | {prop.type}{unit} | {_allowed(prop)} | {prop.why} |")
    return rows


def _example_value(name: str, prop: Prop) -> Any:
    if prop.type == "id":
        return _EXAMPLE_ID
    if prop.type == "version":
        return _EXAMPLE_VERSION.get(name, "1.0")
    if prop.type == "bool":
        return False
    if prop.type == "bucket" and prop.bucket is not None:
        return prop.bucket.labels[len(prop.bucket.labels) // 2]
    if prop.type == "hash":
        return "0123456789ab"
    return prop.values[0]


def example_body(the_schema: Schema) -> dict[str, Any]:
    """A body of the shape every send has, built from the schema with placeholder ids."""
    from doorstep.events import wire

    envelope = {name: _example_value(name, prop) for name, prop in the_schema.envelope.items()}
    name, event = next(iter(the_schema.events.items()))
    props = {key: _example_value(key, prop) for key, prop in event.props.items()}
    return wire.body(envelope, [{"name": name, "day": "2026-01-31", "seq": 0, "props": props}])


def render(product: Optional[Product] = None, the_schema: Optional[Schema] = None) -> str:
    """The whole of TELEMETRY.md for ``product`` (default: this one) and the schema."""
    import json

    product = product or current()
    the_schema = the_schema or schema.current()
    name, title = product.name, product.display_name
    command = product.command_name  # what people type; name is the folders'
    env_telemetry = product.env("TELEMETRY")
    env_endpoint = product.env("TELEMETRY_ENDPOINT")
    env_debug = product.env("TELEMETRY_DEBUG")
    spool_kib = spool.MAX_BYTES // 1024
    out: list[str] = [
        f"<!-- Generated from {product.name}'s product file and the event schema. Do not edit",
        "     by hand: edit those and generate it again. A test fails when it is stale. -->",
        "",
        f"# What {title} collects, and how to turn it off",
        "",
        f"{title} can share anonymous usage data about its installer and first-run wizard.",
        'Nothing leaves your machine until there is a recorded "yes", and every field that',
        "can ever be sent is listed below. This page is generated from the schema, the",
        "allowlist the client validates against before sending and the collector validates",
        "against before storing: a field that is not here cannot be sent or stored.",
        "",
        f"Schema version: {the_schema.version}.",
        "",
        "## Turning it off",
        "",
        "Any one of these turns telemetry off:",
        "",
        "- `DO_NOT_TRACK` set to anything except `0`, `false`, `no` or `off` (an empty value",
        "  counts as unset). It wins over everything else, including a saved yes.",
        f"- An administrator's `enabled = false` in `/etc/xdg/{name}/telemetry.toml` (the",
        "  first folder of `XDG_CONFIG_DIRS`): off for every user of the machine.",
        f"- `{env_telemetry}=0` (or `false`, `no`, `off`): off for that process.",
        f"- `--no-telemetry` on `{command} setup` or on the install script: off, saved, and",
        "  nothing is asked.",
        f"- `{command} telemetry disable`: off, saved; the install id and every event waiting",
        "  to be sent are deleted. With `--forget`, one request also asks the collector to",
        "  delete every event of this install (`DELETE …/v1/installs/<install id>`).",
        f"- The privacy toggle in the settings screen (`{command} settings`), which does the same.",
        f"- No endpoint: with no endpoint in the product file and `{env_endpoint}` unset,",
        "  nothing is ever sent, whatever was decided. "
        + (
            "This build names no endpoint."
            if not product.endpoint
            else f"This build sends to `{product.endpoint}`."
        ),
        "",
        "When telemetry is off or undecided, no socket is opened, no sender process is",
        'started and nothing is written to disk. There is no "opted out" message.',
        "",
        "## How the decision is made",
        "",
        "The first rule that applies wins:",
        "",
        "1. `DO_NOT_TRACK` set and not `0`/`false`/`no`/`off`: off.",
        "2. The machine policy (an administrator's `enabled = false`): off.",
        f"3. `{env_telemetry}`: `0`/`false`/`no`/`off` turn it off, `1`/`true`/`yes`/`on` turn it",
        "   on, for that process only (any other value is ignored, with a warning).",
        f"4. `--no-telemetry` / `--telemetry` on the command (`{command} setup` saves it).",
        "5. Your saved choice (`telemetry.toml` in the config folder).",
        "6. The product's policy: `ask` (undecided: nothing is sent until you answer),",
        "   `notice` (on, after a one-line notice on stderr), `off`. "
        f"This build's policy is `{product.policy}`.",
        "",
        f"`{command} telemetry status` says which rule decided, in words.",
        "",
        "A yes covers what you were shown: the saved choice keeps the kinds of data it",
        "covered, and anything a later version adds is dropped, never sent, until you agree",
        f"to it (`{command} telemetry status` names it; `{command} setup` asks about only that).",
        f"Every batch that was sent is also kept on this machine for 30 days: "
        f"`{command} telemetry log` shows it, exactly as it left.",
        "",
        "## What is sent",
        "",
        "`POST <endpoint>` with `Content-Type: application/json` and a body of this shape",
        "(the ids here are placeholders):",
        "",
        "```json",
        json.dumps(example_body(the_schema), indent=2, sort_keys=True),
        "```",
        "",
        f"`{command} telemetry preview` prints the exact body the next send would carry (and",
        "sends nothing, whatever the decision).",
        "",
        "### The envelope",
        "",
        "Computed once per run and sent with every batch:",
        "",
        *_table(the_schema.envelope, "field"),
        "",
        "### Events",
        "",
        "Every event carries its `name`, `day` (the UTC date, never a time of day), `seq`",
        "(its order within the run) and `props`, the properties listed for it below. An",
        "unknown event is dropped; an unknown or invalid property is dropped; lists and",
        f"objects are never values; text values are at most {the_schema.max_string} characters.",
    ]
    for event in the_schema.events.values():
        out += ["", f"#### `{event.name}`", "", event.why, ""]
        out += _table(event.props, "property") if event.props else ["(no properties)"]
    out += ["", "### Types", ""]
    out += [f"- **{kind}**: {words}." for kind, words in _TYPE_WORDS.items()]
    out += ["", "Ranges of the buckets (a value is reported as the label of its range):", ""]
    for bucket in the_schema.buckets.values():
        labels = ", ".join(f"`{label}`" for label in bucket.labels)
        out.append(f"- `{bucket.name}` ({bucket.unit}): {labels}.")
    out += [
        "",
        "## What is never collected",
        "",
        "- No free text of any kind: no error messages, command lines, arguments, file or",
        "  folder names, paths, environment variable values, package or project names.",
        "- No user names, host names, IP addresses or hardware identifiers. The collector",
        "  never stores or logs the address a request came from.",
        "- No time of day: events carry only the UTC date.",
        "- Nothing that identifies a person: the install id is random, minted when",
        "  telemetry is turned on, and replaced or deleted on request.",
        "- The salt used for hashed values stays in your consent record and is never sent.",
        "",
        "A second fence stands behind the schema: every text value is checked just before it",
        "is sent, and a value that looks like any of the following is dropped, not rewritten:",
        "",
    ]
    out += [f"- {words}" for words in redact.DESCRIPTIONS.values()]
    out += [
        "",
        "## When it is sent",
        "",
        f"- Before a decision, events wait in memory only (at most {telemetry.BUFFER_LIMIT};",
        "  past that the oldest are dropped and counted), never on disk, never on the network.",
        "  Declining drops them; cancelling the wizard drops them and records nothing.",
        "- After a yes they are appended to `spool.jsonl` in the state folder (on Linux",
        f"  `~/.local/state/{name}/`), which holds at most {spool_kib} KiB (the oldest go",
        f"  first); events older than {spool.MAX_AGE_DAYS} days are dropped.",
        "- A detached sender process posts them, so no command waits for the network. It",
        f"  spends at most {sender.TOTAL_SECONDS:g} seconds in all and never retries in a loop.",
        "  Any HTTP answer is final; if no answer arrives, the events stay in the spool for",
        "  the next send. Nothing is printed when sending fails.",
        "- The sender reads your saved choice again just before sending: turning telemetry",
        "  off stops events that were already queued.",
        "- `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` are honoured.",
        f"- `{env_debug}=1` echoes each batch to stderr before it is sent.",
        "",
        "## Retention",
        "",
        f"The collector keeps events for {the_schema.retention_days} days. "
        + the_schema.retention_why,
        "",
        "## Your install id",
        "",
        f"`{command} telemetry status` shows it; `{command} telemetry reset-id` replaces it (and",
        f"deletes the events queued under the old one); `{command} telemetry disable` deletes it.",
        "",
    ]
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    """Print, --write PATH or --check PATH; exit 1 (one line on stderr) when stale."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if not args:
        sys.stdout.write(text)
        return 0
    if len(args) != 2 or args[0] not in ("--write", "--check"):
        sys.stderr.write(
            "usage: python -m doorstep.render.telemetry_doc [--write PATH | --check PATH]\n"
        )
        return 2
    path = Path(args[1])
    if args[0] == "--write":
        from doorstep.foundation.atomic import write_atomic

        write_atomic(path, text.encode("utf-8"), mode=0o644)
        return 0
    try:
        found = path.read_text(encoding="utf-8")
    except OSError as exc:
        found = f"unreadable: {exc}"
    if found != text:
        sys.stderr.write(
            f"{path} is stale: run 'python -m doorstep.render.telemetry_doc --write {path}'\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["example_body", "main", "render"]
