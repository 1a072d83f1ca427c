"""Where doorstep keeps things, all derived from the product name through platformdirs.

XDG variables are honoured (platformdirs reads them), so tests isolate everything by
pointing HOME and XDG_* at a temporary folder.
"""

from __future__ import annotations

import os
import sys

from doorstep.foundation import pathtext
from doorstep.foundation.frozen import Frozen
from doorstep.foundation.product import Product, current

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Optional, Union

    PathText = Union[str, os.PathLike[str]]


class Paths(Frozen):
    """A product's folders. Each is a ``Path`` when read; they are kept as text (spelt as
    pathlib spells them), and ``*_file`` give the files every command reads as text, so
    the paths every command takes need not import pathlib."""

    _fields = (
        "config_dir",
        "state_dir",
        "data_dir",
        "cache_dir",
        "bin_dir",
        "command",
        "site_config_dir",
        "product",  # whose folders these are; not compared
    )
    __slots__ = (
        "_bin_dir",
        "_cache_dir",
        "_config_dir",
        "_data_dir",
        "_site_config_dir",
        "_state_dir",
        "command",
        "product",
    )
    _compared = _fields[:-1]

    command: str
    product: Optional[Product]

    def __init__(
        self,
        config_dir: PathText,
        state_dir: PathText,
        data_dir: PathText,
        cache_dir: PathText,
        bin_dir: PathText,
        command: str,
        site_config_dir: PathText = "/etc/xdg",
        product: Optional[Product] = None,
    ) -> None:
        self._set(
            _config_dir=pathtext.text(config_dir),
            _state_dir=pathtext.text(state_dir),
            _data_dir=pathtext.text(data_dir),
            _cache_dir=pathtext.text(cache_dir),
            _bin_dir=pathtext.text(bin_dir),
            command=command,
            _site_config_dir=pathtext.text(site_config_dir),
            product=product,
        )

    @property
    def config_dir(self) -> Path:
        return pathtext.path(self._config_dir)

    @property
    def state_dir(self) -> Path:
        return pathtext.path(self._state_dir)

    @property
    def data_dir(self) -> Path:
        return pathtext.path(self._data_dir)

    @property
    def cache_dir(self) -> Path:
        return pathtext.path(self._cache_dir)

    @property
    def bin_dir(self) -> Path:
        return pathtext.path(self._bin_dir)

    @property
    def site_config_dir(self) -> Path:
        return pathtext.path(self._site_config_dir)

    @property
    def policy(self) -> Path:
        """The machine policy an administrator may write (``site_config_dir``)."""
        return pathtext.path(self.policy_file)

    @property
    def policy_file(self) -> str:
        """``policy`` as text."""
        return pathtext.join(self._site_config_dir, "telemetry.toml")

    @property
    def record(self) -> Path:
        """The consent record, ``telemetry.toml``."""
        return pathtext.path(self.record_file)

    @property
    def record_file(self) -> str:
        """``record`` as text."""
        return pathtext.join(self._config_dir, "telemetry.toml")

    @property
    def receipt(self) -> Path:
        return pathtext.path(self.receipt_file)

    @property
    def receipt_file(self) -> str:
        """``receipt`` as text."""
        return pathtext.join(self._config_dir, "receipt.toml")

    @property
    def state_dir_text(self) -> str:
        """``state_dir`` as text."""
        return self._state_dir

    @property
    def spool(self) -> Path:
        return pathtext.path(self.spool_file)

    @property
    def spool_file(self) -> str:
        """``spool`` as text."""
        return pathtext.join(self._state_dir, "spool.jsonl")

    @property
    def venv(self) -> Path:
        return self.data_dir / "venv"

    @property
    def link(self) -> Path:
        return self.bin_dir / self.command


# The XDG base directories platformdirs uses on Linux, and their defaults under HOME.
_XDG_HOMES = {
    "config": ("XDG_CONFIG_HOME", ".config"),
    "state": ("XDG_STATE_HOME", ".local/state"),
    "data": ("XDG_DATA_HOME", ".local/share"),
    "cache": ("XDG_CACHE_HOME", ".cache"),
}


def _plain_xdg(name: str) -> Optional[dict[str, str]]:
    # What platformdirs answers on Linux, without importing it (with pathlib, tempfile and
    # shutil it costs a start some 5 ms), for the usual case alone: HOME absolute and each
    # XDG variable unset, blank or absolute, where every platformdirs since 3 agrees (a
    # test compares them). None: let platformdirs decide (other systems, Android, a
    # relative HOME or XDG path).
    environ = os.environ
    if not sys.platform.startswith("linux") or hasattr(sys, "getandroidapilevel"):
        return None
    if "ANDROID_DATA" in environ or "ANDROID_ROOT" in environ:
        return None
    home = environ.get("HOME", "")
    if not os.path.isabs(home):
        return None
    found = {}
    for kind, (variable, default) in _XDG_HOMES.items():
        value = environ.get(variable, "")
        if value.strip() and not os.path.isabs(value):
            return None
        base = value if value.strip() else os.path.join(os.path.expanduser("~"), default)
        found[kind] = os.path.join(base, name)
    dirs = environ.get("XDG_CONFIG_DIRS", "")
    if dirs.strip() and not all(os.path.isabs(d) for d in dirs.split(os.pathsep)):
        return None
    found["site_config"] = os.path.join(
        dirs.split(os.pathsep)[0] if dirs.strip() else "/etc/xdg", name
    )
    return found


def _platformdirs(name: str) -> dict[str, str]:
    import platformdirs  # deferred: only commands that touch files pay for it

    return {
        "config": platformdirs.user_config_dir(name, appauthor=False),
        "state": platformdirs.user_state_dir(name, appauthor=False),
        "data": platformdirs.user_data_dir(name, appauthor=False),
        "cache": platformdirs.user_cache_dir(name, appauthor=False),
        "site_config": platformdirs.site_config_dir(name, appauthor=False),
    }


def for_product(
    product: Optional[Product] = None, env: Optional[Mapping[str, str]] = None
) -> Paths:
    """The locations for ``product`` (default: this one) under the current environment.

    ``env`` decides only the bin folder (<PREFIX>_BIN_DIR); the config, state, data and
    cache folders come from the process environment (HOME, XDG_*) as platformdirs finds
    them.
    """
    product = product or current()
    env = os.environ if env is None else env
    name = product.name
    dirs = _plain_xdg(name) or _platformdirs(name)
    bin_dir = env.get(product.env("BIN_DIR"))
    if bin_dir and not pathtext.text(bin_dir).startswith("~"):
        bin_text = pathtext.text(bin_dir)
    elif not bin_dir and os.path.expanduser("~")[:1] == "/":
        # Path.home() / ".local" / "bin" (Path.home() is this, spelt as pathlib spells it)
        bin_text = pathtext.join(pathtext.text(os.path.expanduser("~")), ".local", "bin")
    else:  # "~" to expand, or no home: pathlib's own words and errors
        from pathlib import Path

        bin_text = str(Path(bin_dir or os.path.join(Path.home(), ".local", "bin")).expanduser())
    return Paths(
        config_dir=dirs["config"],
        state_dir=dirs["state"],
        data_dir=dirs["data"],
        cache_dir=dirs["cache"],
        bin_dir=bin_text,
        command=product.command_name,
        site_config_dir=dirs["site_config"],
        product=product,
    )


__all__ = ["Paths", "for_product"]
