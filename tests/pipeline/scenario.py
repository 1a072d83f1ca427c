"""A real process that records events the way the wizard or a tool does, and reports
what it touched.

    python -m tests.pipeline.scenario '[["record", "onboarding_started", {"ui": "tui"}],
                                        ["check", "before"], ["confirm", true]]'

An audit hook (installed before anything of doorstep is imported) notes every socket
connection, every process started and every write under HOME. Each ``check`` step, and
the very end of the process (after doorstep's own exit flush), prints one JSON line:
``{"label", "connects", "spawns", "writes", "files"}``. Steps:

- ``["record", name, props]``, ``["flush"]``, ``["discard"]``, ``["preview"]``
- ``["confirm", true|false]`` (the wizard's answer, source "wizard")
- ``["flag", true|false]`` (a --telemetry / --no-telemetry of this invocation)
- ``["check", label]``
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from typing import Any

HOME = os.path.realpath(os.environ["HOME"])
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_MUTATIONS = ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.chmod", "os.utime")
seen: dict[str, list[str]] = {"connects": [], "spawns": [], "writes": []}


def _under_home(path: Any) -> bool:
    if isinstance(path, int):
        return False
    try:
        text = os.fsdecode(path)
    except TypeError:
        return False
    return os.path.realpath(text).startswith(HOME + os.sep) or os.path.realpath(text) == HOME


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        seen["connects"].append(repr(args[1]))
    elif event in ("subprocess.Popen", "os.posix_spawn", "os.fork", "os.system", "os.exec"):
        seen["spawns"].append(f"{event} {args[:2]!r}")
    elif event == "open":
        path, mode, flags = args
        writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        if writing and _under_home(path):
            seen["writes"].append(os.fsdecode(path))
    elif event in _MUTATIONS and args and _under_home(args[0]):
        seen["writes"].append(f"{event} {os.fsdecode(args[0])}")


def _files() -> list[str]:
    found = []
    for root, folders, names in os.walk(HOME):
        found += [os.path.relpath(os.path.join(root, n), HOME) for n in folders + names]
    return sorted(found)


def report(label: str) -> None:
    line = {"label": label, **{k: list(v) for k, v in seen.items()}, "files": _files()}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def main(steps: list[list[Any]]) -> None:
    sys.addaudithook(_hook)
    # Registered before doorstep's own exit flush, so it runs after it (atexit is LIFO).
    atexit.register(report, "exit")
    from doorstep.delivery import telemetry

    recorder = telemetry.default()
    for step in steps:
        kind = step[0]
        if kind == "record":
            recorder.record(step[1], **step[2])
        elif kind == "flush":
            recorder.flush()
        elif kind == "discard":
            recorder.discard()
        elif kind == "preview":
            recorder.preview()
        elif kind == "confirm":
            recorder.confirm(bool(step[1]), "wizard")
        elif kind == "flag":
            recorder.flag = bool(step[1])
        elif kind == "check":
            report(step[1])
        else:
            raise SystemExit(f"unknown step {kind!r}")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
