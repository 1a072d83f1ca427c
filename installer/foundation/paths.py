"""Where doorstep keeps things, all derived from the product name through platformdirs.

XDG variables are honoured (platformdirs reads them), so tests isolate everything by
pointing HOME and XDG_* at a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from doorstep.foundation.product import Product, current


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    state_dir: Path
    data_dir: Path
    cache_dir: Path
    bin_dir: Path
    command: str
    site_config_dir: Path = Path("/etc/xdg")
    product: Optional[Product] = field(default=None, compare=False)  # whose folders these are

    @property
    def policy(self) -> Path:
        """The machine policy an administrator may write (``site_config_dir``)."""
        return self.site_config_dir / "telemetry.toml"

    @property
    def record(self) -> Path:
        """The consent record, ``telemetry.toml``."""
        return self.config_dir / "telemetry.toml"

    @property
    def receipt(self) -> Path:
        return self.config_dir / "receipt.toml"

    @property
    def spool(self) -> Path:
        return self.state_dir / "spool.jsonl"

    @property
    def venv(self) -> Path:
        return self.data_dir / "venv"

    @property
    def link(self) -> Path:
        return self.bin_dir / self.command


def for_product(
    product: Optional[Product] = None, env: Optional[Mapping[str, str]] = None
) -> Paths:
    """The locations for ``product`` (default: this one) under the current environment.

    ``env`` decides only the bin folder (<PREFIX>_BIN_DIR); the config, state, data and
    cache folders come from the process environment (HOME, XDG_*) through platformdirs.
    """
    import platformdirs  # deferred: only commands that touch files pay for it

    product = product or current()
    env = os.environ if env is None else env
    name = product.name
    bin_dir = env.get(product.env("BIN_DIR")) or os.path.join(Path.home(), ".local", "bin")
    return Paths(
        config_dir=Path(platformdirs.user_config_dir(name, appauthor=False)),
        state_dir=Path(platformdirs.user_state_dir(name, appauthor=False)),
        data_dir=Path(platformdirs.user_data_dir(name, appauthor=False)),
        cache_dir=Path(platformdirs.user_cache_dir(name, appauthor=False)),
        bin_dir=Path(bin_dir).expanduser(),
        command=product.command_name,
        site_config_dir=Path(platformdirs.site_config_dir(name, appauthor=False)),
        product=product,
    )


__all__ = ["Paths", "for_product"]
