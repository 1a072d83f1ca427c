"""doorstep's own command line: the product's commands, the collector, render, and
install.sh's internal stages. Errors become exit codes in ``guarded``.

Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error (one line and a
hint). Only the modules a command needs are imported, so ``telemetry status`` stays
free of the screen and the network. ``--product NAME`` first makes every command work
for an installed product (what an adopting tool's install.sh runs).
"""

from __future__ import annotations

import sys

from doorstep import _version
from doorstep.cli.commands import add_commands, run_command
from doorstep.foundation import product as product_module
from doorstep.foundation.args import EXIT_FAILURE, EXIT_USAGE, guarded, program
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Optional

_OWN_PARSING = ("collector", "_install", "render")


def build_parser(product: Product) -> argparse.ArgumentParser:
    from doorstep.foundation.args import Parser

    # Messages and usage name the command people type (the folders follow the name).
    name = product.command_name
    parser = Parser(
        prog=name,
        description=f"{product.display_name}: install, consent and anonymous usage data.",
    )
    parser.add_argument("--version", action="version", version=f"{name} {_version.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    add_commands(commands, product)
    commands.add_parser(
        "collector", help="run the event collector (needs the collector extra)", add_help=False
    )
    commands.add_parser(
        "render", help="write a product's install.sh, uninstall.sh and TELEMETRY.md", add_help=False
    )
    # install.sh's Python stages (link, path, receipt); not for people.
    commands.add_parser("_install", add_help=False)
    commands._choices_actions = [a for a in commands._choices_actions if a.dest != "_install"]
    return parser


def _own_parsing(command: str, rest: list[str], product: Product) -> int:
    if command == "collector":
        try:
            from doorstep.collector import cli as collector_cli
        except ImportError as exc:
            raise DoorstepError(
                f"the collector needs its extra ({exc.name} is missing): "
                f"pip install '{product_module.own().package}[collector]'"
            ) from None
        return collector_cli.main(rest, product)
    if command == "render":
        from doorstep.render import scripts

        return scripts.main(rest, product)
    from doorstep.install import steps as install_steps

    return install_steps.main(rest, product)


def _product_option(arguments: list[str]) -> tuple[Optional[str], list[str]]:
    # `--product NAME` only as the very first words: the commands after it follow it.
    if arguments[:1] == ["--product"] and len(arguments) > 1:
        return arguments[1], arguments[2:]
    if arguments[:1] and arguments[0].startswith("--product="):
        return arguments[0].split("=", 1)[1], arguments[1:]
    return None, arguments


def main(argv: Optional[Sequence[str]] = None, product: Optional[Product] = None) -> int:
    """Run the command line; returns the exit code (0, 1 or 2)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    chosen, arguments = _product_option(arguments)
    try:
        if chosen is not None:
            product = product_module.load(chosen)
        product = product or product_module.current()
    except DoorstepError as exc:
        # The product file itself is broken, so its name is unknown: use the program's.
        sys.stderr.write(f"{program()}: {exc}\n")
        return EXIT_FAILURE
    product_module.activate(product)
    if arguments in (["telemetry", "status"], ["telemetry", "status", "--json"]):
        # The command run most often, read without argparse: these words can only parse
        # to this, and the command runs as it does after parsing (a test compares them).
        return guarded(product.command_name, lambda: run_command(_Status(arguments), product))
    parser = build_parser(product)

    def run() -> int:
        if arguments[:1] and arguments[0] in _OWN_PARSING:
            # These parse their own arguments (including --help), so pass them all on.
            return _own_parsing(arguments[0], arguments[1:], product)
        args = parser.parse_args(arguments)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return run_command(args, product)

    return guarded(product.command_name, run)


class _Status:
    """What ``build_parser(product).parse_args(["telemetry", "status"(, "--json")])``
    holds, as far as ``run_command`` reads it."""

    def __init__(self, arguments: list[str]) -> None:
        self.command = self.product_command = "telemetry"
        self.telemetry_action = "status"
        self.json = arguments[2:] == ["--json"]


__all__ = ["build_parser", "main"]
