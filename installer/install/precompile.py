"""install.sh's last Python process compiles half of what it will run on the second core.

A new environment holds no bytecode (uv and pip leave compiling to the first import),
so the first run of the link, path and wizard stages spends about half its time
compiling doorstep. ``start`` hands the wizard stage's half (``LATER``, the modules
``setup`` imports once ``finish`` is done) to a second interpreter while this one
compiles and runs ``finish``; by the time ``setup`` imports them, their bytecode is
there. Both write bytecode the way the import system does (to a temporary name, then
renamed), so a module compiled by both, or by neither, is only time, never a fault.

When setup may show the wizard (``may_ask``), the compiler goes on with what the
wizard's first frame imports (``FIRST_FRAME``: Textual, Rich and the screens, some 200
files and 2.5 MB of source) from the far end of the order they are imported in, while
the first interpreter imports them from the near end: the two meet in the middle, and
the first frame of a first install comes about half a second sooner (BENCHMARKS.md).

``wait`` is called before the process ends: it stops the compiler between two files
(what setup did not need, such as the modules of the send, is compiled when first
used) and reaps it, so nothing outlives the install and install.sh never removes an
environment that something still writes into.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Optional

# In the order setup imports them, from the doorstep package's folder;
# tests/install/test_precompile.py keeps the list in step.
# (steps.finish_then_setup compiles __main__.py itself, so it is not here.)
LATER = (
    "cli/__init__.py",
    "cli/commands.py",
    "cli/dispatch.py",
    "onboarding/__init__.py",
    "foundation/flags.py",
    "consent/decision.py",
    "delivery/__init__.py",
    "consent/policy.py",
    "consent/standing.py",
    "events/__init__.py",
    "events/schema.py",
    "delivery/telemetry.py",
    "events/envelope.py",
    "install/stages.py",
    "onboarding/setup.py",
    "events/schema_toml.py",
    "delivery/spool.py",
    "delivery/choice.py",
    # With consent on (--telemetry, or a saved yes): the skipped steps and the send.
    "onboarding/wizard.py",
    "delivery/agreement.py",
    "delivery/sender.py",
)
# And then the one dependency setup imports (it saves the choice as TOML).
LATER_ELSEWHERE = ("tomli_w/_writer.py", "tomli_w/__init__.py")
# Beside this file: paths under site-packages, one a line, already in the order to
# compile them (tests/support/first_frame.py writes it; test_precompile keeps it in step).
FIRST_FRAME = "first_frame.txt"
# The words with which install.sh's setup decides without asking.
_NOT_ASKING = ("--yes", "--telemetry", "--no-telemetry")

# -S: py_compile needs no site-packages. A file that cannot be compiled is left to the
# import that needs it, which reports it as it always would; a Ctrl-C ends it quietly.
# A file whose bytecode is already newer (the first interpreter got there first) is
# skipped, and SIGTERM (from ``wait``) stops it between two files, never halfway
# through writing one, which would leave a temporary file behind. The first argument
# is the first interpreter's sys.path; an argument @FILE stands for the paths listed
# in FILE, each found in the first folder of that sys.path which holds it.
_COMPILE = """import sys
try:
    import signal
    stop = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.append(signum))
    import os, py_compile
    from importlib.util import cache_from_source
    roots = [root for root in sys.argv[1].split(os.pathsep) if root]
    def paths():
        for arg in sys.argv[2:]:
            if not arg.startswith("@"):
                yield arg
                continue
            try:
                with open(arg[1:], encoding="utf-8") as listed:
                    names = listed.read().splitlines()
            except (OSError, ValueError):
                continue
            for name in names:
                if not name or name.startswith("#"):
                    continue
                for root in roots:
                    path = os.path.join(root, name)
                    if os.path.isfile(path):
                        yield path
                        break
    for path in paths():
        if stop:
            break
        try:
            if os.stat(cache_from_source(path)).st_mtime >= os.stat(path).st_mtime:
                continue
        except OSError:
            pass
        try:
            py_compile.compile(path, doraise=True)
        except Exception:
            pass
except BaseException:
    pass
"""


def later_files() -> list[str]:
    """``LATER`` as the paths of this installation's files."""
    # This file is doorstep/install/precompile.py: the package's folder is two up.
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = [os.path.join(here, name) for name in LATER]
    for name in LATER_ELSEWHERE:
        # Found the way the import system will look: the first folder on sys.path.
        for entry in sys.path:
            if os.path.isfile(os.path.join(entry or ".", name)):
                files.append(os.path.abspath(os.path.join(entry or ".", name)))
                break
    return files


def may_ask(argv: Sequence[str]) -> bool:
    """Whether setup, run with ``argv`` by install.sh, may show the wizard: not with
    --yes (no terminal, CI) or a flag that decides."""
    return not any(word in _NOT_ASKING for word in argv)


def first_frame_list() -> str:
    """The path of ``FIRST_FRAME`` in this installation."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), FIRST_FRAME)


def start(
    close: Sequence[int] = (), files: Optional[Sequence[str]] = None, screens: bool = False
) -> Optional[int]:
    """The process id of the compiler of ``files`` (default: ``later_files()``), and
    then, with ``screens``, of the first frame's files; None when none could be started.

    It reads and writes nothing but bytecode: its standard streams are /dev/null, and
    ``close`` names descriptors it must not hold open (install.sh waits for the end of
    the one that carries finish's outcome).
    """
    files = later_files() if files is None else list(files)
    argv = [sys.executable, "-I", "-S", "-c", _COMPILE, os.pathsep.join(sys.path), *files]
    if screens:
        argv.append("@" + first_frame_list())
    try:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in close]
        return os.posix_spawn(sys.executable, argv, os.environ, file_actions=actions)
    except (OSError, AttributeError):  # no posix_spawn here: the first import compiles
        return None


def wait(pid: Optional[int]) -> None:
    """Stop the compiler between two files, and reap it: what it has not compiled yet
    is left to the import that needs it."""
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:  # it has ended already
        pass
    try:
        os.waitpid(pid, 0)
    except OSError:  # already reaped, or interrupted: nothing is left to wait for
        pass


__all__ = [
    "FIRST_FRAME",
    "LATER",
    "LATER_ELSEWHERE",
    "first_frame_list",
    "later_files",
    "may_ask",
    "start",
    "wait",
]
