"""Grafting the product's commands into a click group (typer apps reach it through click).

    import click, doorstep.click

    @click.group()
    def main(): ...

    doorstep.click.add_commands(main, product="acme")

gives ``acme telemetry status|enable|disable|preview|reset-id``, ``acme settings``,
``acme setup`` and ``acme uninstall``: the same words, flags, exit codes and JSON as
the argparse commands, because click hands the words to those very parsers. click is
an optional dependency (the ``click`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

try:
    import click
except ImportError:  # one line for the tool's maker, not a chain of tracebacks
    raise ImportError(
        "doorstep.click needs click: add 'doorstep[click]' (or click) to your dependencies"
    ) from None

from doorstep.cli.commands import NAMES
from doorstep.cli.commands import add_commands as add_argparse_commands
from doorstep.foundation import product as product_module
from doorstep.foundation.args import EXIT_USAGE, Parser
from doorstep.foundation.product import Product

_HELP = {
    "telemetry": "See or change the usage data choice.",
    "settings": "Full-screen settings (privacy, install id, preview).",
    "setup": "The first-run wizard.",
    "uninstall": "Remove the tool and what it wrote.",
}


def run(product: Union[str, Product], words: Sequence[str], prog: Optional[str] = None) -> int:
    """Parse ``words`` (``telemetry status --json``, say) as the argparse commands do and
    run them for ``product`` (a Product or an installed product's name); the exit code.

    ``prog`` is what usage and errors call the tool: the name click was invoked by,
    else the product's command."""
    if prog is None:
        prog = product if isinstance(product, str) else product.command_name
    parser = Parser(prog=prog, add_help=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    add_argparse_commands(commands, product)
    try:
        args = parser.parse_args(list(words))
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return int(args.func(args))


def add_commands(group: Any, product: Union[str, Product, None] = None) -> None:
    """Add the product's commands to the click ``group``.

    A product named here is looked up when a command runs (as in ``doorstep.cli``): a
    mistake in its product file is then one line and exit 1, never a traceback at import.
    """
    chosen = product_module.current() if product is None else product
    for name in NAMES:
        group.add_command(_command(name, chosen))


def _command(name: str, product: Union[str, Product]) -> Any:
    settings = {"ignore_unknown_options": True, "allow_extra_args": True}

    @click.command(name=name, help=_HELP[name], context_settings=settings, add_help_option=False)
    @click.pass_context
    def command(context: Any) -> None:
        code = run(product, [name, *context.args], prog=context.find_root().info_name)
        # Not click's Exit: typer runs these under its own copy of click, which does not
        # know that exception and would print it as a traceback. SystemExit every host
        # passes on; success needs nothing at all.
        if code:
            raise SystemExit(code)

    return command


__all__ = ["add_commands", "run"]
