"""Hypothesis strategies for strings that must never leave the machine.

``PII`` maps each redaction kind to a strategy of strings of that kind, shaped like the
real thing (a GitHub token has the real prefix and length, a home path a real layout),
so the fences are tested against what would actually slip into an event.
"""

from __future__ import annotations

import base64
import ipaddress
import string

from hypothesis import strategies as st

_LOWER = string.ascii_lowercase
_ALNUM = string.ascii_letters + string.digits
_HEX = "0123456789abcdef"

user = st.text(_LOWER, min_size=3, max_size=10)
word = st.text(_LOWER + string.digits + "_-", min_size=1, max_size=12)
label = st.text(_LOWER + string.digits, min_size=2, max_size=10)
tld = st.sampled_from(["com", "org", "net", "io", "dev", "co.uk", "de"])


def _chars(alphabet: str, size: int, max_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=size, max_size=max_size or size)


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


email = st.builds(
    lambda local, host, top: f"{local}@{host}.{top}",
    st.text(_LOWER + string.digits + "._+-", min_size=1, max_size=12).map(lambda s: "a" + s),
    label,
    tld,
)
posix_home = st.builds(
    lambda root, name, rest: f"{root}/{name}{rest}",
    st.sampled_from(["/home", "/Users", "/var/home", "/export/home"]),
    user,
    st.sampled_from(["", "/projects", "/.config/app", "/Desktop/notes.txt"]),
)
root_home = st.sampled_from(["/root", "/root/.ssh/id_ed25519", "~/src", "~alice/x"])
windows_home = st.builds(
    lambda drive, sep, name: f"{drive}:{sep}Users{sep}{name}{sep}AppData",
    st.sampled_from("CDE"),
    st.sampled_from(["\\", "/", "\\\\"]),
    user,
)
file_url = st.builds(lambda name: f"file:///home/{name}/report.pdf", user) | st.builds(
    lambda name: f"file://server/share/{name}", user
)
url = st.builds(lambda host, top, path: f"https://{host}.{top}/{path}", label, tld, word)
ipv4 = st.ip_addresses(v=4).map(str).filter(lambda s: len(s) >= 9)
ipv6 = st.integers(min_value=2**64, max_value=2**128 - 1).map(
    lambda n: str(ipaddress.IPv6Address(n))
)
mac = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(_chars(_HEX, 2), min_size=6, max_size=6),
    st.sampled_from([":", "-"]),
)
jwt = st.builds(
    lambda a, b, c: f"eyJ{a}.eyJ{b}.{c}",
    _chars(_ALNUM + "_-", 10, 30),
    _chars(_ALNUM + "_-", 10, 60),
    _chars(_ALNUM + "_-", 20, 43),
)
authorization = st.builds(
    lambda scheme, token: f"{scheme} {token}",
    st.sampled_from(["Bearer", "bearer", "Basic", "Token"]),
    _chars(_ALNUM + "._-", 12, 40),
) | st.builds(lambda u, p: "Basic " + _base64(f"{u}:{p}".encode()), user, user)
assignment = st.builds(
    lambda key, sep, value: f"{key}{sep}{value}",
    st.sampled_from(["password", "PASSWORD", "secret", "token", "api_key", "apiKey", "passwd"]),
    st.sampled_from(["=", ": ", ":", " = "]),
    _chars(_ALNUM + "!#$%^&*", 4, 20),
)
github_token = st.builds(
    lambda kind, body: f"gh{kind}_{body}", st.sampled_from("pousr"), _chars(_ALNUM, 36)
) | st.builds(lambda body: f"github_pat_{body}", _chars(_ALNUM + "_", 40, 82))
slack_token = st.builds(
    lambda kind, a, b, c: f"xox{kind}-{a}-{b}-{c}",
    st.sampled_from("abpr"),
    _chars(string.digits, 10, 13),
    _chars(string.digits, 10, 13),
    _chars(_ALNUM, 24),
)
aws_key = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(["AKIA", "ASIA"]),
    _chars(string.ascii_uppercase + string.digits, 16),
)
google_key = st.builds(lambda body: "AIza" + body, _chars(_ALNUM + "_-", 35))
sk_key = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(["sk-", "sk-proj-", "sk_live_", "sk_test_", "rk_live_", "sk-ant-api03-"]),
    _chars(_ALNUM, 20, 48),
)
posthog_key = st.builds(
    lambda kind, body: f"ph{kind}_{body}", st.sampled_from("cx"), _chars(_ALNUM, 43)
)
long_hex = st.sampled_from([20, 32, 40, 64]).flatmap(lambda n: _chars(_HEX, n))
# High-entropy key material: random bytes, with the three classes real keys show.
long_base64 = st.binary(min_size=18, max_size=48).map(lambda b: _base64(b).rstrip("=") + "Zz9")
personal_hostname = (
    st.builds(lambda name: f"{name}s-MacBook-Pro", user)
    | st.builds(lambda body: f"DESKTOP-{body}", _chars(string.ascii_uppercase + string.digits, 7))
    | st.builds(lambda name: f"{name}-laptop", user)
    | st.builds(lambda name: f"{name}.local", user)
)

PII: dict[str, st.SearchStrategy[str]] = {
    "email": email,
    "posix_home": posix_home,
    "root_home": root_home,
    "windows_home": windows_home,
    "file_url": file_url,
    "url": url,
    "ipv4": ipv4,
    "ipv6": ipv6,
    "mac_address": mac,
    "jwt": jwt,
    "authorization": authorization,
    "assignment": assignment,
    "github_token": github_token,
    "slack_token": slack_token,
    "aws_key": aws_key,
    "google_key": google_key,
    "sk_key": sk_key,
    "posthog_key": posthog_key,
    "long_hex": long_hex,
    "long_base64": long_base64,
    "personal_hostname": personal_hostname,
}

any_pii = st.one_of(*PII.values())
# Text around a secret, as it would sit in an error message or a path.
context = st.text(_LOWER + " ", max_size=20).map(lambda s: s.strip())

__all__ = ["PII", "any_pii", "context"]
