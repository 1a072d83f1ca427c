"""Building the Textual apps, in one place: the CLI, the tests and the benchmark all call
``build_onboarding`` and ``build_settings``, and run them with ``run_in_terminal``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any, ClassVar, Optional, TypeVar

from textual.app import App
from textual.binding import Binding, BindingType

from doorstep.foundation.product import Product
from doorstep.onboarding.wizard import Answer, Wizard
from doorstep.tui import terminal as terminal_module
from doorstep.tui.onboarding import SCREENS

ReturnType = TypeVar("ReturnType")


class DoorstepApp(App[ReturnType]):
    """The look and keys every doorstep screen shares: one stylesheet, Ctrl-C quits."""

    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        # Ctrl-C is a key inside the screen (the terminal is raw): it means cancel.
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True),
        # Ctrl-Z too: it must suspend, as it does everywhere else in a terminal.
        Binding("ctrl+z", "suspend_process", show=False, priority=True),
    ]

    def on_mount(self) -> None:
        self.app_resume_signal.subscribe(self, self._drop_typeahead)

    def action_suspend_process(self) -> None:
        """Stop the whole job (install.sh's pipeline too), so the shell gets the terminal."""
        if self._driver is None or not self._driver.can_suspend or not hasattr(os, "killpg"):
            return
        self._suspend_signal()
        try:
            os.killpg(os.getpgrp(), signal.SIGTSTP)
        except OSError:
            os.kill(os.getpid(), signal.SIGTSTP)

    def _drop_typeahead(self, _app: object) -> None:
        # Keys typed while stopped (or while coming back) must not answer the wizard.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            import termios

            termios.tcflush(sys.__stdin__.fileno(), termios.TCIFLUSH)

    def action_cancel(self) -> None:
        self.exit(None)


class OnboardingApp(DoorstepApp[Answer]):
    """The onboarding: moves the wizard, and exits with its ``Answer``."""

    def __init__(self, wizard: Wizard) -> None:
        super().__init__()
        self.wizard = wizard
        self.title = f"{wizard.product.display_name} setup"

    def on_mount(self) -> None:
        self.wizard.start()
        self.push_screen(SCREENS[self.wizard.step]())

    def _show_step(self) -> None:
        self.switch_screen(SCREENS[self.wizard.step]())

    def action_next(self) -> None:
        if self.wizard.next():
            self._show_step()
        else:
            self.exit(self.wizard.confirm())

    def action_back(self) -> None:
        # On the first step there is nowhere to go back to: q or Ctrl-C cancel.
        if self.wizard.back():
            self._show_step()

    def action_toggle(self) -> None:
        self.wizard.toggle()
        show_share = getattr(self.screen, "show_share", None)
        if show_share is not None:
            show_share()

    def action_payload(self) -> None:
        # Deferred, like the settings screen: the first frame waits for neither.
        from doorstep.tui.payload import PayloadScreen

        if isinstance(self.screen, PayloadScreen):
            return
        body, notes = self.wizard.payload()
        self.push_screen(PayloadScreen(body, notes, self.wizard.product.command_name))

    def action_cancel(self) -> None:
        self.exit(self.wizard.cancel())


class SettingsApp(DoorstepApp[int]):
    """The settings: one screen over the saved choice; exits with 0."""

    def __init__(self, product: Product, env: Optional[Mapping[str, str]] = None) -> None:
        super().__init__()
        self.product = product
        self.env = env
        self.title = f"{product.display_name} settings"

    def on_mount(self) -> None:
        from doorstep.tui.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.product, self.env))

    def action_cancel(self) -> None:
        self.exit(0)


def build_onboarding(wizard: Wizard) -> OnboardingApp:
    """The onboarding app for ``wizard`` (not started: ``wizard.start()`` runs on mount)."""
    return OnboardingApp(wizard)


def build_settings(product: Product, env: Optional[Mapping[str, str]] = None) -> SettingsApp:
    """The settings app for ``product``; ``env`` defaults to the process environment."""
    return SettingsApp(product, env)


def run_in_terminal(app: App[Any], terminal: int) -> Any:
    """Run ``app`` full-screen on ``terminal`` (whatever stdin and stdout are); its result."""
    with terminal_module.attached(terminal):
        return app.run()


__all__ = [
    "DoorstepApp",
    "OnboardingApp",
    "SettingsApp",
    "build_onboarding",
    "build_settings",
    "run_in_terminal",
]
