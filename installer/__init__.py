"""doorstep: an installer and first-run consent wizard for command-line tools.

The package is imported on every command, so it stays empty: the recording API is
``installer.telemetry``, the command line is ``installer.cli``.
"""

from installer._version import __version__

__all__ = ["__version__"]
