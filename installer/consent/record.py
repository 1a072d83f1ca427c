"""The consent record, ``telemetry.toml``: reading it defensively, writing it atomically.

Reading never raises: a file that is absent is "no decision", a file that cannot be
read or understood is "no decision" plus a one-line problem for the caller to warn
with. Writing replaces the whole file atomically with mode 0600.
"""

from __future__ import annotations

import os

from doorstep.foundation import ids, pathtext, tomlread
from doorstep.foundation.atomic import write_atomic
from doorstep.foundation.errors import RecordWriteError
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Optional, Union

SCHEMA_VERSION = 1
SOURCES = ("wizard", "inline", "flag", "cli", "settings", "notice")
# A real record is a few hundred bytes; anything much larger is noise, not a record.
MAX_BYTES = 16 * 1024
_HEX = frozenset("0123456789abcdef")
_DIGITS = frozenset("0123456789")


class ConsentRecord(Frozen):
    _fields = (
        "enabled",
        "consent_source",
        "decided_on",
        "install_id",
        "salt",
        "notice_shown",
        "agreed",
    )
    __slots__ = _fields

    enabled: bool
    consent_source: str
    decided_on: str
    install_id: Optional[str]
    salt: Optional[str]
    notice_shown: bool
    # The kinds of data the "yes" covered (``event``, ``event.prop``, ``envelope.field``);
    # None in a record written before doorstep kept them.
    agreed: Optional[tuple[str, ...]]

    def __init__(
        self,
        enabled: bool,
        consent_source: str,
        decided_on: str,
        install_id: Optional[str] = None,
        salt: Optional[str] = None,
        notice_shown: bool = False,
        agreed: Optional[tuple[str, ...]] = None,
    ) -> None:
        self._set(
            enabled=enabled,
            consent_source=consent_source,
            decided_on=decided_on,
            install_id=install_id,
            salt=salt,
            notice_shown=notice_shown,
            agreed=agreed,
        )

    def to_toml(self) -> str:
        import tomli_w  # deferred: only writers pay for it

        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "enabled": self.enabled}
        if self.enabled:
            data["install_id"] = self.install_id
            data["salt"] = self.salt
        data["consent_source"] = self.consent_source
        data["notice_shown"] = self.notice_shown
        data["decided_on"] = self.decided_on
        if self.enabled and self.agreed is not None:
            data["agreed_schema"] = digest(self.agreed)
            data["agreed"] = list(self.agreed)
        return tomli_w.dumps(data)


def digest(kinds: tuple[str, ...]) -> str:
    """A short fingerprint of what a yes covered (the list itself is kept beside it)."""
    import hashlib

    return hashlib.sha256("\n".join(sorted(kinds)).encode()).hexdigest()[:16]


class RecordRead(pathtext.Located):
    """What reading the record found: a record, nothing, or a problem (one line)."""

    _fields = ("path", "record", "problem")
    __slots__ = ("_path", "problem", "record")

    record: Optional[ConsentRecord]
    problem: Optional[str]

    def __init__(
        self,
        path: Union[str, Path],
        record: Optional[ConsentRecord] = None,
        problem: Optional[str] = None,
    ) -> None:
        self._set(_path=pathtext.text(path), record=record, problem=problem)

    @property
    def state(self) -> str:
        if self.record is not None:
            return "present"
        return "unreadable" if self.problem else "absent"


def new_install_id() -> str:
    return ids.new()


def new_salt() -> str:
    return os.urandom(16).hex()


def today() -> str:
    """Today's date in UTC: records and events carry a day, never a time of day."""
    import datetime  # deferred, like every use below: status without a record never needs it

    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def make(
    enabled: bool,
    source: str,
    *,
    notice_shown: bool = False,
    agreed: Optional[tuple[str, ...]] = None,
) -> ConsentRecord:
    """A fresh record for a decision; turning on always mints a new id and salt.

    ``agreed`` is what the yes covered (the kinds of data the person was shown).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    if enabled and agreed is not None:
        return ConsentRecord(
            True, source, today(), new_install_id(), new_salt(), notice_shown, tuple(agreed)
        )
    if not enabled:
        return ConsentRecord(False, source, today(), notice_shown=notice_shown)
    return ConsentRecord(True, source, today(), new_install_id(), new_salt(), notice_shown)


def read(path: Union[str, Path]) -> RecordRead:
    """Read the record at ``path``; never raises."""
    path = pathtext.text(path)  # spelt as a Path would be, in every message
    try:
        # flat: the record as doorstep writes it is read without the TOML parser (and the
        # typing and datetime modules it imports); any other text is parsed as ever.
        data = tomlread.read_file(path, MAX_BYTES, "a consent record", flat=True)
    except tomlread.Unreadable as exc:
        return RecordRead(path, problem=str(exc))
    if data is None:
        return RecordRead(path)
    problem, record = _validate(data)
    if record is None:
        return RecordRead(path, problem=f"{path} {problem}")
    return RecordRead(path, record=record)


def _validate(data: dict[str, Any]) -> tuple[str, Optional[ConsentRecord]]:
    version = data.get("schema_version")
    if type(version) is not int:
        return "has no schema_version", None
    if version != SCHEMA_VERSION:
        return f"has schema_version {version}, which this version does not understand", None
    enabled = data.get("enabled")
    if type(enabled) is not bool:
        return "has no enabled = true/false", None
    source = data.get("consent_source")
    if source not in SOURCES:
        return "has an unknown consent_source", None
    notice_shown = data.get("notice_shown", False)
    if type(notice_shown) is not bool:
        return "has a notice_shown that is not true/false", None
    decided_on = data.get("decided_on")
    if not isinstance(decided_on, str):  # a TOML date, written by hand
        import datetime

        if isinstance(decided_on, datetime.date) and not isinstance(decided_on, datetime.datetime):
            decided_on = decided_on.isoformat()
    if not isinstance(decided_on, str) or not _is_date(decided_on):
        return "has a decided_on that is not a date", None
    if not enabled:
        return "", ConsentRecord(False, source, decided_on, notice_shown=notice_shown)
    install_id, salt = data.get("install_id"), data.get("salt")
    if not isinstance(install_id, str) or not ids.is_uuid4(install_id):
        return "has no valid install_id", None
    if not isinstance(salt, str) or not _is_salt(salt):
        return "has no valid salt", None
    agreed = data.get("agreed")
    if agreed is not None:
        if not isinstance(agreed, list) or not all(isinstance(k, str) for k in agreed):
            return "has an agreed list that is not a list of names", None
        agreed = tuple(agreed)
    record = ConsentRecord(True, source, decided_on, install_id, salt, notice_shown, agreed)
    return "", record


def _is_salt(text: str) -> bool:
    # re.match(r"^[0-9a-f]{32}$", text), whose "$" also matches before a final newline.
    if text.endswith("\n"):
        text = text[:-1]
    return len(text) == 32 and set(text) <= _HEX


def _is_date(text: str) -> bool:
    # The shape first, [0-9]{4}-[0-9]{2}-[0-9]{2} (from 3.11, fromisoformat also takes
    # week dates like 2026-W47-1).
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    if not set(text[:4] + text[5:7] + text[8:]) <= _DIGITS:
        return False
    # Then what datetime.date.fromisoformat accepts of YYYY-MM-DD (without importing it).
    year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
    if year < 1 or not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= day <= (29 if month == 2 and leap else _MONTH_DAYS[month - 1])


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def write(path: Path, record: ConsentRecord) -> None:
    """Write ``record`` atomically with mode 0600; RecordWriteError says what to do."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if hasattr(os, "geteuid") and os.lstat(path.parent).st_uid != os.geteuid():
            raise RecordWriteError(
                f"cannot save your choice to {path}: {path.parent} belongs to another user; "
                "point XDG_CONFIG_HOME at a folder of your own, then try again"
            )
        write_atomic(path, record.to_toml().encode("utf-8"), mode=0o600)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RecordWriteError(
            f"cannot save your choice to {path} ({reason}); make {path.parent} writable "
            "or point XDG_CONFIG_HOME at a writable folder, then try again"
        ) from None


def delete(path: Path) -> None:
    """Remove the record if it is there (uninstall, or a fresh start)."""
    path.unlink(missing_ok=True)


__all__ = [
    "SOURCES",
    "ConsentRecord",
    "RecordRead",
    "delete",
    "digest",
    "make",
    "new_install_id",
    "new_salt",
    "read",
    "today",
    "write",
]
