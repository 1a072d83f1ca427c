"""The product file format of DESIGN.md ("Product file"): [product], [usage], [events];
every mistake is one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.foundation import product
from doorstep.foundation.errors import ProductError
from doorstep.foundation.product import Product

ACME = """\
schema_version = 1

[product]
name = "acme"
display_name = "Acme"
env_prefix = "ACME"
package = "acme-cli"
command = "acme"
endpoint = ""
policy = "ask"
precheck = false
docs_url = "https://acme.example/TELEMETRY.md"
purpose = "so its makers learn which commands people use"

[usage]
commands = ["deploy", "check"]

[events.command_run]
why = "Which commands people run, and whether they worked."
[events.command_run.props.command]
type = "enum"
values = ["deploy", "check"]
why = "The command that ran."
"""


def test_the_full_format_is_read() -> None:
    acme = Product.from_toml(ACME, origin="acme/doorstep.toml")
    assert (acme.name, acme.command_name, acme.package, acme.precheck) == (
        "acme",
        "acme",
        "acme-cli",
        False,
    )
    assert acme.purpose == "so its makers learn which commands people use"
    assert acme.usage == ("deploy", "check")
    assert acme.events["command_run"]["props"]["command"]["values"] == ["deploy", "check"]
    assert acme.origin == "acme/doorstep.toml"


def test_optional_fields_have_defaults() -> None:
    text = ACME.replace('command = "acme"\n', "").replace("precheck = false\n", "")
    text = text.split("[usage]")[0]
    acme = Product.from_toml(text)
    assert (acme.command_name, acme.precheck, acme.usage, acme.events) == ("acme", True, (), {})


def test_the_shipped_file_uses_the_format() -> None:
    own = product.own()
    assert own.name == "doorstep" and own.origin.endswith("product.toml")
    assert product.load("doorstep") == own


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('policy = "ask"', 'policy = "always"'), "product.policy"),
        (('name = "acme"', 'name = "Acme Corp"'), "product.name"),
        (("precheck = false", 'precheck = "no"'), "product.precheck"),
        (('command = "acme"', 'command = "a b"'), "product.command"),
        (('package = "acme-cli"', 'package = "acme cli"'), "product.package"),
        (('policy = "ask"', 'policy = "ask"\ncolour = "red"'), "product.colour"),
        (("schema_version = 1", "schema_version = 2"), "schema_version"),
        (('commands = ["deploy", "check"]', 'commands = "deploy"'), "usage.commands"),
        (('commands = ["deploy", "check"]', 'commands = ["deploy", "deploy"]'), "usage.commands"),
        (('commands = ["deploy", "check"]', 'commands = ["Deploy me"]'), "usage.commands"),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_the_field(
    change: tuple[str, str], field: str
) -> None:
    text = ACME.replace(*change)
    assert text != ACME
    with pytest.raises(ProductError) as caught:
        Product.from_toml(text, origin="/tool/acme/doorstep.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("/tool/acme/doorstep.toml")
    assert field in message


def test_a_missing_field_is_named() -> None:
    with pytest.raises(ProductError, match=r"product\.endpoint"):
        Product.from_toml(ACME.replace('endpoint = ""\n', ""))


@pytest.mark.parametrize(
    "content", [b"\x00\xff not toml", b"name = ", b"[product]\nname = 1\n"], ids=str
)
def test_a_file_on_disk_that_is_wrong_is_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "doorstep.toml"
    path.write_bytes(content)
    with pytest.raises(ProductError) as caught:
        product.from_file(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ProductError, match="does not exist"):
        product.from_file(tmp_path / "nope.toml")


def test_an_unknown_product_lists_the_installed_ones() -> None:
    with pytest.raises(ProductError) as caught:
        product.load("no-such-tool")
    message = str(caught.value)
    assert "no-such-tool" in message and "installed: doorstep" in message
    assert "\n" not in message
