"""Putting a screen on the person's terminal: what the command line calls.

Nothing heavy is imported until a screen is really shown: the inline flow loads
questionary, the full-screen one Textual.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Optional

from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product
from doorstep.onboarding import wizard as onboarding
from doorstep.onboarding.setup import open_terminal
from doorstep.onboarding.wizard import Answer, Wizard

# The smallest window the full-screen steps fit in; below it, the inline flow asks.
MIN_COLUMNS, MIN_LINES = 40, 10
_TERMINFO_DIRS = ("/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", "/usr/lib/terminfo")


def full_screen_reason(terminal: int, env: Mapping[str, str]) -> Optional[str]:
    """Why ``terminal`` cannot show the full-screen onboarding, or None when it can."""
    term = env.get("TERM", "")
    if term in ("", "dumb", "unknown"):
        return f"TERM is {term or 'unset'}"
    if not _known_terminal(term, env):
        return f"TERM={term} is not a terminal this machine knows"
    try:
        size = os.get_terminal_size(terminal)
    except OSError:
        return "the terminal's size is unknown"
    if size.columns < MIN_COLUMNS or size.lines < MIN_LINES:
        return f"the window is {size.columns}x{size.lines}, under {MIN_COLUMNS}x{MIN_LINES}"
    return None


def _known_terminal(term: str, env: Mapping[str, str]) -> bool:
    # The terminfo database is what full-screen programs draw with; no entry, no screen.
    if "/" in term or term.startswith("."):
        return False
    folders = [env.get("TERMINFO", ""), os.path.join(env.get("HOME", ""), ".terminfo")]
    folders += env.get("TERMINFO_DIRS", "").split(":") + list(_TERMINFO_DIRS)
    for folder in filter(None, folders):
        for sub in (term[0], f"{ord(term[0]):x}"):
            if os.path.isfile(os.path.join(folder, sub, term)):
                return True
    return False


def ask(wizard: Wizard, terminal: int) -> Answer:
    """Show the onboarding (inline or full-screen, as ``wizard.ui`` says) on ``terminal``.

    A terminal that cannot show a full screen (TERM dumb or unknown, a window under
    40x10) is asked through the inline flow, in plain text, with the same decisions.
    """
    if wizard.ui != onboarding.INLINE and full_screen_reason(terminal, os.environ):
        wizard.use_inline()
    if wizard.ui == onboarding.INLINE:
        from doorstep.tui import inline

        return inline.run(wizard, terminal)
    from doorstep.tui import app

    answer = app.run_in_terminal(app.build_onboarding(wizard), terminal)
    return answer if isinstance(answer, Answer) else wizard.cancel()


def settings(product: Product) -> int:
    """Show the settings full-screen; 1 with one line when there is no terminal."""
    fd = open_terminal()
    if fd is None:
        name = product.command_name
        raise DoorstepError(
            f"settings needs a terminal; use '{name} telemetry status|enable|disable|reset-id'"
        )
    from doorstep.tui import app

    try:
        result = app.run_in_terminal(app.build_settings(product), fd)
    finally:
        os.close(fd)
    return result if isinstance(result, int) else 0


__all__ = ["MIN_COLUMNS", "MIN_LINES", "ask", "full_screen_reason", "settings"]
