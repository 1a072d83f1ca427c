"""The second fence: value-level redaction of every string that is sent.

The schema already refuses free text; this catches whatever slips through (a version
string with a path in it, an enum someone widened carelessly). It is deliberately
eager: a false positive costs one property, a false negative costs someone's privacy.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"

_PATTERNS: tuple[tuple[str, str], ...] = (
    ("jwt", r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
    ("url_credentials", r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]+:[^\s/@]*@"),
    ("file_url", r"(?i)\bfile:/\S*"),
    ("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    ("authorization", r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}"),
    (
        "assignment",
        r"(?i)\b(password|passwd|pwd|pass|secret|token|api[_-]?key|apikey|access[_-]?key"
        r"|auth|credential|private[_-]?key)s?\s*[=:]\s*\S+",
    ),
    ("github_token", r"\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})"),
    ("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{8,}"),
    ("aws_key", r"\b(AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{12,}"),
    ("google_key", r"\bAIza[0-9A-Za-z_-]{20,}"),
    ("sk_key", r"\b[sr]k[-_](live_|test_|proj-)?[A-Za-z0-9_-]{12,}"),
    ("posthog_key", r"\bph[cx]_[A-Za-z0-9]{16,}"),
    ("posix_home", r"(/home|/Users|/var/home|/export/home)/[^/\s]+|/root\b|~[A-Za-z0-9_.-]*/"),
    ("windows_home", r"(?i)\b[A-Z]:[\\/]+(Users|Documents and Settings)[\\/]+[^\\/\s]+"),
    ("mac_address", r"(?i)\b[0-9a-f]{2}([:-][0-9a-f]{2}){5}\b"),
    ("ipv4", r"\b(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\b"),
    ("ipv6", r"(?i)(?<![\w:])([0-9a-f]{0,4}:){2,7}([0-9a-f]{0,4}|(\d{1,3}\.){3}\d{1,3})(%\w+)?"),
    ("long_hex", r"(?i)\b[0-9a-f]{20,}\b"),
    (
        "long_base64",
        r"(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[A-Z])"
        r"[A-Za-z0-9+/_-]{32,}={0,2}",
    ),
    (
        "personal_hostname",
        r"(?i)\b[a-z0-9-]*(macbook|mbp|imac|laptop|desktop|iphone|ipad|thinkpad|workstation)"
        r"[a-z0-9-]*\b|\b[a-z0-9-]+\.(local|lan|home|internal|localdomain)\b",
    ),
)


def _scoped(pattern: str) -> str:
    # A leading (?i) is only legal at the very start, so scope it to its own branch.
    if pattern.startswith("(?i)"):
        return f"(?i:{pattern[4:]})"
    return f"(?:{pattern})"


_COMBINED = re.compile("|".join(_scoped(pattern) for _, pattern in _PATTERNS))
KINDS = tuple(kind for kind, _ in _PATTERNS)


def scrub(text: str) -> str:
    """``text`` with everything that looks personal or secret replaced by [redacted]."""
    return _COMBINED.sub(REDACTED, text)


def is_clean(text: str) -> bool:
    """True when nothing in ``text`` looks personal or secret."""
    return _COMBINED.search(text) is None


def findings(text: str) -> list[str]:
    """Which kinds of personal or secret data ``text`` seems to hold (for tests and debug)."""
    return [kind for kind, pattern in _PATTERNS if re.search(pattern, text)]


__all__ = ["KINDS", "REDACTED", "findings", "is_clean", "scrub"]
