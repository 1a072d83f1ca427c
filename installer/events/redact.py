"""The second fence: value-level redaction of every string that is sent.

The schema already refuses free text; this catches whatever slips through (a version
string with a path in it, an enum someone widened carelessly). It is deliberately
eager: a false positive costs one property, a false negative costs someone's privacy.
The values the pipeline itself sends (enum values, bucket labels, release versions, dates
and canonical lowercase UUIDs) are all clean, and a test keeps them so.
"""

from __future__ import annotations

from doorstep.foundation import ids

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import re
    from typing import Callable, Optional

REDACTED = "[redacted]"

_HOST_WORDS = (
    "macbook|mbp|mba|imac|macmini|mac-mini|laptop|desktop|iphone|ipad|android|galaxy"
    "|pixel|thinkpad|surface|workstation|homeserver|raspberrypi"
)

# Order matters only for scrub(): at one position the first kind that matches wins.
# A pattern that opens with a repeated class starts with a lookbehind, so it is tried
# only where a run begins: without it a 36-character id costs quadratic backtracking.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("jwt", r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
    ("url", r"(?i)(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:(//|/)\S*"),
    ("email", r"(?<![^\s@])[^\s@]+@[^\s@.]+(\.[^\s@.]+)+"),
    ("user_at_host", r"(?<![^\s@])[^\s@]+@[^\s@]+"),
    ("authorization", r"(?i)\b(bearer|basic|token|digest|negotiate)\s+[A-Za-z0-9._~+/=-]{6,}"),
    (
        "assignment",
        r"(?i)(password|passwd|pwd|pass|secret|token|api[_-]?key|apikey|access[_-]?key"
        r"|auth|authorization|credential|private[_-]?key|session|cookie)s?\s*[=:]\s*\S+",
    ),
    ("github_token", r"(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})"),
    ("gitlab_token", r"glpat-[A-Za-z0-9_-]{16,}"),
    ("slack_token", r"xox[abposre]-[A-Za-z0-9-]{8,}"),
    ("aws_key", r"(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{12,}"),
    ("google_key", r"AIza[0-9A-Za-z_-]{20,}"),
    ("sk_key", r"\b[sr]k[-_][A-Za-z0-9_-]{12,}"),
    ("posthog_key", r"ph[cx]_[A-Za-z0-9]{16,}"),
    ("package_token", r"(npm_[A-Za-z0-9]{16,}|pypi-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{16,})"),
    (
        "home_path",
        r"(?i)[\\/]+(home|users|var[\\/]+home|export[\\/]+home|documents and settings)"
        r"[\\/]+[^\\/\s]+|/root\b|~[A-Za-z0-9_.-]*[\\/]|\$\{?HOME\b|%(userprofile|homepath)%",
    ),
    ("windows_home", r"(?i)[A-Z]:[\\/]+(users|documents and settings)[\\/]+[^\\/\s]+"),
    ("unc_path", r"\\\\[^\\\s]+\\[^\\\s]+"),
    # Colon and dash forms only: the dotted 0011.2233.4455 form is also a version shape.
    ("mac_address", r"(?i)\b[0-9a-f]{2}([:-][0-9a-f]{2}){5}\b"),
    ("ipv4", r"(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}"),
    ("ipv6", r"(?i)([0-9a-f]{0,4}:){2,7}([0-9a-f]{0,4}|([0-9]{1,3}\.){3}[0-9]{1,3})(%\w+)?"),
    ("long_hex", r"(?i)[0-9a-f]{20,}"),
    (
        "long_base64",
        r"(?<![A-Za-z0-9+/_-])"
        r"(?=[A-Za-z0-9+/_-]*[0-9])(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[A-Z])"
        r"[A-Za-z0-9+/_-]{24,}={0,2}",
    ),
    (
        "long_token",
        r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{32,}",
    ),
    (
        "personal_hostname",
        rf"(?i)(?<![a-z0-9-])[a-z0-9-]*?({_HOST_WORDS})[a-z0-9-]*"
        r"|(?<![a-z0-9-])[a-z0-9-]+-pc\b|\bpc-[a-z0-9-]+"
        r"|(?<![a-z0-9-])[a-z0-9-]+s-(air|pro|mini|mac|pc)\b"
        r"|(?<![a-z0-9.-])[a-z0-9-]+\.(local|lan|home|internal|localdomain|fritz\.box)\b",
    ),
    (
        "hostname",
        r"(?i)(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z][a-z0-9-]*[a-z]\b",
    ),
)


# What each kind is, in words for TELEMETRY.md; a test keeps it in step with _PATTERNS.
DESCRIPTIONS: dict[str, str] = {
    "jwt": "JSON web tokens",
    "url": "URLs of any scheme, `file://` included",
    "email": "email addresses",
    "user_at_host": "user@host forms",
    "authorization": "Bearer, Basic and other authorization values",
    "assignment": "`password=`, `secret=`, `token=`, `api_key=` and similar assignments",
    "github_token": "GitHub tokens",
    "gitlab_token": "GitLab tokens",
    "slack_token": "Slack tokens",
    "aws_key": "AWS access key ids",
    "google_key": "Google API keys",
    "sk_key": "`sk-`/`rk-` style secret keys (OpenAI, Stripe, Anthropic, ...)",
    "posthog_key": "PostHog project and personal keys",
    "package_token": "npm, PyPI and Hugging Face tokens",
    "home_path": "home folder paths (`/home/...`, `/Users/...`, `~/`, `$HOME`, `%USERPROFILE%`)",
    "windows_home": "Windows profile paths (`C:\\Users\\...`)",
    "unc_path": "Windows network paths (`\\\\server\\share`)",
    "mac_address": "MAC addresses",
    "ipv4": "IPv4 addresses",
    "ipv6": "IPv6 addresses",
    "long_hex": "long hexadecimal strings (20 digits or more)",
    "long_base64": "long base64 strings (24 characters or more)",
    "long_token": "long letter-and-digit strings (32 characters or more)",
    "personal_hostname": "personal-looking host names (`*-macbook-pro`, `DESKTOP-...`, `*.local`)",
    "hostname": "any dotted host name",
}


def _scoped(pattern: str) -> str:
    # A leading (?i) is only legal at the very start, so scope it to its own branch.
    if pattern.startswith("(?i)"):
        return f"(?i:{pattern[4:]})"
    return f"(?:{pattern})"


KINDS = tuple(kind for kind, _ in _PATTERNS)


# Compiled on first use, not at import: the process that records never needs them (nor
# ``re`` and ``functools``, which a start would pay some 5 ms for).
_compiled: dict[str, re.Pattern[str]] = {}
_compiled_each: list[tuple[tuple[str, re.Pattern[str]], ...]] = []


def _combined() -> re.Pattern[str]:
    found = _compiled.get("all")
    if found is None:
        import re

        found = _compiled["all"] = re.compile("|".join(_scoped(p) for _, p in _PATTERNS))
    return found


def _single() -> tuple[tuple[str, re.Pattern[str]], ...]:
    if not _compiled_each:
        import re

        _compiled_each.append(tuple((kind, re.compile(pattern)) for kind, pattern in _PATTERNS))
    return _compiled_each[0]


# A short plain word: lowercase letters, digits and '_', shorter than every key, token and
# long run the patterns know (the shortest, an sk_ key, is 15). Of all the patterns only
# the personal host words can match such a word, and they do wherever one stands in it.
_PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")  # [a-z0-9_]{1,14}
_PLAIN_MOST = 14
_HOST_WORD_LIST = tuple(_HOST_WORDS.split("|"))


# Sent values repeat (enum values, versions, the ids of a run): the collector checks
# the same few strings in every batch, so short ones are remembered.
_MEMO_LENGTH = 128
_memo: Optional[Callable[[str], bool]] = None


def _is_clean_memo(text: str) -> bool:
    global _memo
    if _memo is None:
        import functools

        _memo = functools.lru_cache(maxsize=4096)(_search_clean)
    return _memo(text)


def _search_clean(text: str) -> bool:
    return _combined().search(text) is None


def scrub(text: str) -> str:
    """``text`` with everything that looks personal or secret replaced by [redacted]."""
    return _combined().sub(REDACTED, text)


def is_clean(text: str) -> bool:
    """True when nothing in ``text`` looks personal or secret."""
    if ids.is_uuid4(text):
        return True  # a random UUID4 (an install or session id) says nothing about anyone
    if 0 < len(text) <= _PLAIN_MOST and set(text) <= _PLAIN_CHARS:
        # An enum value, mostly: answered without compiling the patterns (some 10 ms).
        return not any(word in text for word in _HOST_WORD_LIST)
    if len(text) <= _MEMO_LENGTH:
        return _is_clean_memo(text)
    return _combined().search(text) is None


def findings(text: str) -> list[str]:
    """Which kinds of personal or secret data ``text`` seems to hold (for tests and debug)."""
    return [kind for kind, pattern in _single() if pattern.search(text)]


__all__ = ["DESCRIPTIONS", "KINDS", "REDACTED", "findings", "is_clean", "scrub"]
