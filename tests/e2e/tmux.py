"""A real terminal for end-to-end tests: a private tmux server, its screen as plain text.

Each ``Terminal`` runs its own server on a socket in the test's temporary folder
(never the user's tmux), reads the screen with ``capture-pane -p`` (plain text, so
colour is lost, as the tests intend), and polls a bounded number of times.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

POLLS = 300  # at most this many looks at the screen per wait
INTERVAL = 0.1  # seconds between looks


def available() -> bool:
    return shutil.which("tmux") is not None


class Terminal:
    """A tmux session running one command in a width x height terminal."""

    def __init__(self, folder: Path, width: int = 80, height: int = 24) -> None:
        self.socket = folder / "tmux.sock"
        self.width = width
        self.height = height
        # The server inherits this environment; TMUX would point it at an outer server.
        self._env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", str(self.socket), "-f", "/dev/null", *args],
            env=self._env,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )

    def start(self, argv: Sequence[str], env: Mapping[str, str], unset: Sequence[str] = ()) -> None:
        """Run ``argv`` (a shell command line's words) with ``env`` set and ``unset`` removed.

        The environment is set inside the session's command, so nothing the tmux
        server inherited (CI=true, NONINTERACTIVE) can leak into it.
        """
        words = ["env", *(f"-u{name}" for name in unset)]
        words += [f"{key}={value}" for key, value in env.items()]
        command = " ".join(shlex.quote(word) for word in [*words, *argv])
        result = self._tmux(
            "new-session", "-d", "-x", str(self.width), "-y", str(self.height), command
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux new-session failed: {result.stderr.strip()}")

    def start_shell(self, home: Path) -> None:
        """An interactive bash with job control at the prompt ``shell$``, in ``home``, with
        none of the variables that stop a wizard or an uninstall from asking."""
        self.start(
            ["bash", "--norc", "--noprofile", "-i"],
            env={"HOME": str(home), "PS1": "shell$ ", "TERM": "xterm"},
            unset=["CI", "NONINTERACTIVE", "DO_NOT_TRACK", "DOORSTEP_TELEMETRY"],
        )
        self.wait_for("shell$")

    def send(self, *keys: str) -> None:
        """Press keys (tmux key names: Enter, Space, Escape, C-c, q)."""
        for key in keys:
            self._tmux("send-keys", key)

    def resize(self, width: int, height: int) -> None:
        """Resize the terminal, as dragging the window's corner does."""
        self._tmux("resize-window", "-x", str(width), "-y", str(height))

    def screen(self) -> str:
        """The screen as plain text, colour and style removed."""
        return self._tmux("capture-pane", "-p").stdout

    def wait_for(self, text: str) -> str:
        """The screen once it shows ``text``; AssertionError with the screen if it never does."""
        screen = ""
        for _ in range(POLLS):
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(INTERVAL)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{screen}")

    def alternate_screen(self) -> bool:
        """Whether the program switched the terminal to its alternate (full) screen."""
        return self._tmux("display-message", "-p", "#{alternate_on}").stdout.strip() == "1"

    def close(self) -> None:
        self._tmux("kill-server")

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_for_file(path: Path) -> str:
    """The content of ``path`` once it exists and is not empty (bounded polling)."""
    for _ in range(POLLS):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if text.strip():
                return text
        time.sleep(INTERVAL)
    raise AssertionError(f"{path} was never written")


__all__ = ["POLLS", "Terminal", "available", "wait_for_file"]
