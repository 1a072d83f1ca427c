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


ADOPTING_TOML = """schema_version = 1

[product]
name = "acme"
display_name = "Acme"
env_prefix = "ACME"
package = "acme-cli"
endpoint = ""
policy = "ask"
docs_url = "https://acme.example/TELEMETRY.md"

[events.zeta_run]
why = "Listed first in the file, after the alphabet."
[events.zeta_run.props.ok]
type = "bool"
why = "Whether it worked."
[events.alpha_run]
why = "Listed second."
"""


def test_an_adopting_tools_file_compiles_beside_itself_and_reads_the_same(
    tmp_path: Path,
) -> None:
    source = tmp_path / "doorstep.toml"
    source.write_text(ADOPTING_TOML, encoding="utf-8")
    parsed = product.from_file(source)

    assert compiled_toml.main(["--check", str(source)]) == 1  # nothing compiled yet
    assert compiled_toml.main(["--write", str(source)]) == 0
    compiled = tmp_path / product.COMPILED_NAME
    assert compiled_toml.main(["--check", str(source)]) == 0
    assert product.compiled_beside(source) == json.loads(compiled.read_text("utf-8"))

    read = product.from_file(source)
    assert read == parsed and read.events_json == parsed.events_json  # the file's order
    assert list(read.events) == ["zeta_run", "alpha_run"]


def test_an_adopting_tools_stale_or_broken_copy_costs_a_parse_not_a_wrong_value(
    tmp_path: Path,
) -> None:
    source = tmp_path / "doorstep.toml"
    source.write_text(ADOPTING_TOML, encoding="utf-8")
    assert compiled_toml.main(["--write", str(source)]) == 0
    compiled = tmp_path / product.COMPILED_NAME
    source.write_text(ADOPTING_TOML.replace('"Acme"', '"Acme Pro"'), encoding="utf-8")
    assert product.from_file(source).display_name == "Acme Pro"
    assert compiled_toml.main(["--check", str(source)]) == 1

    for broken in ("{not json", "[]", '{"SOURCE": 1, "DATA": {}}', '{"SOURCE": "", "DATA": 2}'):
        compiled.write_text(broken, encoding="utf-8")
        assert product.compiled_beside(source) is None
        assert product.from_file(source).display_name == "Acme Pro"
    compiled.unlink()
    compiled.mkdir()
    assert product.from_file(source).display_name == "Acme Pro"


def test_a_copy_with_the_same_text_is_what_the_file_means(tmp_path: Path) -> None:
    # The copy is trusted only for the exact text it holds; its table is then used as is.
    source = tmp_path / "doorstep.toml"
    source.write_text(ADOPTING_TOML, encoding="utf-8")
    assert compiled_toml.main(["--write", str(source)]) == 0
    compiled = tmp_path / product.COMPILED_NAME
    found = json.loads(compiled.read_text("utf-8"))
    assert found["DATA"] == tomlread.loads(ADOPTING_TOML)
    found["DATA"]["product"]["display_name"] = "From the copy"
    compiled.write_text(json.dumps(found), encoding="utf-8")
    assert product.from_file(source).display_name == "From the copy"


def test_compiling_a_file_that_is_not_a_product_file_is_one_line(tmp_path: Path) -> None:
    result = python("-m", "doorstep.render.compiled_toml", "--write", str(tmp_path / "x.toml"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    missing = tmp_path / "doorstep.toml"
    result = python("-m", "doorstep.render.compiled_toml", "--write", str(missing))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    missing.write_text("when = 2026-11-22\n", encoding="utf-8")  # JSON holds no dates
    result = python("-m", "doorstep.render.compiled_toml", "--write", str(missing))
    assert result.returncode == 1 and "cannot be compiled" in result.stderr
    assert not (tmp_path / product.COMPILED_NAME).exists()
