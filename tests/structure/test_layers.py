"""The package reads bottom-up: each layer imports only layers below it, nothing imports in
a circle (deferred imports included), and no folder grows past 15 modules."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.structure import imports

# The order of the layers, bottom first. This is the one place it is written down: a
# module may import from its own layer and from any layer before it, never after.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("doorstep._version", "doorstep.foundation"),
    ("doorstep.consent",),
    ("doorstep.events",),
    ("doorstep.delivery",),
    ("doorstep.install",),
    ("doorstep.onboarding",),
    ("doorstep.render",),
    ("doorstep.collector",),
    ("doorstep.tui",),
    ("doorstep.cli", "doorstep.adopting", "doorstep.click", "doorstep.__main__", "doorstep"),
)
MAX_MODULES_PER_FOLDER = 15


def layer_of(module: str) -> int:
    """The rank of ``module``'s layer (the longest matching prefix decides)."""
    best, rank = "", -1
    for position, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, rank = prefix, position
    if rank < 0:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")
    return rank


def upward(edges: Mapping[str, set[str]]) -> list[str]:
    """Every import that reaches a layer above the importer's own."""
    return sorted(
        f"{source} -> {target}"
        for source, targets in edges.items()
        for target in targets
        if layer_of(target) > layer_of(source)
    )


def test_every_module_is_in_a_layer() -> None:
    for module in imports.graph():
        layer_of(module)


def test_nothing_imports_in_a_circle() -> None:
    assert imports.cycles(imports.graph()) == []


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    assert upward(imports.graph()) == []


def test_no_folder_holds_more_than_fifteen_modules() -> None:
    folders: dict[Path, int] = {}
    for path in imports.modules().values():
        if path.name != "__init__.py":
            folders[path.parent] = folders.get(path.parent, 0) + 1
    crowded = {str(f.relative_to(imports.ROOT)): n for f, n in folders.items()}
    assert {f: n for f, n in crowded.items() if n > MAX_MODULES_PER_FOLDER} == {}


def test_the_graph_sees_deferred_and_aliased_imports() -> None:
    # Guards the tests above against passing vacuously: known edges of every kind are seen.
    edges = imports.graph()
    assert "doorstep.consent.record" in edges["doorstep.delivery.telemetry"]  # aliased
    assert "doorstep.delivery.sender" in edges["doorstep.delivery.telemetry"]  # deferred
    assert "doorstep.collector.cli" in edges["doorstep.cli.dispatch"]  # deferred, try block
    assert "doorstep.tui.app" in edges["doorstep.tui.launch"]


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """A copy of the package sources to break on purpose."""
    for folder in imports.FOLDERS.values():
        shutil.copytree(imports.ROOT / folder, tmp_path / folder)
    return tmp_path


def _add_line(path: Path, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("\nfrom __future__ import annotations\n")
    path.write_text(f"{head}\nfrom __future__ import annotations\n{line}\n{rest}", "utf-8")


def test_a_reversed_import_is_caught(tree_copy: Path) -> None:
    # The foundation reaching up to the command line: an upward edge, and a circle.
    _add_line(tree_copy / "installer/foundation/paths.py", "from doorstep.cli import dispatch")
    edges = imports.graph(tree_copy)
    assert "doorstep.foundation.paths -> doorstep.cli.dispatch" in upward(edges)
    assert any("doorstep.foundation.paths" in group for group in imports.cycles(edges))


def test_a_deferred_reversed_import_is_caught(tree_copy: Path) -> None:
    path = tree_copy / "collector/store.py"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n\ndef _late():\n    from doorstep.tui import app  # noqa\n", "utf-8")
    assert "doorstep.collector.store -> doorstep.tui.app" in upward(imports.graph(tree_copy))


def test_a_circle_within_one_layer_is_caught(tree_copy: Path) -> None:
    _add_line(tree_copy / "installer/events/schema.py", "from doorstep.events import wire")
    groups = imports.cycles(imports.graph(tree_copy))
    assert any({"doorstep.events.schema", "doorstep.events.wire"} <= set(g) for g in groups)
