"""doorstep: an installer and first-run consent wizard for command-line tools.

The package is imported on every command, so it stays empty: the recording API is
``doorstep.delivery.telemetry``, the command line is ``doorstep.cli``.
"""

from doorstep._version import __version__

__all__ = ["__version__"]
