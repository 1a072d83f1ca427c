"""The command line, the top floor: the only layer that knows the screens
(``doorstep.tui``) and the collector (``doorstep.collector``)."""

from doorstep.cli.dispatch import build_parser, main

__all__ = ["build_parser", "main"]
