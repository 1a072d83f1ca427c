"""Reading a command line, and the one place errors become exit codes.

Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error (one line and a
hint). Every command line of doorstep (its own, the collector's, install.sh's Python
stages, and the commands grafted into an adopting tool) parses and fails this way.
"""

from __future__ import annotations

import os
import sys

from doorstep.foundation.errors import DoorstepError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any, NoReturn, Optional

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _columns() -> int:
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80


def _classes() -> type[argparse.ArgumentParser]:
    # Made on first use (``args.Parser``): argparse, with gettext and locale, costs a
    # start some 3 ms, and ``telemetry status`` parses its two words without it.
    import argparse

    class _Formatter(argparse.HelpFormatter):
        # argparse makes a formatter for every argument it adds, and its width comes from
        # shutil.get_terminal_size: importing shutil (with zlib, bz2 and lzma) costs every
        # command a few ms. The same width, found the same way: COLUMNS, else the terminal
        # on stdout, else 80; then 2 less.
        def __init__(
            self,
            prog: str,
            indent_increment: int = 2,
            max_help_position: int = 24,
            width: Optional[int] = None,
        ) -> None:
            if width is None:
                width = _columns() - 2
            super().__init__(prog, indent_increment, max_help_position, width)

    class Parser(argparse.ArgumentParser):
        """argparse with one-line usage errors (exit 2, with a hint) and no abbreviations."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # No abbreviations: `--keep` must not silently mean `--keep-config`.
            kwargs.setdefault("allow_abbrev", False)
            kwargs.setdefault("formatter_class", _Formatter)
            super().__init__(*args, **kwargs)

        def error(self, message: str) -> NoReturn:
            sys.stderr.write(f"{self.prog}: {message} (see '{self.prog} --help')\n")
            raise SystemExit(EXIT_USAGE)

    for made in (Parser, _Formatter):
        made.__module__, made.__qualname__ = __name__, made.__name__
    globals().update(Parser=Parser, _Formatter=_Formatter)
    return Parser


def __getattr__(name: str) -> Any:
    # ``Parser`` (and its formatter) are made, with argparse, when first imported.
    if name in ("Parser", "_Formatter"):
        _classes()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class UsageError(Exception):
    """A mistake in the command line; the message is one line for people (exit 2)."""


def _ensure_stdio() -> None:
    # Started with stdout or stderr closed (`cmd >&-`), Python has None there: what the
    # command says then goes nowhere, and the decision is taken all the same.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115


def program() -> str:
    """The name a message starts with while no product is known (its file is broken)."""
    return os.path.basename(sys.argv[0]) or "python"


def guarded(prog: str, action: Callable[[], int]) -> int:
    """Run ``action`` and return its exit code; what a person can cause becomes one line.

    UsageError exits 2 with a hint, DoorstepError 1, Ctrl-C 130; a reader that went
    away (``| head``) is not an error.
    """
    _ensure_stdio()
    try:
        return action()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except UsageError as exc:
        sys.stderr.write(f"{prog}: {exc} (see '{prog} --help')\n")
        return EXIT_USAGE
    except DoorstepError as exc:
        sys.stderr.write(f"{prog}: {exc}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


__all__ = [  # noqa: F822 - Parser comes from __getattr__
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_USAGE",
    "Parser",
    "UsageError",
    "guarded",
    "program",
]
