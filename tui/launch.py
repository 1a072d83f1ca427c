"""Putting a screen on the person's terminal: what the command line calls.

Nothing heavy is imported until a screen is really shown: the inline flow loads
questionary, the full-screen one Textual.
"""

from __future__ import annotations

import os

from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product
from doorstep.onboarding import wizard as onboarding
from doorstep.onboarding.setup import open_terminal
from doorstep.onboarding.wizard import Answer, Wizard


def ask(wizard: Wizard, terminal: int) -> Answer:
    """Show the onboarding (inline or full-screen, as ``wizard.ui`` says) on ``terminal``."""
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
        name = product.name
        raise DoorstepError(
            f"settings needs a terminal; use '{name} telemetry status|enable|disable|reset-id'"
        )
    from doorstep.tui import app

    try:
        result = app.run_in_terminal(app.build_settings(product), fd)
    finally:
        os.close(fd)
    return result if isinstance(result, int) else 0


__all__ = ["ask", "settings"]
