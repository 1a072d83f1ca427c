"""doorstep's own TOML files, compiled, so that start-up parses no TOML.

    python -m doorstep.render.compiled_toml            print each compiled file
    python -m doorstep.render.compiled_toml --write    (re)write them
    python -m doorstep.render.compiled_toml --check    exit 1 if one is stale

``installer/events/schema.toml`` becomes the module ``doorstep.events.schema_toml``;
``installer/product.toml`` becomes ``product.json`` beside it (data, not a module: no
module names the product). Each holds the file's text (``SOURCE``) and its table
(``DATA``). The TOML file stays the source; its reader uses ``DATA`` only while the file
still holds exactly ``SOURCE``, so a compiled file left stale costs a parse, never a
wrong value.
"""

from __future__ import annotations

import sys
from pathlib import Path

from doorstep.foundation import tomlread

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Optional

_PACKAGE = Path(__file__).resolve().parent.parent
# The TOML file and the module made from it, both in the package.
COMPILED = {
    _PACKAGE / "events" / "schema.toml": _PACKAGE / "events" / "schema_toml.py",
    _PACKAGE / "product.toml": _PACKAGE / "product.json",
}
_HEAD = '''"""{name}, compiled: do not edit ('python -m doorstep.render.compiled_toml --write').

{name} is the source: its reader uses DATA only while the file holds exactly SOURCE.
"""

# ruff: noqa: E501
'''


def render(source: Path, compiled: Path) -> str:
    """What ``compiled`` holds for the TOML file ``source``: a module, or JSON."""
    text = source.read_text(encoding="utf-8")
    data = tomlread.loads(text)
    if compiled.suffix == ".json":
        import json

        return json.dumps({"SOURCE": text, "DATA": data}, indent=1, sort_keys=True) + "\n"
    return f"{_HEAD.format(name=source.name)}\nSOURCE = {text!r}\n\nDATA = {data!r}\n"


def read(compiled: Path) -> dict[str, object]:
    """``SOURCE`` and ``DATA`` as ``compiled`` holds them (empty when it cannot be read)."""
    try:
        text = compiled.read_text(encoding="utf-8")
        if compiled.suffix == ".json":
            import json

            found = json.loads(text)
            return found if isinstance(found, dict) else {}
        found = {}
        exec(compile(text, str(compiled), "exec"), found)
        return found
    except (OSError, ValueError, SyntaxError):
        return {}


def is_current(source: Path, compiled: Path) -> bool:
    """Whether ``compiled`` holds the text and the table of ``source`` as it is now."""
    text = source.read_text(encoding="utf-8")
    found = read(compiled)
    return found.get("SOURCE") == text and found.get("DATA") == tomlread.loads(text)


def main(argv: Optional[list[str]] = None) -> int:
    """Print, --write or --check; exit 1 (one line on stderr per module) when stale."""
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--write"], ["--check"]):
        sys.stderr.write("usage: python -m doorstep.render.compiled_toml [--write | --check]\n")
        return 2
    stale = 0
    for source, module in COMPILED.items():
        if not args:
            sys.stdout.write(render(source, module))
        elif args == ["--write"]:
            from doorstep.foundation.atomic import write_atomic

            write_atomic(module, render(source, module).encode("utf-8"), mode=0o644)
        elif not is_current(source, module):
            stale += 1
            sys.stderr.write(
                f"{module} is stale: run 'python -m doorstep.render.compiled_toml --write'\n"
            )
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["COMPILED", "is_current", "main", "render"]
