"""Consent as it stands now: the consent record and the machine policy read afresh from
disk, then the pure ``decision.resolve``. Every place that decides calls this."""

from __future__ import annotations

from doorstep.consent import decision, policy, record
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

    from doorstep.foundation.paths import Paths
    from doorstep.foundation.product import Product


class Found(Frozen):
    """The decision and the two files it was made from (status shows all three)."""

    _fields = ("decision", "record", "policy")
    __slots__ = _fields

    decision: decision.Decision
    record: record.RecordRead
    policy: policy.PolicyRead

    def __init__(
        self, decision: decision.Decision, record: record.RecordRead, policy: policy.PolicyRead
    ) -> None:
        self._set(decision=decision, record=record, policy=policy)


def decide(where: Paths, env: Mapping[str, str], flag: Optional[bool], product: Product) -> Found:
    """Read ``where``'s record and machine policy and resolve; never raises for a file."""
    the_record = record.read(where.record_file)
    the_policy = policy.read(where.policy_file)
    return Found(
        decision.resolve(env, flag, the_record, product, the_policy), the_record, the_policy
    )


__all__ = ["Found", "decide"]
