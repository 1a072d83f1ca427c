"""Driving the real screens: apps built by ``doorstep.tui.app``'s factory, keys and clicks
through Pilot."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Iterator, Sequence
from pathlib import Path
from typing import Any, Callable, Optional, Union

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from doorstep.consent import record as consent_record
from doorstep.consent.record import ConsentRecord
from doorstep.delivery.telemetry import Recorder
from doorstep.foundation import paths, product
from doorstep.install.stages import InstallTrace, format_trace
from doorstep.onboarding import setup
from doorstep.onboarding.wizard import Answer, Wizard
from doorstep.tui.app import build_onboarding
from doorstep.tui.toggle import ShareToggle

Action = Union[str, Callable[[Pilot], Awaitable[None]]]
TRACE = format_trace(
    InstallTrace("fresh", "script", None, (("preflight", 0.4), ("environment", 2.5)))
)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A recorder of its own, emptied afterwards so nothing it held can flush at exit."""
    the_recorder = Recorder(product.current())
    yield the_recorder
    the_recorder.discard()


def args(**given: Any) -> argparse.Namespace:
    """``doorstep setup`` arguments as the CLI parses them."""
    values = {"flag": None, "yes": False, "inline": False, "install_trace": None}
    values.update(given)
    return argparse.Namespace(**values)


def saved() -> Optional[ConsentRecord]:
    """The consent record on disk, as doorstep reads it."""
    return consent_record.read(paths.for_product().record).record


def record_file() -> Path:
    return paths.for_product().record


def spool_file() -> Path:
    return paths.for_product().spool


def screen_text(app: App[Any]) -> str:
    """What the current screen says, as plain text (the words, not the colours)."""
    parts = [str(widget.render()) for widget in app.screen.query(ShareToggle)]
    parts += [str(widget.render()) for widget in app.screen.query(Static)]
    return "\n".join(parts)


def play(app: App[Any], actions: Sequence[Action], size: tuple[int, int]) -> Any:
    """Run ``app`` under Pilot: press each key or await each step; its exit value."""

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            for action in actions:
                if isinstance(action, str):
                    await pilot.press(action)
                else:
                    await action(pilot)
                await pilot.pause()

    asyncio.run(run())
    return app.return_value


def drive(*actions: Action, size: tuple[int, int] = (80, 24)) -> Callable[[Wizard], Answer]:
    """An ``ask`` for ``setup.run``: the real onboarding app, driven by Pilot.

    Each action is a key for ``pilot.press`` or an async function of the pilot.
    """

    def ask(wizard: Wizard) -> Answer:
        answer = play(build_onboarding(wizard), actions, size)
        return answer if isinstance(answer, Answer) else wizard.cancel()

    return ask


def run_setup(
    recorder: Recorder,
    *actions: Action,
    size: tuple[int, int] = (80, 24),
    **given: Any,
) -> int:
    """``doorstep setup`` with the onboarding driven by ``actions``."""
    given.setdefault("install_trace", TRACE)
    return setup.run(args(**given), recorder.product, recorder, ask=drive(*actions, size=size))


def names(events: list[dict[str, Any]]) -> list[str]:
    return [event["name"] for event in events]
