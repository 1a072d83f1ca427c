"""Results remembered by key, the least recently used forgotten first, without
``functools`` (it imports ``collections``, ``types`` and more: a start pays for them).

    _schemas = Memo(8)
    def for_product(product):
        return _schemas.get(product, _build)

``Memo(n).get(key, make)`` is what ``functools.lru_cache(maxsize=n)`` gives a function
of one argument: ``make(key)`` is called on a miss, an exception is not remembered.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from typing import Any


class Memo:
    """At most ``most`` results, by key."""

    __slots__ = ("_found", "_most")

    def __init__(self, most: int) -> None:
        self._most = most
        self._found: dict[Hashable, Any] = {}

    def get(self, key: Hashable, make: Callable[[Any], Any]) -> Any:
        found = self._found
        if key in found:
            value = found.pop(key)  # and put back last: the most recently used
        else:
            value = make(key)
            while len(found) >= self._most:
                del found[next(iter(found))]
        found[key] = value
        return value

    def clear(self) -> None:
        self._found.clear()


__all__ = ["Memo"]
