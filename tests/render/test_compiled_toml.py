"""The modules compiled from schema.toml and product.toml are in step with their sources,
and a stale one costs a parse, never a wrong value."""

from __future__ import annotations

import json
from pathlib import Path

from doorstep.events import schema, schema_toml
from doorstep.foundation import product, tomlread
from doorstep.render import compiled_toml
from tests.pipeline.processes import python

FIX = "run 'python -m doorstep.render.compiled_toml --write'"


def test_each_compiled_module_is_up_to_date() -> None:
    for source, module in compiled_toml.COMPILED.items():
        assert compiled_toml.is_current(source, module), f"{module.name} is stale: {FIX}"


PRODUCT_JSON = Path(product.__file__).parent.parent / "product.json"


def test_the_package_reads_the_compiled_tables() -> None:
    schema_source = Path(schema.__file__).with_name("schema.toml")
    assert schema_source.read_text(encoding="utf-8") == schema_toml.SOURCE
    assert schema._built_in() is schema_toml.DATA
    compiled = json.loads(PRODUCT_JSON.read_text(encoding="utf-8"))
    assert tomlread.loads(compiled["SOURCE"]) == compiled["DATA"]
    assert product.own() == product.Product.from_mapping(compiled["DATA"], "product.toml")


def test_a_file_changed_since_it_was_compiled_is_parsed(tmp_path: Path) -> None:
    compiled = json.loads(PRODUCT_JSON.read_text(encoding="utf-8"))
    path = tmp_path / "product.toml"
    path.write_text(compiled["SOURCE"].replace("display_name = ", "display_name = 'Two' #"))
    found = tomlread.read_file(path, 16 * 1024, "a product file", compiled)
    assert found is not compiled["DATA"]
    assert found is not None and found["product"]["display_name"] == "Two"

    stale = {"SOURCE": "x = 1\n", "DATA": {"x": 2}}
    path.write_text("x = 1\n", "utf-8")
    assert tomlread.read_file(path, 64, "a file", stale) == {"x": 2}
    path.write_text("x = 3\n", "utf-8")
    assert tomlread.read_file(path, 64, "a file", stale) == {"x": 3}


def test_check_fails_on_a_stale_module_and_write_repairs_it(tmp_path: Path) -> None:
    source = tmp_path / "schema.toml"
    source.write_text(schema_toml.SOURCE, encoding="utf-8")
    for module in (tmp_path / "schema_toml.py", tmp_path / "schema.json"):
        module.write_text(compiled_toml.render(source, module), encoding="utf-8")
        assert compiled_toml.is_current(source, module)
    source.write_text(schema_toml.SOURCE.replace("days = 90", "days = 30"), encoding="utf-8")
    for module in (tmp_path / "schema_toml.py", tmp_path / "schema.json"):
        assert not compiled_toml.is_current(source, module)
        module.write_text(compiled_toml.render(source, module), encoding="utf-8")
        assert compiled_toml.is_current(source, module)


def test_check_passes_on_the_checkout() -> None:
    result = python("-m", "doorstep.render.compiled_toml", "--check")
    assert result.returncode == 0, result.stderr
