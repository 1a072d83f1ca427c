"""The machine policy: an administrator's ``enabled = false`` in the product's site
config file (platformdirs ``site_config_dir``, e.g. ``/etc/xdg/acme/telemetry.toml``;
``XDG_CONFIG_DIRS`` honoured) turns the product off for every user of the machine.

It can only turn telemetry off. A file that cannot be read counts as "off", with a
one-line warning: an administrator who wrote a file there meant something.
"""

from __future__ import annotations

from doorstep.foundation import pathtext, tomlread

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Optional, Union

MAX_BYTES = 16 * 1024


class PolicyRead(pathtext.Located):
    """What the policy file says: nothing (absent or not off), off, or a problem."""

    _fields = ("path", "off", "problem")
    __slots__ = ("_path", "off", "problem")

    off: bool
    problem: Optional[str]

    def __init__(
        self, path: Union[str, Path], off: bool = False, problem: Optional[str] = None
    ) -> None:
        self._set(_path=pathtext.text(path), off=off, problem=problem)

    @property
    def state(self) -> str:
        if self.problem:
            return "unreadable"
        if self.off:
            return "off"
        return "present" if pathtext.is_file(self._path) else "absent"


def read(path: Union[str, Path]) -> PolicyRead:
    """Read the machine policy at ``path``; never raises."""
    path = pathtext.text(path)  # spelt as a Path would be, in every message
    try:
        data = tomlread.read_file(path, MAX_BYTES, "a telemetry policy")
    except tomlread.Unreadable as exc:
        return PolicyRead(path, off=True, problem=f"{exc}; the machine policy counts as off")
    if data is None:
        return PolicyRead(path)
    enabled = data.get("enabled", True)
    if type(enabled) is not bool:
        problem = f"{path} has an enabled that is not true/false; the machine policy counts as off"
        return PolicyRead(path, off=True, problem=problem)
    return PolicyRead(path, off=not enabled)


__all__ = ["PolicyRead", "read"]
