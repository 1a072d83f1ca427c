"""Immutable value classes without the ``dataclasses`` module on the import path.

``dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis`` and ``tokenize``): about
10 ms that every command and every adopting tool would pay at start-up. A ``Frozen``
subclass lists its fields in ``__slots__``, sets them once in its own ``__init__`` with
``_set``, and is compared, hashed and shown by them like a frozen dataclass.
``dataclasses.replace`` and ``dataclasses.fields`` still work on it: the fields they read
are built on first use, so only code that calls them loads the module.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


class _DataclassFields:
    # What dataclasses.replace/fields/is_dataclass look for, made when first asked for.
    def __get__(self, instance: object, owner: type) -> dict[str, Any]:
        import dataclasses

        shadow = dataclasses.make_dataclass(owner.__name__, [(n, object) for n in owner._fields])
        built = shadow.__dataclass_fields__
        type.__setattr__(owner, "__dataclass_fields__", built)
        return built


class Frozen:
    """Base of small immutable values: equal, hashed and shown by their fields."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()  # every field, in order (the subclass's __slots__)
    _compared: tuple[str, ...] = ()  # the fields equality and hash use (default: all)
    __dataclass_fields__ = _DataclassFields()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in (self._compared or self._fields))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles are rebuilt through __init__ (the fields are keyword arguments).
        return (_rebuild, (self.__class__, {n: getattr(self, n) for n in self._fields}))


def _rebuild(cls: type, values: dict[str, Any]) -> Any:
    return cls(**values)


__all__ = ["Frozen"]
