"""The envelope: coarse facts about this machine and run, computed once per process.

Only computed when something is about to be spooled or previewed, never on the
recording hot path. Every value is one of the schema's enums, buckets or versions.
"""

from __future__ import annotations

import os
import sys

from doorstep.events import schema
from doorstep.foundation import flags, ids
from doorstep.foundation import product as product_module
from doorstep.foundation.memo import Memo
from doorstep.foundation.product import Product

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional

_CI_VARIABLES = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "CIRCLECI",
    "TF_BUILD",
    "JENKINS_URL",
    "TEAMCITY_VERSION",
)
_CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}

SESSION_ID = ids.new()  # one per process: orders the events of this run


def is_ci(env: Mapping[str, str]) -> bool:
    """Whether the environment looks like a CI runner."""
    return any(flags.is_set(env, name) for name in _CI_VARIABLES)


def _os_family() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "darwin"
    if sys.platform in ("win32", "cygwin"):
        return "windows"
    return "other"


def _in_container() -> bool:
    if any(os.path.exists(marker) for marker in _CONTAINER_MARKERS):
        return True
    try:
        # Path.read_text, without pathlib
        with open("/proc/1/cgroup", encoding="utf-8", errors="replace") as handle:
            cgroup = handle.read()
    except OSError:
        return False
    return any(word in cgroup for word in ("docker", "kubepods", "containerd", "libpod"))


def _machine_name() -> str:
    # platform.machine() is os.uname().machine wherever there is a uname; the platform
    # module itself is loaded only where there is not (Windows).
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform

    return platform.machine()


def _memory_gib() -> Optional[float]:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


_machines = Memo(4)  # by product


def _machine(product: Product) -> dict[str, Any]:
    return _machines.get(product, _look_up)


def _look_up(product: Product) -> dict[str, Any]:
    # Facts that cannot change while the process runs: looked up once.
    facts: dict[str, Any] = {
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "os": _os_family(),
        "arch": _ARCH.get(_machine_name().lower(), "other"),
        "container": _in_container(),
    }
    memory = _memory_gib()
    if memory is not None:
        facts["memory_gb"] = memory
    version = product_module.version_of(product)
    if version is not None:
        facts["app_version"] = version
    return facts


def build(
    env: Mapping[str, str],
    install_id: str,
    session_id: str = SESSION_ID,
    product: Optional[Product] = None,
) -> dict[str, Any]:
    """The envelope for a batch of ``product`` (default: the current one), cleaned by the
    schema like every other value."""
    product = product or product_module.current()
    the_schema = schema.for_product(product)
    raw: dict[str, Any] = {
        "schema_version": the_schema.version,
        "install_id": install_id,
        "session_id": session_id,
        **_machine(product),
        "ci": is_ci(env),
    }
    clean = the_schema.clean_envelope(raw)
    assert clean is not None, "install_id and session_id are minted here and always valid"
    return clean


__all__ = ["SESSION_ID", "build", "is_ci"]
