"""doorstep's own TOML files, compiled, so that start-up parses no TOML.

    python -m doorstep.render.compiled_toml            print each compiled file
    python -m doorstep.render.compiled_toml --write    (re)write them
    python -m doorstep.render.compiled_toml --check    exit 1 if one is stale

    python -m doorstep.render.compiled_toml --write PATH/doorstep.toml    an adopting
                                                   tool's product file, compiled (--check too)

``installer/events/schema.toml`` becomes the module ``doorstep.events.schema_toml``;
``installer/product.toml`` becomes ``product.json`` beside it (data, not a module: no
module names the product). Each holds the file's text (``SOURCE``) and its table
(``DATA``). The TOML file stays the source; its reader uses ``DATA`` only while the file
still holds exactly ``SOURCE``, so a compiled file left stale costs a parse, never a
wrong value. An adopting tool's ``doorstep.toml`` becomes ``doorstep.json`` beside it,
in the file's own order (its events are shown in that order), to ship in its package:
``doorstep.Telemetry`` then reads the tool's product without the TOML parser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from doorstep.foundation import product, tomlread

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

        # doorstep's own files sorted, as ever; an adopting tool's in the file's order.
        ordered = compiled.name == product.COMPILED_NAME
        found = {"SOURCE": text, "DATA": data}
        return json.dumps(found, indent=1, sort_keys=not ordered) + "\n"
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
    """Print, --write or --check; exit 1 (one line on stderr per module) when stale.

    Product files named after the option (``doorstep.toml``) are compiled beside
    themselves instead of doorstep's own files."""
    args = sys.argv[1:] if argv is None else argv
    mode = args[:1] if args[:1] in (["--write"], ["--check"]) else []
    files = args[len(mode) :]
    if any(f.startswith("-") or Path(f).name != product.FILE_NAMES[0] for f in files):
        sys.stderr.write(
            "usage: python -m doorstep.render.compiled_toml [--write | --check] "
            f"[PATH/{product.FILE_NAMES[0]} ...]\n"
        )
        return 2
    targets = COMPILED
    if files:
        targets = {Path(f): Path(f).with_name(product.COMPILED_NAME) for f in files}
    stale = 0
    for source, module in targets.items():
        try:
            stale += _one(mode, source, module)
        except (OSError, ValueError, TypeError) as exc:
            # Not there, not TOML, or a value JSON cannot hold (a date): one line.
            sys.stderr.write(f"{source} cannot be compiled: {exc}\n")
            return 1
    return 1 if stale else 0


def _one(mode: list[str], source: Path, module: Path) -> int:
    if not mode:
        sys.stdout.write(render(source, module))
    elif mode == ["--write"]:
        from doorstep.foundation.atomic import write_atomic

        write_atomic(module, render(source, module).encode("utf-8"), mode=0o644)
    elif not is_current(source, module):
        command = "python -m doorstep.render.compiled_toml --write"
        if module.name == product.COMPILED_NAME:
            command += f" {source}"
        sys.stderr.write(f"{module} is stale: run '{command}'\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["COMPILED", "is_current", "main", "render"]
