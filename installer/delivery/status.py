"""What ``telemetry status`` reports: gathered once, printed as words or as stable JSON.

The JSON object is a documented interface (README, "telemetry status --json"); add
keys, never rename or remove them.
"""

from __future__ import annotations

from doorstep.consent import decision as consent
from doorstep.consent import standing
from doorstep.foundation import pathtext
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Optional

    from doorstep.consent import policy as machine_policy
    from doorstep.consent import record as consent_record
    from doorstep.foundation.paths import Paths
    from doorstep.foundation.product import Product

JSON_VERSION = 1


class Status(Frozen):
    _fields = ("product", "paths", "decision", "record", "spool_events", "policy", "new_kinds")
    __slots__ = _fields

    product: Product
    paths: Paths
    decision: consent.Decision
    record: consent_record.RecordRead
    spool_events: int
    policy: Optional[machine_policy.PolicyRead]
    new_kinds: tuple[str, ...]

    def __init__(
        self,
        product: Product,
        paths: Paths,
        decision: consent.Decision,
        record: consent_record.RecordRead,
        spool_events: int,
        policy: Optional[machine_policy.PolicyRead] = None,
        new_kinds: tuple[str, ...] = (),
    ) -> None:
        self._set(
            product=product,
            paths=paths,
            decision=decision,
            record=record,
            spool_events=spool_events,
            policy=policy,
            new_kinds=new_kinds,
        )

    @property
    def install_id(self) -> Optional[str]:
        saved = self.record.record
        return saved.install_id if saved is not None and saved.enabled else None

    def to_json(self) -> dict[str, Any]:
        saved = self.record.record
        return {
            "version": JSON_VERSION,
            "state": self.decision.state,
            "sending": self.decision.sends,
            "decided_by": self.decision.reason,
            "reason": self.decision.detail,
            "install_id": self.install_id,
            "consent_source": saved.consent_source if saved else None,
            "decided_on": saved.decided_on if saved else None,
            "endpoint": self.decision.endpoint,
            "policy": self.product.policy,
            "files": {
                "record": {"path": self.paths.record_file, "state": self.record.state},
                "spool": {"path": self.paths.spool_file, "events": self.spool_events},
                "receipt": {
                    "path": self.paths.receipt_file,
                    "present": pathtext.is_file(self.paths.receipt_file),
                },
                "machine_policy": {
                    "path": self.paths.policy_file,
                    "state": self.policy.state if self.policy else "absent",
                },
            },
            # Kinds of data added since the saved yes: dropped until agreed to.
            "new_kinds": list(self.new_kinds),
            "warnings": list(self.decision.warnings),
        }

    def _policy_lines(self) -> list[str]:
        if self.policy is None or self.policy.state == "absent":
            return []
        note = {"off": "turns it off", "unreadable": "cannot be read: counts as off"}
        shown = note.get(self.policy.state, "present")
        return [f"  machine policy  {self.policy.path_text} ({shown})"]

    def to_text(self) -> str:
        name, decision = self.product.command_name, self.decision
        headline = f"Telemetry: {decision.state}"
        if decision.state == consent.ON and not decision.sends:
            headline += " (but nothing is sent: no endpoint is configured)"
        record_note = {
            "present": "saved",
            "absent": "not created yet",
            "unreadable": "cannot be read; it is rewritten at your next choice",
        }[self.record.state]
        id_line = self.install_id or "none (a new one is minted when telemetry is turned on)"
        endpoint_line = decision.endpoint or "none configured: nothing is ever sent"
        events = self.spool_events
        spool_note = f"{events} event{'s' if events != 1 else ''} waiting" if events else "empty"
        receipt_note = "present" if pathtext.is_file(self.paths.receipt_file) else "none"
        lines = [headline, f"  because {decision.detail}"]
        if self.new_kinds and decision.state == consent.ON:
            count = len(self.new_kinds)
            lines.append(
                f"  {count} new kind{'s' if count != 1 else ''} of data since your choice: "
                f"not sent until you agree ({', '.join(self.new_kinds)}); "
                f"'{name} setup' or '{name} telemetry enable' agrees"
            )
        lines += [
            f"Install id: {id_line}",
            f"Endpoint:   {endpoint_line}",
            "Files:",
            f"  consent record  {self.paths.record_file} ({record_note})",
            f"  spool           {self.paths.spool_file} ({spool_note})",
            f"  receipt         {self.paths.receipt_file} ({receipt_note})",
            *self._policy_lines(),
            f"Change it: '{name} telemetry enable', '{name} telemetry disable' or "
            f"'{name} settings'; DO_NOT_TRACK=1 or {self.product.env('TELEMETRY')}=0 "
            "always turn it off.",
        ]
        return "\n".join(lines)


def gather(product: Product, where: Paths, env: Any, flag: Optional[bool] = None) -> Status:
    """Everything status shows, read once; never raises for anything on disk."""
    found = standing.decide(where, env, flag, product)
    record, policy, decision = found.record, found.policy, found.decision
    new: tuple[str, ...] = ()
    saved = record.record
    if saved is not None and saved.enabled:
        from doorstep.delivery import agreement
        from doorstep.events import schema

        new = tuple(agreement.new_kinds(saved, schema.for_product(product)))
    waiting = 0
    if pathtext.exists(where.spool_file):  # usually not: then the schema need not be loaded at all
        from doorstep.delivery.spool import Spool  # only events a sender would really send count

        waiting = len(Spool(where.state_dir).peek())
    return Status(product, where, decision, record, waiting, policy, new)


def render_json(status: Status) -> str:
    import json  # deferred: only --json pays for it

    return json.dumps(status.to_json(), indent=2, sort_keys=True)


__all__ = ["JSON_VERSION", "Status", "gather", "render_json"]
