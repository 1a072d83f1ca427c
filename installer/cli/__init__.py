"""The command line, the top floor: the only layer that knows the screens
(``doorstep.tui``) and the collector (``doorstep.collector``).

``add_commands(subparsers, product=...)`` grafts the product's commands into an
adopting tool's own argparse command line; ``main`` is doorstep's own.
"""

from doorstep.cli.commands import add_commands, run_command
from doorstep.cli.dispatch import build_parser, main

__all__ = ["add_commands", "build_parser", "main", "run_command"]
