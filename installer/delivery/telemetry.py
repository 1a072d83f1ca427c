"""The recording API: what the wizard, the install stages and any adopting tool call.

    from doorstep.delivery import telemetry
    telemetry.record("onboarding_step_viewed", step="privacy")

Recording costs only memory: the event is validated against the schema and kept in a
bounded buffer (the oldest dropped past ``BUFFER_LIMIT``, and counted). Nothing touches
the disk or the network until ``flush()`` finds consent recorded (or given for this
process): then the buffer moves to the spool and a detached sender takes it from
there. Undecided, the buffer stays in memory; off, it is dropped. ``confirm()`` is the
wizard's "yes" or "no"; ``discard()`` is its cancel.
"""

from __future__ import annotations

import atexit
import itertools
import os
import sys
import time

try:  # the type itself: the collections package imports a dozen modules more
    from _collections import deque
except ImportError:  # pragma: no cover - an interpreter without the C module
    from collections import deque

from doorstep.consent import decision as consent
from doorstep.consent import record as consent_record
from doorstep.consent import standing
from doorstep.events import schema
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.paths import for_product
from doorstep.foundation.product import current

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional

    from doorstep.foundation.paths import Paths
    from doorstep.foundation.product import Product

# Events held before a decision. A whole install and wizard is ~20; 256 of the largest
# events the schema allows still fit in the spool, so a "yes" never loses one to its bound.
BUFFER_LIMIT = 256
_SECONDS_PER_DAY = 86400


class Recorder:
    """A buffer of events for one process, and the moves that consent allows."""

    def __init__(
        self,
        product: Optional[Product] = None,
        env: Optional[Mapping[str, str]] = None,
        limit: int = BUFFER_LIMIT,
    ) -> None:
        self.product = product or current()
        self._env = env
        self._schema = schema.for_product(self.product)
        self._events: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = itertools.count()  # next() on a count is atomic: threads may record
        self._day = (-1, "")
        self._ephemeral_id: Optional[str] = None
        self._atexit = False
        self.flag: Optional[bool] = None  # --telemetry / --no-telemetry of this invocation
        # Set by a recorder that no command stands behind (an adopting tool's Telemetry):
        # the prefix under which the first decision's warnings (a record that cannot be
        # read, a bad <PREFIX>_TELEMETRY) go to stderr, once. Commands print their own.
        self.warn_as: Optional[str] = None
        self.dropped = 0  # oldest events pushed out of a full buffer
        self.rejected = 0  # events the schema does not know
        self._counts: dict[str, dict[str, list[int]]] = {}  # day -> command -> [runs, errors]

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    def today(self) -> str:
        """Today's UTC date, as events carry it."""
        return self._today()

    def _today(self) -> str:
        number = int(time.time() // _SECONDS_PER_DAY)
        if number != self._day[0]:
            # The UTC date of that day number (time.gmtime: no datetime import needed).
            self._day = (number, time.strftime("%Y-%m-%d", time.gmtime(number * _SECONDS_PER_DAY)))
        return self._day[1]

    def record(self, name: str, **props: Any) -> bool:
        """Keep an event in memory; False when the schema does not know ``name``."""
        clean = self._schema.clean_props(name, props)
        if clean is None:
            self.rejected += 1
            return False
        events = self._events
        if len(events) == events.maxlen:
            self.dropped += 1
        events.append({"name": name, "day": self._today(), "seq": next(self._seq), "props": clean})
        self._flush_later()
        return True

    def count(self, command: str, ok: bool = True) -> bool:
        """Count one run of ``command`` for today's rollup (in memory); False when the
        product's ``[usage] commands`` do not list it."""
        if command not in self.product.usage or type(ok) is not bool:
            self.rejected += 1
            return False
        from doorstep.delivery import usage

        usage.add(self._counts, self._today(), command, ok)
        self._flush_later()
        return True

    def _flush_later(self) -> None:
        if not self._atexit:
            self._atexit = True
            atexit.register(self._flush_at_exit)

    def _flush_at_exit(self) -> None:
        try:
            self.flush()
        except Exception:
            pass  # telemetry never turns a clean exit into a traceback

    @property
    def counts(self) -> dict[str, dict[str, list[int]]]:
        """Copies of the usage counts waiting in memory: day -> command -> [runs, errors]."""
        return {day: {c: list(p) for c, p in cmds.items()} for day, cmds in self._counts.items()}

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Copies of the events waiting in memory, oldest first."""
        # deque.copy() is one atomic step, where iterating would fail beside a recording thread.
        return [dict(event, props=dict(event["props"])) for event in self._events.copy()]

    def discard(self) -> None:
        """Forget every event and count waiting in memory (cancel, or a "no")."""
        self._events.clear()
        self._counts = {}

    def _drain(self) -> list[dict[str, Any]]:
        # popleft is atomic: an event recorded meanwhile is left waiting for the next flush.
        taken = []
        events = self._events
        for _ in range(len(events)):
            try:
                taken.append(events.popleft())
            except IndexError:
                break
        return taken

    def paths(self) -> Paths:
        return for_product(self.product, self.env)

    def decide(self) -> consent.Decision:
        """Consent as it stands now: the record is read afresh every time."""
        decision = standing.decide(self.paths(), self.env, self.flag, self.product).decision
        if self.warn_as is not None and decision.warnings:
            prefix, self.warn_as = self.warn_as, None
            for warning in decision.warnings:
                sys.stderr.write(f"{prefix}: warning: {warning}\n")
        return decision

    def flush(self, wait: Optional[float] = None) -> str:
        """Hand waiting events on if consent allows: "sent", "kept" (undecided) or "dropped".

        Normally a detached sender takes them and nobody waits. With ``wait`` (seconds),
        they are sent from this process within that time, for the moments when nothing
        may outlive the command (uninstall); "sent" then means every one of them went,
        and "spooled" that some still wait in the spool.
        """
        if not self._events and not self._counts:
            return "kept"
        decision = self.decide()
        if decision.state == consent.UNDECIDED:
            return "kept"
        if not decision.sends:
            self.discard()
            return "dropped"
        install_id = self._install_id(decision)
        if install_id is None:
            self.discard()
            return "dropped"
        if self._counts:
            self._settle_counts()
            if not self._events:
                return "counted"
        return self._spool_and_send(install_id, wait)

    def _settle_counts(self) -> None:
        # With consent: today's counts join the day's file, and every day that is over
        # leaves it as one usage_rollup per command, sent with this batch.
        from doorstep.delivery import usage

        counts, self._counts = self._counts, {}
        try:
            due = usage.settle(self.paths().state_dir, counts, self._today())
        except OSError:
            return  # an unwritable state folder costs the counts, never the command
        for rollup in due:
            event = usage.event(rollup, next(self._seq))
            clean = self._schema.clean_props("usage_rollup", event["props"])
            if clean is not None and set(clean) == set(event["props"]):
                self._events.append(dict(event, props=clean))

    def _install_id(self, decision: consent.Decision) -> Optional[str]:
        where = self.paths()
        if decision.notice_due:
            return self._show_notice(where)
        saved = consent_record.read(where.record_file).record
        if saved is not None and saved.enabled:
            return saved.install_id
        # On for this process only (environment or flag) with no saved id: a throwaway id.
        if self._ephemeral_id is None:
            self._ephemeral_id = consent_record.new_install_id()
        return self._ephemeral_id

    def _show_notice(self, where: Paths) -> Optional[str]:
        record = consent_record.make(True, "notice", notice_shown=True, agreed=self._schema.kinds())
        try:
            consent_record.write(where.record, record)
        except DoorstepError:
            return None  # the notice could not be recorded, so nothing may be sent
        name = self.product.command_name
        sys.stderr.write(
            f"{self.product.display_name} shares anonymous usage data "
            f"(details: {self.product.docs_url}); turn it off with "
            f"'{name} telemetry disable' or DO_NOT_TRACK=1.\n"
        )
        return record.install_id

    def _spool_and_send(self, install_id: str, wait: Optional[float] = None) -> str:
        from doorstep.delivery import agreement, sender
        from doorstep.delivery.spool import Entry, Spool
        from doorstep.events import envelope

        where = self.paths()
        # Only what the saved yes covered is spooled; data added since waits for its own.
        saved = consent_record.read(where.record_file).record
        allowed = agreement.covered(saved if saved and saved.install_id == install_id else None)
        the_envelope = agreement.limit_envelope(
            envelope.build(self.env, install_id, product=self.product), allowed
        )
        events = [agreement.limit_event(event, allowed) for event in self._drain()]
        entries = [Entry(the_envelope, event) for event in events if event is not None]
        if not entries:
            return "dropped"
        try:
            Spool(where.state_dir_text).append(entries)
        except OSError:
            return "dropped"  # a full or read-only disk costs the events, never the command
        if wait is not None:
            return "sent" if sender.run(self.flag, wait) else "spooled"
        sender.spawn(self.flag, self.env, self.product)
        return "sent"

    def confirm(self, enabled: bool, source: str) -> consent_record.ConsentRecord:
        """Record the wizard's answer; "yes" sends what waited, "no" drops it."""
        from doorstep.delivery import choice

        saved = choice.save(self.paths(), enabled, source)
        if enabled:
            self.flush()
        else:
            self.discard()
        return saved

    def preview(self, events: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
        """The body that sending ``events`` (default: those waiting in memory) would carry;
        sends nothing."""
        from doorstep.events import envelope, wire

        saved = consent_record.read(self.paths().record_file).record
        install_id = saved.install_id if saved is not None and saved.enabled else None
        example = install_id or self._ephemeral_id or consent_record.new_install_id()
        the_envelope = envelope.build(self.env, example, product=self.product)
        return wire.body(the_envelope, self.pending if events is None else events, self._schema)

    def hashed(self, value: str) -> Optional[str]:
        """``value`` as a hash property (salted SHA-256, 12 hex), or None while not on.

        The salt lives only in the consent record, so nothing is hashed before a "yes".
        """
        saved = consent_record.read(self.paths().record_file).record
        if saved is None or not saved.enabled or saved.salt is None:
            return None
        import hashlib  # deferred: loading OpenSSL costs every recording process otherwise

        digest = hashlib.sha256((saved.salt + "\0" + value).encode("utf-8"))
        return digest.hexdigest()[:12]


_default: Optional[Recorder] = None


def default() -> Recorder:
    """The process-wide recorder used by the module-level functions (made on first use,
    so a tool with its own ``Telemetry`` never pays for doorstep's)."""
    global _default
    if _default is None:
        _default = Recorder()
    return _default


def record(name: str, **props: Any) -> bool:
    """Record an event in memory (see the module docstring); costs no I/O."""
    return default().record(name, **props)


def flush() -> str:
    """Hand waiting events on if consent allows (also done automatically at exit)."""
    return default().flush()


def confirm(enabled: bool, source: str) -> consent_record.ConsentRecord:
    """Record the user's answer: "yes" sends what waited, "no" drops it."""
    return default().confirm(enabled, source)


def discard() -> None:
    """Forget every event waiting in memory."""
    default().discard()


__all__ = ["BUFFER_LIMIT", "Recorder", "confirm", "default", "discard", "flush", "record"]
