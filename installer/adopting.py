"""What an adopting tool calls: ``doorstep.Telemetry``.

    import doorstep
    telemetry = doorstep.Telemetry("acme")      # or doorstep.Telemetry.from_file(path)
    telemetry.record("command_run", command="deploy", ok=True)
    telemetry.count("deploy", ok=True)

Recording and counting cost only memory; everything leaves the process (through the
spool and a detached sender) only with consent, at ``flush()`` or at exit. A first run
that was not set up by install.sh (pip, pipx, uv tool) asks once, inline, before
anything is sent: only with policy ``ask``, stdin and stdout both terminals, not in CI.
"""

from __future__ import annotations

import os
import sys

from doorstep.consent import decision as consent
from doorstep.delivery.telemetry import Recorder
from doorstep.events import schema
from doorstep.foundation import product as product_module
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional, Union

    from doorstep.foundation.paths import Paths


class Telemetry:
    """One product's recorder: events and daily counts, held until consent allows.

    Telemetry never breaks the tool: a product that cannot be found or whose file has a
    mistake is one warning line on stderr (naming the file and the field, or listing
    the installed products), and this Telemetry then records nothing. ``problem`` holds
    that line; ``product`` is None then.
    """

    def __init__(
        self,
        product: Union[str, Product, os.PathLike[str]],
        *,
        env: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.problem: Optional[str] = None
        self.product: Optional[Product] = None
        self._recorder: Optional[Recorder] = None
        self._asked = False
        try:
            if isinstance(product, os.PathLike):
                product = product_module.from_file(product)
            resolved = product_module.resolve(product)
            schema.for_product(resolved)  # a mistake in its events is found now, in one line
        except DoorstepError as exc:
            self.problem = str(exc)
            name = product if isinstance(product, str) else "telemetry"
            sys.stderr.write(f"{name}: warning: {exc}; no usage data is recorded\n")
            return
        self.product = resolved
        # This process now works for the product: its sender, its schema, its folders.
        product_module.activate(resolved)
        self._recorder = Recorder(resolved, env)
        self._recorder.warn_as = resolved.command_name

    @classmethod
    def from_file(
        cls, path: Union[str, os.PathLike[str]], *, env: Optional[Mapping[str, str]] = None
    ) -> Telemetry:
        """The Telemetry of the product described by the file at ``path``."""
        return cls(_File(os.fspath(path)), env=env)

    @property
    def recorder(self) -> Optional[Recorder]:
        return self._recorder

    @property
    def paths(self) -> Optional[Paths]:
        return None if self._recorder is None else self._recorder.paths()

    def record(self, name: str, **props: Any) -> bool:
        """Keep an event in memory; False when the product's schema does not know it."""
        if self._recorder is None:
            return False
        self._first_run()
        return self._recorder.record(name, **props)

    def count(self, command: str, ok: bool = True) -> bool:
        """Count one run of ``command`` for its daily rollup; False when not counted."""
        if self._recorder is None:
            return False
        self._first_run()
        return self._recorder.count(command, ok)

    def flush(self) -> str:
        """Hand what waits on if consent allows (also done at exit)."""
        return "dropped" if self._recorder is None else self._recorder.flush()

    def decide(self) -> Optional[consent.Decision]:
        """Consent as it stands now (environment, flags, the record, the policy); None
        when this Telemetry has no product."""
        return None if self._recorder is None else self._recorder.decide()

    def _first_run(self) -> None:
        # Asked at most once per process, and only where a person is surely there.
        if self._asked or self._recorder is None or self.product is None:
            return
        self._asked = True
        if self.product.policy != "ask" or not _interactive(self._recorder.env):
            return
        decision = self._recorder.decide()
        if decision.state != consent.UNDECIDED or decision.endpoint is None:
            return
        try:
            ask_inline(self.product, self._recorder)
        except (DoorstepError, OSError):
            self._recorder.discard()  # no recorded "yes": nothing may leave
        except KeyboardInterrupt:
            self._recorder.discard()
            raise


class _File:
    """A path given as text, marked as a path (not a product name) without pathlib."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def __fspath__(self) -> str:
        return self._text


def _interactive(env: Mapping[str, str]) -> bool:
    try:
        ttys = os.isatty(0) and os.isatty(1)
    except (OSError, ValueError):
        return False
    if not ttys:
        return False  # a pipe or a script: decided before anything more is loaded
    from doorstep.onboarding.setup import why_not_ask

    return why_not_ask(env) is None


def ask_inline(product: Product, recorder: Recorder) -> int:
    """The first-run question, inline, on this terminal; its answer is applied by setup."""
    import argparse

    from doorstep.onboarding import setup
    from doorstep.tui import launch

    args = argparse.Namespace(inline=True, yes=False, flag=None, install_trace=None)
    sys.stdout.flush()
    return setup.run(args, product, recorder, show=launch.ask)


__all__ = ["Telemetry", "ask_inline"]
