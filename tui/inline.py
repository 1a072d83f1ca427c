"""The inline flow (``setup --inline``): the privacy step as a few lines and one question.

It talks to the terminal it is given (``/dev/tty`` when stdin is install.sh's pipe),
drives the same ``Wizard`` as the full-screen onboarding and returns its ``Answer``;
``doorstep.onboarding.setup`` applies it. Ctrl-C cancels.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Optional, TextIO

from doorstep.events import schema
from doorstep.onboarding import wizard as onboarding
from doorstep.onboarding.wizard import Answer, Wizard

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

QUESTION = "Share anonymous usage data?"
WIDTH = 78


def explanation(wizard: Wizard) -> str:
    """What the question is about, in a few plain lines, from the schema."""
    product = wizard.product
    display = product.display_name
    if wizard.only:
        kinds = ", ".join(wizard.only)
        paragraphs = [
            f"Since you agreed, {display} can collect more: {kinds}. None of it has been "
            "sent; it stays unsent unless you agree now. Everything else stays as it is.",
            f"See the exact data: '{product.command_name} telemetry preview'. "
            + onboarding.change_later(product),
        ]
        return "\n".join(textwrap.fill(text, WIDTH) for text in paragraphs) + "\n"
    names = ", ".join(schema.for_product(product).events)
    paragraphs = [
        f"{display} can share anonymous usage data, {product.purpose}. "
        "Nothing has been sent so far.",
        f"Collected, and nothing else: the events {names}. {onboarding.envelope_line()}",
        "Never collected: " + "; ".join(onboarding.NEVER_COLLECTED) + ".",
        f"See the exact data: '{product.command_name} telemetry preview'. "
        + onboarding.change_later(product),
    ]
    return "\n".join(textwrap.fill(text, WIDTH) for text in paragraphs) + "\n"


def ask(
    wizard: Wizard,
    input: Optional[Input] = None,
    output: Optional[Output] = None,
    stream: Optional[TextIO] = None,
) -> Answer:
    """Ask once (default: the toggle's default, yes); the Answer, or a cancel on Ctrl-C."""
    import questionary  # deferred: only the inline flow pays for it

    wizard.start()
    if stream is not None:
        stream.write(explanation(wizard))
        stream.flush()
    question = questionary.confirm(
        QUESTION, default=wizard.share, input=input, output=output, qmark="?"
    )
    try:
        share = question.unsafe_ask()
    except (KeyboardInterrupt, EOFError):
        return wizard.cancel()
    if share is None:
        return wizard.cancel()
    wizard.share = bool(share)
    return wizard.confirm()


def run(wizard: Wizard, terminal: int) -> Answer:
    """Ask on ``terminal`` (an open descriptor on the person's terminal)."""
    from prompt_toolkit.input import create_input
    from prompt_toolkit.output import create_output

    with (
        open(terminal, encoding="utf-8", errors="replace", closefd=False) as tty_in,
        open(terminal, "w", encoding="utf-8", closefd=False) as tty_out,
    ):
        return ask(wizard, create_input(tty_in), create_output(tty_out), tty_out)


__all__ = ["QUESTION", "ask", "explanation", "run"]
