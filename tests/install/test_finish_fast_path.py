"""install.sh's finish runs without building every command's parser, and says the same.

``steps.finish_then_setup`` runs ``--product NAME _install ...`` itself (the ``_install``
words parse themselves, so the command line's parser of every command is not needed);
whatever the words, what it prints and its exit code are those of the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.cli import main
from doorstep.install import steps

CASES = [
    ["--product", "doorstep", "_install"],
    ["--product", "doorstep", "_install", "nope"],
    ["--product", "doorstep", "_install", "finish"],
    ["--product", "doorstep", "_install", "finish", "--help"],
    ["--product", "doorstep", "_install", "finish", "--tool", "conda"],
    ["--product", "no-such-product-here", "_install", "finish"],
    ["--product", "Not A Name", "_install", "finish"],
    ["--product", "doorstep", "telemetry", "nope"],
    ["_install", "nope"],
]


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(case) for case in CASES])
def test_the_same_words_say_the_same_as_the_command_line(
    argv: list[str], capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    slow = main(list(argv))
    said = capsys.readouterr()
    fast = steps._run_finish(list(argv), main)
    assert (fast, capsys.readouterr()) == (slow, said)
    assert sorted(home.rglob("*")) == []  # none of these wrote anything


def test_it_hands_other_words_to_the_command_line() -> None:
    seen: list[list[str]] = []
    assert steps._run_finish(["setup", "--yes"], lambda argv: seen.append(argv) or 7) == 7
    assert seen == [["setup", "--yes"]]
