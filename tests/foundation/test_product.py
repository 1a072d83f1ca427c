"""The product file is the identity: change it, and every name, path and variable follows."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import doorstep
from doorstep.foundation import paths, product
from doorstep.foundation.errors import ProductError
from doorstep.foundation.product import Product

PACKAGE = Path(doorstep.__file__).parent
ROOT = PACKAGE.parent
# The library's own names are code, not the product's name: its module paths
# (``doorstep.delivery.sender``), its entry-point group (``doorstep.products``), the file
# an adopting tool ships (``doorstep.toml``) and its extras (``doorstep[click]``).
MODULE_PATH = re.compile(r"doorstep(\.[a-z_]+|\[[a-z]+\])+")
ACME_TOML = """
name = "acme"
display_name = "Acme"
env_prefix = "ACME"
package = "acme-cli"
endpoint = ""
policy = "ask"
docs_url = "https://acme.example/TELEMETRY.md"
"""


def test_shipped_product_is_doorstep() -> None:
    shipped = product.current()
    assert (shipped.name, shipped.env_prefix, shipped.policy) == ("doorstep", "DOORSTEP", "ask")
    assert shipped.endpoint == "", "source builds send nothing"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('name = "acme"', "not valid TOML"),
        ('name = "Acme Corp"', "name must be"),
        ('env_prefix = "acme"', "env_prefix must be"),
        ('policy = "always"', "policy must be one of"),
        ('endpoint = "ftp://x"', "endpoint must be"),
    ],
)
def test_a_broken_product_file_is_named(change: str, message: str) -> None:
    key = change.split(" =")[0]
    lines = [line for line in ACME_TOML.strip().splitlines() if not line.startswith(f"{key} ")]
    text = "\n".join([*lines, change])
    if message == "not valid TOML":
        text += "\n" + change  # a duplicate key
    with pytest.raises(ProductError, match=message):
        Product.from_toml(text, origin="acme.toml")


def test_missing_field_is_named() -> None:
    with pytest.raises(ProductError, match="policy"):
        Product.from_toml(ACME_TOML.replace('policy = "ask"', ""))


def test_every_path_follows_the_product(home: Path) -> None:
    acme = Product.from_toml(ACME_TOML)
    where = paths.for_product(acme, {"ACME_BIN_DIR": str(home / "bin")})
    assert where.record == home / ".config/acme/telemetry.toml"
    assert where.receipt == home / ".config/acme/receipt.toml"
    assert where.spool == home / ".local/state/acme/spool.jsonl"
    assert where.venv == home / ".local/share/acme/venv"
    assert where.cache_dir == home / ".cache/acme"
    assert where.link == home / "bin/acme"
    # Our own variable does not move another product's files.
    other = paths.for_product(acme, {"DOORSTEP_BIN_DIR": str(home / "x")})
    assert other.link == home / ".local/bin/acme"


def test_every_variable_follows_the_product() -> None:
    acme = Product.from_toml(ACME_TOML)
    assert [acme.env(s) for s in ("TELEMETRY", "TELEMETRY_ENDPOINT", "TELEMETRY_DEBUG")] == [
        "ACME_TELEMETRY",
        "ACME_TELEMETRY_ENDPOINT",
        "ACME_TELEMETRY_DEBUG",
    ]
    assert dataclasses.replace(acme, env_prefix="ZED").env("BIN_DIR") == "ZED_BIN_DIR"


@pytest.fixture
def acme_package(tmp_path: Path) -> Path:
    """A copy of the package whose product file says "acme": how another tool adopts us."""
    root = tmp_path / "acme-src"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PACKAGE, root / "doorstep", ignore=ignore)
    for part in ("tui", "collector"):
        shutil.copytree(ROOT / part, root / "doorstep" / part, ignore=ignore)
    (root / "doorstep" / "product.toml").write_text(ACME_TOML)
    return root


def _acme(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ, PYTHONPATH=str(root), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "doorstep", *args],
        env=full,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_changing_only_the_product_file_renames_everything(home: Path, acme_package: Path) -> None:
    status = _acme(acme_package, "telemetry", "status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["files"]["record"]["path"] == str(home / ".config/acme/telemetry.toml")
    assert data["files"]["spool"]["path"] == str(home / ".local/state/acme/spool.jsonl")

    assert _acme(acme_package, "telemetry", "enable").returncode == 0
    assert (home / ".config/acme/telemetry.toml").is_file()
    assert not (home / ".config/doorstep").exists()

    off = json.loads(
        _acme(acme_package, "telemetry", "status", "--json", env={"ACME_TELEMETRY": "0"}).stdout
    )
    assert (off["state"], off["decided_by"]) == ("off", "env")
    ours = json.loads(
        _acme(acme_package, "telemetry", "status", "--json", env={"DOORSTEP_TELEMETRY": "0"}).stdout
    )
    assert ours["state"] == "on", "another product's variable is not ours"
    url = "http://127.0.0.1:9/v1/events"
    routed = json.loads(
        _acme(
            acme_package, "telemetry", "status", "--json", env={"ACME_TELEMETRY_ENDPOINT": url}
        ).stdout
    )
    assert routed["endpoint"] == url

    text = _acme(acme_package, "telemetry", "status").stdout
    assert "'acme telemetry enable'" in text and "ACME_TELEMETRY=0" in text
    assert "doorstep" not in text.lower()
    usage = _acme(acme_package, "telemetry", "bogus")
    assert usage.returncode == 2 and usage.stderr.startswith("acme ")
    assert "doorstep" not in usage.stderr.lower()


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """String literals in code; docstrings (prose) and ``__all__`` (identifiers) excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            docstrings.update(id(item) for item in ast.walk(node.value))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.add(id(value))
    found = []
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in docstrings:
            found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("package", ["installer", "tui", "collector"])
def test_no_module_hard_codes_the_product_name(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, value in _string_constants(path):
            if "doorstep" in MODULE_PATH.sub("", value.lower()):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {value!r}")
    assert offenders == []
