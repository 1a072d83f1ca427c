"""The onboarding wizard without a screen: its steps, the toggle, and the funnel events.

The full-screen onboarding (``tui/onboarding.py``) and the inline flow
(``tui/inline.py``) both drive a ``Wizard`` and hand back its ``Answer``;
``doorstep.onboarding.setup`` applies the answer. Screens show this state and never decide
consent, so both flows take one path. Everything the wizard records waits in the
recorder's memory: only ``doorstep.onboarding.setup`` confirms or discards it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from doorstep.delivery.telemetry import Recorder
from doorstep.events import schema
from doorstep.foundation.product import Product
from doorstep.install import stages

STEPS = ("welcome", "privacy", "finish")
TUI, INLINE, NONE = "tui", "inline", "none"
# The consent source each way of answering is saved with.
SOURCES = {TUI: "wizard", INLINE: "inline", NONE: "flag"}

# What doorstep never collects: a fixed, honest list (the schema has no field for any).
NEVER_COLLECTED = (
    "names, usernames or hostnames",
    "file names, paths or file contents",
    "command arguments or environment values",
    "IP addresses (the collector never stores them)",
    "times of day (events carry only the date)",
)


@dataclass(frozen=True)
class Answer:
    """What the person did: confirmed (with the toggle on or off) or cancelled."""

    confirmed: bool
    share: bool
    ui: str
    duration: float  # seconds the wizard was open
    viewed_payload: bool


def record_completion(
    recorder: Recorder,
    answer: Answer,
    trace: Optional[stages.InstallTrace],
    wizard_seconds: float,
) -> None:
    """The events a confirmed answer adds: onboarding_completed, then the install's end.

    Used both to apply an answer and to preview it, so the preview is exact.
    """
    recorder.record(
        "onboarding_completed",
        ui=answer.ui,
        duration=answer.duration,
        viewed_payload=answer.viewed_payload,
    )
    if trace is not None:
        stages.record_completion(recorder, trace, wizard_seconds)


def collected_lines(the_schema: Optional[schema.Schema] = None) -> list[str]:
    """What is collected, one line per event, rendered from the schema (the allowlist)."""
    the_schema = the_schema or schema.current()
    lines = []
    for event in the_schema.events.values():
        props = f" ({', '.join(event.props)})" if event.props else ""
        lines.append(f"{event.name}{props}: {event.why}")
    return lines


def envelope_line(the_schema: Optional[schema.Schema] = None) -> str:
    """The fields every batch carries, from the schema's envelope."""
    the_schema = the_schema or schema.current()
    return "With every batch: " + ", ".join(the_schema.envelope) + "."


def shown_path(path: Path) -> str:
    """A path as a person reads it: the home folder as ``~``."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def tilde(text: str) -> str:
    """``text`` with the home folder written as ``~`` (in paths inside sentences, too)."""
    home = str(Path.home()).rstrip("/")
    return text.replace(home + "/", "~/") if home else text


def change_later(product: Product) -> str:
    """Where to change the choice later, in one line."""
    name = product.command_name
    return (
        f"Change it any time: '{name} settings' or '{name} telemetry enable|disable'; "
        f"DO_NOT_TRACK=1 or {product.env('TELEMETRY')}=0 always turn it off."
    )


def share_words(share: bool) -> str:
    """The toggle's state in words, so it reads the same without colour."""
    if share:
        return "ON: anonymous usage data is sent when you confirm"
    return "OFF: nothing is sent, now or later"


class Wizard:
    """The wizard's state: which step is shown, the toggle, and the funnel events.

    ``ui`` is "tui" (welcome, privacy, finish) or "inline" (privacy only: the
    other steps are recorded as skipped).
    """

    def __init__(
        self,
        recorder: Recorder,
        ui: str = TUI,
        share: bool = True,
        trace: Optional[stages.InstallTrace] = None,
        started: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.recorder = recorder
        self.product = recorder.product
        self.ui = ui
        self.steps = STEPS if ui == TUI else ("privacy",)
        self.share = share
        self.trace = trace
        self.viewed_payload = False
        self._clock = clock
        self._opened = clock()
        self._setup_started = self._opened if started is None else started
        self._index = 0
        self._viewed: set[str] = set()
        self._begun = False
        # Set when only what is new since a saved yes is asked about.
        self.only: Optional[tuple[str, ...]] = None

    def use_inline(self) -> None:
        """Ask in a few plain lines instead of full-screen (before it starts)."""
        if not self._begun:
            self.ui = INLINE
            self.steps = ("privacy",)

    @property
    def step(self) -> str:
        return self.steps[self._index]

    @property
    def number(self) -> int:
        """The step shown, counted from 1."""
        return self._index + 1

    @property
    def is_first(self) -> bool:
        return self._index == 0

    @property
    def is_last(self) -> bool:
        return self._index == len(self.steps) - 1

    @property
    def record_path(self) -> str:
        return shown_path(self.recorder.paths().record)

    def start(self) -> None:
        """Record that the wizard opened and what it shows first (once)."""
        if self._begun:
            return
        self._begun = True
        self.recorder.record("onboarding_started", ui=self.ui)
        first = STEPS.index(self.steps[0])
        for skipped in STEPS[:first]:
            self.recorder.record("onboarding_step_skipped", step=skipped)
        self._view()

    def _view(self) -> None:
        # Each step counts once in the funnel, however often people go back and forth.
        if self.step not in self._viewed:
            self._viewed.add(self.step)
            self.recorder.record("onboarding_step_viewed", step=self.step)

    def next(self) -> bool:
        """Move on a step; False on the last step (where the caller confirms)."""
        if self.is_last:
            return False
        self._index += 1
        self._view()
        return True

    def back(self) -> bool:
        """Move back a step; False on the first step."""
        if self.is_first:
            return False
        self._index -= 1
        return True

    def toggle(self) -> bool:
        """Flip "Share anonymous usage data"; returns the new state."""
        self.share = not self.share
        return self.share

    def _answer(self, confirmed: bool) -> Answer:
        return Answer(
            confirmed, self.share, self.ui, self._clock() - self._opened, self.viewed_payload
        )

    def confirm(self) -> Answer:
        """The person confirmed: the answer for ``doorstep.onboarding.setup`` to apply."""
        last = STEPS.index(self.steps[-1])
        for skipped in STEPS[last + 1 :]:
            self.recorder.record("onboarding_step_skipped", step=skipped)
        return self._answer(True)

    def cancel(self) -> Answer:
        """The person cancelled: nothing will be recorded or sent."""
        return self._answer(False)

    def wizard_seconds(self) -> float:
        """How long the install's wizard stage has taken so far."""
        return self._clock() - self._setup_started

    def payload(self) -> tuple[dict[str, Any], list[str]]:
        """The exact body confirming now with the toggle on would send, and notes.

        Built by replaying the waiting events into a scratch recorder with the events
        confirming adds, through the same body builder as ``telemetry preview``.
        """
        self.viewed_payload = True
        answer = Answer(True, True, self.ui, self._clock() - self._opened, True)
        scratch = Recorder(self.product, self.recorder.env)
        for event in self.recorder.pending:
            scratch.record(event["name"], **event["props"])
        # Confirming means passing the steps not seen yet: they will be in the body too.
        for step in self.steps[self._index + 1 :]:
            if step not in self._viewed:
                scratch.record("onboarding_step_viewed", step=step)
        for skipped in STEPS[STEPS.index(self.steps[-1]) + 1 :]:
            scratch.record("onboarding_step_skipped", step=skipped)
        record_completion(scratch, answer, self.trace, self.wizard_seconds())
        body = scratch.preview()
        scratch.discard()  # the scratch copy must never be flushed
        notes = ["the install id is an example: a new random one is made when you confirm"]
        if not self.share:
            notes.append("the toggle is off: nothing at all will be sent")
        decision = self.recorder.decide()
        if decision.endpoint is None:
            notes.append("no endpoint is configured in this build: nothing is sent either way")
        return body, notes


__all__ = [
    "INLINE",
    "NEVER_COLLECTED",
    "NONE",
    "SOURCES",
    "STEPS",
    "TUI",
    "Answer",
    "Wizard",
    "change_later",
    "collected_lines",
    "envelope_line",
    "record_completion",
    "share_words",
    "shown_path",
    "tilde",
]
