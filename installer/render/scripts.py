"""A product's install.sh, uninstall.sh and TELEMETRY.md, rendered from its product file.

    <name> render [--product NAME | --file PATH] --out DIR [--check]

The scripts come from the templates beside this module (``install.sh.in``,
``uninstall.sh.in``): the scripts doorstep's own tests run, with the product's identity
filled in, so every adopting tool gets the same tested installer under its own name.
The repository's install.sh, uninstall.sh and TELEMETRY.md are this renderer's output
for the repository's own product file; a test fails when they are stale.

A template holds ``@IDENTITY@`` (the body of ``product_defaults``, the only place the
script's code learns the product) and ``@DISPLAY_NAME@`` / ``@COMMAND@`` in the comments
a person reads first, and ``@COMMON@`` where the functions both scripts share
(``common.sh.in``) go. Nothing else in a template names a product.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from doorstep.foundation import product as product_module
from doorstep.foundation.args import EXIT_FAILURE, EXIT_OK, Parser
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product

INSTALL, UNINSTALL, TELEMETRY = "install.sh", "uninstall.sh", "TELEMETRY.md"
FILES = (INSTALL, UNINSTALL, TELEMETRY)
_TEMPLATES = {INSTALL: "install.sh.in", UNINSTALL: "uninstall.sh.in"}
_COMMON = "common.sh.in"
_MODES = {INSTALL: 0o755, UNINSTALL: 0o755, TELEMETRY: 0o644}
# What each script's product_defaults sets; uninstall.sh installs nothing, so no package.
_IDENTITY_FIELDS = {
    INSTALL: ("NAME", "DISPLAY_NAME", "ENV_PREFIX", "PACKAGE", "COMMAND"),
    UNINSTALL: ("NAME", "DISPLAY_NAME", "ENV_PREFIX", "COMMAND"),
}
_LEFT_OVER = re.compile(r"@[A-Z_]+@")


def identity(product: Product) -> dict[str, str]:
    """The values a script's ``product_defaults`` sets, as ``PRODUCT_<key>``."""
    return {
        "NAME": product.name,
        "DISPLAY_NAME": product.display_name,
        "ENV_PREFIX": product.env_prefix,
        "PACKAGE": product.package,
        "COMMAND": product.command_name,
    }


def _double_quoted(text: str) -> str:
    # Inside "...", only these four keep a meaning to the shell.
    return '"' + re.sub(r'([\\"$`])', r"\\\1", text) + '"'


def _template(script: str) -> str:
    # Written once and spliced into both: each script still stands alone once rendered.
    return _read(_TEMPLATES[script]).replace("@COMMON@\n", _read(_COMMON))


def _read(name: str) -> str:
    path = Path(__file__).with_name(name)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DoorstepError(
            f"the template {path.name} is missing from this installation ({exc.strerror}); "
            "reinstall the package that provides the render command"
        ) from None


def render_script(script: str, product: Product) -> str:
    """``install.sh`` or ``uninstall.sh`` for ``product``."""
    values = identity(product)
    block = "\n".join(
        f"    PRODUCT_{key}={_double_quoted(values[key])}" for key in _IDENTITY_FIELDS[script]
    )
    text = (
        _template(script)
        .replace("@IDENTITY@", block)
        .replace("@DISPLAY_NAME@", product.display_name)
        .replace("@COMMAND@", product.command_name)
    )
    left = _LEFT_OVER.search(text)
    if left is not None:
        raise DoorstepError(f"the template for {script} has an unknown field {left.group()}")
    return text


def render(product: Product) -> dict[str, str]:
    """Every file ``render`` writes for ``product``: file name -> its text."""
    from doorstep.events import schema
    from doorstep.render import telemetry_doc

    rendered = {script: render_script(script, product) for script in _TEMPLATES}
    rendered[TELEMETRY] = telemetry_doc.render(product, schema.for_product(product))
    return rendered


def write(product: Product, out: Path) -> list[Path]:
    """Write the files into ``out`` (made if missing), each atomically; their paths."""
    from doorstep.foundation.atomic import write_atomic

    rendered = render(product)
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in rendered.items():
            write_atomic(out / name, text.encode("utf-8"), mode=_MODES[name])
            written.append(out / name)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "it is not a folder"
        raise DoorstepError(f"cannot write into {out}: {reason}; choose another --out") from None
    return written


def stale(product: Product, out: Path) -> list[str]:
    """The names of the files in ``out`` that differ from a fresh render (or are missing)."""
    found = []
    for name, text in render(product).items():
        try:
            same = (out / name).read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            found.append(name)
    return found


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = Parser(
        prog=f"{prog} render",
        description=(
            "Write a product's install.sh, uninstall.sh and TELEMETRY.md from its product "
            "file, with its name, command, package and environment prefix filled in."
        ),
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--product", metavar="NAME", help="an installed product (default: this command's own)"
    )
    which.add_argument("--file", metavar="PATH", type=Path, help="a product file, installed or not")
    parser.add_argument("--out", metavar="DIR", type=Path, required=True, help="where to write")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the files in DIR are stale"
    )
    return parser


def main(rest: list[str], product: Product) -> int:
    """``<name> render ...``: write (or ``--check``) a product's scripts and TELEMETRY.md."""
    args = _parser(product.name).parse_args(rest)
    chosen, source = product, f"--product {product.name}"
    if args.file is not None:
        chosen, source = product_module.from_file(args.file), f"--file {args.file}"
    elif args.product is not None:
        chosen, source = product_module.load(args.product), f"--product {args.product}"
    again = f"{product.name} render {source} --out {args.out}"
    if args.check:
        behind = stale(chosen, args.out)
        if behind:
            names = ", ".join(str(args.out / name) for name in behind)
            sys.stderr.write(f"{product.name}: stale: {names}; run '{again}'\n")
            return EXIT_FAILURE
        return EXIT_OK
    written = write(chosen, args.out)
    sys.stdout.write(f"{chosen.display_name}: wrote {', '.join(map(str, written))}\n")
    return EXIT_OK


__all__ = ["FILES", "identity", "main", "render", "render_script", "stale", "write"]
