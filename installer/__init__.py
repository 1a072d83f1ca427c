"""doorstep: an installer and first-run consent wizard for command-line tools.

    import doorstep
    telemetry = doorstep.Telemetry("acme")
    telemetry.record("command_run", command="deploy", ok=True)

The package is imported on every command, so it stays light: ``Telemetry`` (in
``doorstep.adopting``) is loaded on first use; the command line is ``doorstep.cli``.
"""

from __future__ import annotations

from doorstep._version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


def __getattr__(name: str) -> Any:
    # Deferred: `import doorstep` alone must cost next to nothing.
    if name == "Telemetry":
        from doorstep.adopting import Telemetry

        return Telemetry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Telemetry", "__version__"]
