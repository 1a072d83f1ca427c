"""Deciding consent: a pure function of the environment, the flags, the record and the product.

Order, first match wins (DESIGN.md, Consent):
1. DO_NOT_TRACK set to anything but 0/false: off.
2. <PREFIX>_TELEMETRY = 0/false/no/off or 1/true/yes/on, for this process only.
3. A --telemetry / --no-telemetry flag of this invocation.
4. The saved record.
5. The product policy: ask (undecided), notice (on, after a notice), off.

Nothing here reads a file or the clock, so the whole table is tested without a disk.
"""

from __future__ import annotations

from doorstep.foundation import flags
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

    from doorstep.consent.policy import PolicyRead
    from doorstep.consent.record import RecordRead
    from doorstep.foundation.product import Product

ON, OFF, UNDECIDED = "on", "off", "undecided"


class Decision(Frozen):
    """The outcome: a state, the rule that decided it, and words for people."""

    _fields = ("state", "reason", "detail", "endpoint", "notice_due", "warnings")
    __slots__ = _fields

    state: str  # on | off | undecided
    reason: str  # do_not_track | env | flag | record | record_unreadable | policy
    detail: str  # why, in a sentence a person understands
    endpoint: Optional[str]  # where events would go; None: nothing is ever sent
    notice_due: bool  # policy "notice": show the notice before the first send
    warnings: tuple[str, ...]

    def __init__(
        self,
        state: str,
        reason: str,
        detail: str,
        endpoint: Optional[str],
        notice_due: bool = False,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self._set(
            state=state,
            reason=reason,
            detail=detail,
            endpoint=endpoint,
            notice_due=notice_due,
            warnings=warnings,
        )

    @property
    def sends(self) -> bool:
        """True only when events may leave the machine: on, and an endpoint exists."""
        return self.state == ON and self.endpoint is not None


def endpoint(env: Mapping[str, str], product: Product) -> tuple[Optional[str], Optional[str]]:
    """The endpoint in effect and a warning if the override is unusable."""
    name = product.env("TELEMETRY_ENDPOINT")
    override = env.get(name, "").strip()
    if override:
        if override.startswith(("http://", "https://")) and len(override) > len("https://"):
            return override, None
        shown = flags.shown(override)
        return None, f"ignoring {name}={shown}: it must be an http:// or https:// URL"
    return (product.endpoint or None), None


def resolve(
    env: Mapping[str, str],
    flag: Optional[bool],
    record: RecordRead,
    product: Product,
    policy: Optional[PolicyRead] = None,
) -> Decision:
    """Decide whether telemetry is on for this process. Pure: no files, no clock.

    ``policy`` is the machine policy as read (None: there is none).
    """
    warnings: list[str] = []
    url, problem = endpoint(env, product)
    if problem:
        warnings.append(problem)

    def decided(state: str, reason: str, detail: str, notice_due: bool = False) -> Decision:
        return Decision(state, reason, detail, url, notice_due, tuple(warnings))

    if flags.is_set(env, "DO_NOT_TRACK"):
        return decided(OFF, "do_not_track", "DO_NOT_TRACK is set in your environment")

    if policy is not None and policy.off:
        if policy.problem:
            warnings.append(policy.problem)
        return decided(
            OFF, "machine_policy", f"this machine's policy in {policy.path_text} turns it off"
        )

    name = product.env("TELEMETRY")
    value = env.get(name, "").strip()
    # Only a plain yes or no word decides: a typo must not turn telemetry on.
    if value and flags.is_word(value):
        state = ON if flags.parse(value) else OFF
        return decided(state, "env", f"{name}={value} is set in your environment")
    if value:
        shown = flags.shown(value)
        warnings.append(f"ignoring {name}={shown}: use 0/false/no/off or 1/true/yes/on")

    if flag is not None:
        option = "--telemetry" if flag else "--no-telemetry"
        return decided(ON if flag else OFF, "flag", f"{option} was given for this command")

    saved = record.record
    if saved is not None:
        detail = f"your choice, saved on {saved.decided_on} in {record.path_text}"
        if saved.consent_source == "notice":
            detail = f"on by default, announced on {saved.decided_on}; saved in {record.path_text}"
        return decided(ON if saved.enabled else OFF, "record", detail)
    if record.problem:
        warnings.append(f"{record.problem}; treating it as no choice")
        return decided(
            UNDECIDED,
            "record_unreadable",
            f"your saved choice in {record.path_text} could not be read: "
            "nothing is sent until you decide again",
        )

    if product.policy == "notice":
        return decided(
            ON, "policy", "on by default; a one-line notice is shown before anything is sent", True
        )
    if product.policy == "off":
        return decided(OFF, "policy", "off by default until you turn it on")
    return decided(UNDECIDED, "policy", "no choice yet: nothing is sent until you decide")


__all__ = ["OFF", "ON", "UNDECIDED", "Decision", "endpoint", "resolve"]
