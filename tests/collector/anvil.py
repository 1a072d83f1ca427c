"""Anvil, an adopting tool's product file for the collector's tests, and wire bodies
built by the client's own code with a product's schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from doorstep.collector import days
from doorstep.events import envelope, schema, wire
from doorstep.foundation.product import Product
from tests.collector.conftest import new_id

ANVIL_TOML = """\
schema_version = 1

[product]
name = "anvil"
display_name = "Anvil"
env_prefix = "ANVIL"
package = "anvil-cli"
command = "anvil"
endpoint = ""
policy = "ask"
docs_url = "https://anvil.example/TELEMETRY.md"

[usage]
commands = ["forge", "temper", "quench"]

[events.forge_run]
why = "Which metals people forge, and whether it worked."

[events.forge_run.props.metal]
type = "enum"
values = ["iron", "steel", "bronze"]
why = "The metal forged."

[events.forge_run.props.ok]
type = "bool"
why = "Whether it finished without an error."

[events.forge_run.props.duration]
type = "bucket"
bucket = "duration"
why = "How long it took."

[events.forge_run.props.plugin]
type = "version"
why = "Which release of the forging plugin ran."

[events.anvil_opened]
why = "That the tool was opened at all."
"""


def body_of(
    product: Product,
    events: Sequence[tuple[str, dict[str, Any]]],
    install_id: Optional[str] = None,
    ci: bool = False,
    raw: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A wire body built by the client's own code with ``product``'s schema.

    ``raw`` events are appended after the client's cleaning, as a client that does not
    follow the schema would send them.
    """
    env = {"CI": "1"} if ci else {}
    the_envelope = envelope.build(env, install_id or new_id(), new_id())
    today = days.today()
    listed = [
        {"name": name, "day": today, "seq": seq, "props": props}
        for seq, (name, props) in enumerate(events)
    ]
    built = wire.body(the_envelope, listed, schema.for_product(product))
    for seq, event in enumerate(raw, start=len(listed)):
        built["events"].append({"day": today, "seq": seq, **event})
    return built
