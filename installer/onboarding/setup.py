"""``doorstep setup``: whether to ask, asking, and applying the answer.

No screen is known here: the command line hands ``run`` a ``show`` that puts the
wizard on a terminal (``doorstep.tui.launch.ask``), called only once a terminal has
been found and a question is really needed. Whatever asks, the answer is applied
here, so the full-screen and inline flows share one decision path.

Without asking (exit 0, promptly):
- DO_NOT_TRACK, <PREFIX>_TELEMETRY=0 or --no-telemetry: ``enabled = false`` is saved
  (source "flag"), everything held in memory is dropped; silent. The two variables
  save it only when no choice is saved yet: they never overwrite a person's choice.
- --telemetry: ``enabled = true`` is saved (source "flag") and the install and
  onboarding events are sent; silent.
- <PREFIX>_TELEMETRY=1: on for this process only: the events are sent under a
  throwaway id and nothing is saved (an inherited variable is not a person's yes).
- A saved choice: it stands; one line says so and where to change it.
- --yes, CI, NONINTERACTIVE or no terminal: the product policy decides. ask: nothing is
  recorded or sent, one line says how to decide later; notice: on, after the notice;
  off: nothing.

Cancelling the wizard (q, Ctrl-C) records nothing, sends nothing, prints one line and
exits 0: the install itself succeeded, and the next interactive run asks again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from doorstep.consent import decision as consent
from doorstep.delivery import telemetry
from doorstep.delivery.telemetry import Recorder
from doorstep.events import envelope
from doorstep.foundation import flags
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product
from doorstep.install import stages

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Optional

    from doorstep.install.stages import InstallTrace
    from doorstep.onboarding.wizard import Answer, Wizard

EXIT_OK = 0


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def open_terminal() -> Optional[int]:
    """A new descriptor on the person's terminal, or None when there is none.

    With stdin a terminal, that terminal; otherwise ``/dev/tty`` is actually opened
    (stdin is install.sh's pipe); that fails with no controlling terminal (setsid, CI).
    """
    if _isatty(0):
        try:
            return os.dup(0)
        except OSError:
            return None
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None


def why_not_ask(env: Mapping[str, str]) -> Optional[str]:
    """Why the environment forbids asking in this run (CI, NONINTERACTIVE), or None."""
    if flags.is_set(env, "NONINTERACTIVE"):
        return "NONINTERACTIVE is set"
    if envelope.is_ci(env):
        return "this looks like CI"
    return None


def _recorder(product: Product) -> Recorder:
    default = telemetry.default()
    return default if default.product == product else Recorder(product)


def _skipped_onboarding(recorder: Recorder, trace: Optional[InstallTrace], seconds: float) -> None:
    # No wizard was shown: every step was skipped, and flags or the policy answered.
    from doorstep.onboarding import wizard as onboarding
    from doorstep.onboarding.wizard import Answer

    for step in onboarding.STEPS:
        recorder.record("onboarding_step_skipped", step=step)
    answer = Answer(True, True, onboarding.NONE, 0.0, False)
    onboarding.record_completion(recorder, answer, trace, seconds)


def run(
    args: argparse.Namespace,
    product: Product,
    recorder: Optional[Recorder] = None,
    env: Optional[Mapping[str, str]] = None,
    ask: Optional[Callable[[Wizard], Answer]] = None,
    show: Optional[Callable[[Wizard, int], Answer]] = None,
) -> int:
    """Run the first-run wizard, or decide without it; the exit code (0, or 1 via errors).

    ``show`` puts the wizard on the terminal found (a descriptor); without one, nothing
    is asked. ``ask`` replaces finding a terminal and showing the screens on it: the
    tests drive the same screens (built by the same factory) through Textual's Pilot.
    """
    started = time.monotonic()
    env = os.environ if env is None else env
    recorder = recorder or _recorder(product)
    recorder.flag = getattr(args, "flag", None)
    trace = stages.parse(getattr(args, "install_trace", None))
    decision = recorder.decide()
    for warning in decision.warnings:
        sys.stderr.write(f"{product.command_name}: warning: {warning}\n")

    def elapsed() -> float:
        return time.monotonic() - started

    if decision.reason in ("do_not_track", "env", "flag"):
        on = decision.state == consent.ON
        if on:
            if trace is not None:
                stages.record_stages(recorder, trace)
            _skipped_onboarding(recorder, trace, elapsed())
        else:
            recorder.discard()
        if on and decision.reason == "env":
            recorder.flush()  # the variable is for this process: nothing is saved
            return EXIT_OK
        if decision.reason != "flag" and recorder.flag is None and _saved_choice(recorder):
            return EXIT_OK  # a variable keeps it off for now; it never overwrites a choice
        _save(recorder, on, "flag")
        return EXIT_OK

    if decision.reason == "machine_policy":
        recorder.discard()
        _say(f"Usage data: off ({decision.detail}).")
        return EXIT_OK

    if decision.reason == "record":
        if decision.state == consent.ON and not getattr(args, "yes", False):
            _ask_about_new_kinds(recorder, env, ask, show)
        return _keep_saved(recorder, decision, trace, elapsed())

    # The most telling reason first: install.sh passes --yes when it found no terminal.
    reason = why_not_ask(env)
    terminal: Optional[int] = None
    if reason is None and ask is None and show is None:
        reason = "there is no screen to ask on"
    if reason is None and ask is None:
        terminal = open_terminal()
        if terminal is None:
            reason = "there is no terminal to ask on"
    if reason is None and getattr(args, "yes", False):
        reason = "--yes was given"
    if reason is not None:
        if terminal is not None:
            os.close(terminal)
        return _by_policy(recorder, decision, trace, reason, elapsed())

    if trace is not None:
        stages.record_stages(recorder, trace)
    # The wizard's module only once it is shown: deciding without it stays light.
    from doorstep.onboarding import wizard as onboarding
    from doorstep.onboarding.wizard import Wizard

    ui = onboarding.INLINE if getattr(args, "inline", False) else onboarding.TUI
    # The toggle starts checked unless the product says otherwise (or its policy is off).
    precheck = product.precheck and product.policy != "off"
    wizard = Wizard(recorder, ui, precheck, trace, started)
    try:
        if ask is not None:
            answer = ask(wizard)
        else:
            assert terminal is not None and show is not None
            answer = show(wizard, terminal)
    except BaseException:
        recorder.discard()  # an interrupted wizard is a cancelled one
        raise
    finally:
        if terminal is not None:
            os.close(terminal)
    return _apply(recorder, wizard, answer)


def _save(recorder: Recorder, enabled: bool, source: str) -> None:
    try:
        recorder.confirm(enabled, source)
    except DoorstepError:
        recorder.discard()  # no recorded "yes", so nothing may leave, not even at exit
        raise


def _apply(recorder: Recorder, wizard: Wizard, answer: Answer) -> int:
    """The one place a wizard's answer (full-screen or inline) becomes consent."""
    from doorstep.onboarding import wizard as onboarding

    product = recorder.product
    name = product.command_name
    if not answer.confirmed:
        recorder.discard()
        _say(f"Cancelled: nothing was recorded or sent; '{name} setup' asks again.")
        return EXIT_OK
    onboarding.record_completion(recorder, answer, wizard.trace, wizard.wizard_seconds())
    _save(recorder, answer.share, onboarding.SOURCES[answer.ui])
    later = f"Saved in {wizard.record_path}; change it with '{name} settings'."
    if answer.share:
        _say(f"Usage data: on. Thank you! {later}")
    else:
        _say(f"Usage data: off; nothing was sent. {later}")
    return EXIT_OK


def _saved_choice(recorder: Recorder) -> bool:
    from doorstep.consent import record as consent_record

    return consent_record.read(recorder.paths().record).record is not None


def _ask_about_new_kinds(
    recorder: Recorder,
    env: Mapping[str, str],
    ask: Optional[Callable[[Wizard], Answer]],
    show: Optional[Callable[[Wizard, int], Answer]],
) -> None:
    # A yes covers what was shown: data added since is asked about on its own, inline.
    from doorstep.consent import record as consent_record
    from doorstep.delivery import agreement, choice
    from doorstep.events import schema
    from doorstep.onboarding import wizard as onboarding
    from doorstep.onboarding.wizard import Wizard

    where = recorder.paths()
    saved = consent_record.read(where.record).record
    new = agreement.new_kinds(saved, schema.for_product(recorder.product))
    if not new or why_not_ask(env) is not None or (ask is None and show is None):
        return
    wizard = Wizard(recorder, onboarding.INLINE, recorder.product.precheck)
    wizard.only = tuple(new)
    if ask is not None:
        answer = ask(wizard)
    else:
        terminal = open_terminal()
        if terminal is None:
            return
        try:
            assert show is not None
            answer = show(wizard, terminal)
        finally:
            os.close(terminal)
    recorder.discard()  # the question's own events: not what this run is about
    if not answer.confirmed:
        return
    if answer.share:
        choice.save(where, True, onboarding.SOURCES[onboarding.INLINE])
        _say(f"Saved: the {len(new)} new kinds of data are now shared too.")
    else:
        _say(f"Kept as it was: the {len(new)} new kinds of data are not sent.")


def _keep_saved(
    recorder: Recorder,
    decision: consent.Decision,
    trace: Optional[InstallTrace],
    seconds: float,
) -> int:
    # Asked before: the choice stands. The install itself is counted when it is on.
    name = recorder.product.command_name
    if decision.state == consent.ON and trace is not None:
        stages.record_stages(recorder, trace)
        stages.record_completion(recorder, trace, seconds)
        recorder.flush()
    else:
        recorder.discard()
    _say(f"Usage data: {decision.state} ({decision.detail}); change it with '{name} settings'.")
    return EXIT_OK


def _by_policy(
    recorder: Recorder,
    decision: consent.Decision,
    trace: Optional[InstallTrace],
    reason: str,
    seconds: float,
) -> int:
    name = recorder.product.command_name
    if decision.state == consent.ON:
        # Policy "notice": on, and the recorder prints the notice before the first send.
        if trace is not None:
            stages.record_stages(recorder, trace)
        _skipped_onboarding(recorder, trace, seconds)
        recorder.flush()
        return EXIT_OK
    recorder.discard()
    if decision.state == consent.UNDECIDED:
        _say(
            f"Not asking about anonymous usage data ({reason}): nothing was recorded or sent. "
            f"Decide any time with '{name} setup' or '{name} telemetry enable|disable'."
        )
    return EXIT_OK


__all__ = ["EXIT_OK", "open_terminal", "run", "why_not_ask"]
