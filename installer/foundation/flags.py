"""Boolean environment variables, read one way everywhere (install.sh's ``truthy`` too).

Unset or empty is unset; ``0``, ``false``, ``no`` and ``off`` in any case are false;
anything else is true. Surrounding whitespace is ignored.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

FALSE_WORDS = ("0", "false", "no", "off")
TRUE_WORDS = ("1", "true", "yes", "on")


def parse(value: Optional[str]) -> Optional[bool]:
    """None when unset or empty, False for a false word, True for anything else."""
    if value is None:
        return None
    value = value.strip().lower()
    if not value:
        return None
    return value not in FALSE_WORDS


def is_set(env: Mapping[str, str], name: str) -> bool:
    """Whether ``name`` is true in ``env`` (unset and false words are not)."""
    return parse(env.get(name)) is True


def is_word(value: str) -> bool:
    """Whether ``value`` is one of the words that plainly mean yes or no."""
    return value.strip().lower() in FALSE_WORDS + TRUE_WORDS


def shown(value: str) -> str:
    """``repr(value)`` for a message, with bytes that are not UTF-8 as ``\\xNN``: the
    environment hands them over as lone surrogates, which repr would spell ``\\udcNN``."""
    text = repr(value)
    out, at = [], 0
    while True:
        slash = text.find("\\", at)
        if slash < 0:
            return "".join(out) + text[at:]
        escape = text[slash : slash + 6]
        if escape[1:4] == "udc" and "80" <= escape[4:6].lower() <= "ff":
            out.append(text[at:slash] + "\\x" + escape[4:6])
            at = slash + 6
        else:  # another escape, a doubled backslash among them: kept whole
            out.append(text[at : slash + 2])
            at = slash + 2


__all__ = ["FALSE_WORDS", "TRUE_WORDS", "is_set", "is_word", "parse", "shown"]
