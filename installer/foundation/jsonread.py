"""JSON read and written by the C scanner and encoder that ``json`` itself uses, without
importing ``json``.

``json`` compiles regular expressions when imported (``json.decoder`` and
``json.encoder`` import ``re``, which imports ``enum`` and ``functools``): a start that
reads one compiled table pays some 5 ms for them. ``loads`` and ``dumps_compact`` build
the same C objects ``json.loads`` and ``json.dumps(..., separators=(",", ":"))`` build,
with the same settings, so they give the same values and the same text; where the C
module is missing they are ``json``'s own.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Union

try:
    from _json import encode_basestring_ascii, make_encoder, make_scanner
except ImportError:  # pragma: no cover - an interpreter without the C module
    make_scanner = make_encoder = encode_basestring_ascii = None

_WHITESPACE = " \t\n\r"  # json.decoder.WHITESPACE
_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}


class _Settings:
    # What json.JSONDecoder() hands the C scanner: its defaults.
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__


_scan = make_scanner(_Settings()) if make_scanner is not None else None


def loads(data: Union[str, bytes]) -> Any:
    """``json.loads(data)`` for UTF-8 text; ValueError when it is not JSON."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if _scan is None:  # pragma: no cover
        import json

        return json.loads(text)
    if text.startswith("\ufeff"):
        raise ValueError("Unexpected UTF-8 BOM (decode using utf-8-sig)")
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        found, end = _scan(text, start)
    except StopIteration as err:
        raise ValueError(f"Expecting value at {err.value}") from None
    if text[end:].strip(_WHITESPACE):
        raise ValueError(f"Extra data at {end}")
    return found


def _refuse(value: object) -> Any:
    # json.JSONEncoder.default
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def dumps_compact(value: Any, sort_keys: bool = False) -> str:
    """``json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)``."""
    if make_encoder is None:  # pragma: no cover
        import json

        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    encode = make_encoder(
        {}, _refuse, encode_basestring_ascii, None, ":", ",", sort_keys, False, True
    )
    return "".join(encode(value, 0))


__all__ = ["dumps_compact", "loads"]
