"""The product identity: which tool doorstep is installing and asking consent for.

Everything that names the tool (command, folders, environment variables, endpoint,
default policy) comes from ``product.toml`` through here, so that another tool adopts
doorstep by editing that one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from doorstep.foundation import tomlread
from doorstep.foundation.errors import ProductError

POLICIES = ("ask", "notice", "off")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_FIELDS = ("name", "display_name", "env_prefix", "package", "endpoint", "policy", "docs_url")


@dataclass(frozen=True)
class Product:
    name: str
    display_name: str
    env_prefix: str
    package: str
    endpoint: str
    policy: str
    docs_url: str

    def env(self, suffix: str) -> str:
        """The name of this product's environment variable ``<PREFIX>_<suffix>``."""
        return f"{self.env_prefix}_{suffix}"

    @classmethod
    def from_toml(cls, text: str, origin: str = "product.toml") -> Product:
        """Parse and validate a product file; a mistake raises ProductError naming it."""
        try:
            data = tomlread.loads(text)
        except tomlread.TOMLDecodeError as exc:
            raise ProductError(f"{origin} is not valid TOML: {exc}") from None
        missing = [f for f in _FIELDS if not isinstance(data.get(f), str)]
        if missing:
            raise ProductError(f"{origin} needs text values for: {', '.join(missing)}")
        product = cls(**{f: data[f].strip() for f in _FIELDS})
        if not _NAME.match(product.name):
            raise ProductError(f"{origin}: name must be lowercase letters, digits and '-'")
        if not _PREFIX.match(product.env_prefix):
            raise ProductError(f"{origin}: env_prefix must be uppercase letters, digits and '_'")
        if product.policy not in POLICIES:
            raise ProductError(f"{origin}: policy must be one of {', '.join(POLICIES)}")
        if product.endpoint and not product.endpoint.startswith(("http://", "https://")):
            raise ProductError(f"{origin}: endpoint must be empty or an http(s) URL")
        return product


@lru_cache(maxsize=1)
def current() -> Product:
    """The product this copy of doorstep was built for, read once per process."""
    path = Path(__file__).parent.parent / "product.toml"
    return Product.from_toml(path.read_text(encoding="utf-8"), origin=str(path))


__all__ = ["POLICIES", "Product", "current"]
