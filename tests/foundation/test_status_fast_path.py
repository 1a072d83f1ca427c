"""`telemetry status [--json]` is read without argparse; what it prints, on which stream,
and its exit code are byte for byte those of the parsed command, in every state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from doorstep.cli import dispatch
from doorstep.foundation import product as product_module
from doorstep.foundation.args import guarded

RECORD = Path(".config/doorstep/telemetry.toml")


def parsed(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The slow path: doorstep's whole parser, then the command."""
    product = product_module.current()
    args = dispatch.build_parser(product).parse_args(arguments)
    code = guarded(product.name, lambda: dispatch.run_command(args, product))
    out = capsys.readouterr()
    return code, out.out, out.err


def fast(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = dispatch.main(arguments)
    out = capsys.readouterr()
    return code, out.out, out.err


STATES = {
    "undecided": ({}, None),
    "bad words in the environment": (
        {"DOORSTEP_TELEMETRY": "maybe", "DOORSTEP_TELEMETRY_ENDPOINT": "ftp://x"},
        None,
    ),
    "off by DO_NOT_TRACK": ({"DO_NOT_TRACK": "1"}, None),
    "on, with an endpoint": ({"DOORSTEP_TELEMETRY_ENDPOINT": "http://127.0.0.1:9/v1"}, "on"),
    "off, saved": ({}, "off"),
    "unreadable record": ({}, "garbage"),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("json_flag", [False, True])
def test_status_read_without_argparse_is_the_parsed_command(
    state: str,
    json_flag: bool,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env, saved = STATES[state]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if saved in ("on", "off"):
        assert dispatch.main(["telemetry", "enable" if saved == "on" else "disable"]) == 0
    elif saved == "garbage":
        (home / RECORD).parent.mkdir(parents=True)
        (home / RECORD).write_text("enabled = maybe\n", encoding="utf-8")
    capsys.readouterr()
    arguments = ["telemetry", "status", *(["--json"] if json_flag else [])]

    assert fast(arguments, capsys) == parsed(arguments, capsys)


def test_only_those_exact_words_take_the_short_way(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built: list[str] = []
    real = dispatch.build_parser

    def counting(product: product_module.Product):  # type: ignore[no-untyped-def]
        built.append(product.name)
        return real(product)

    monkeypatch.setattr(dispatch, "build_parser", counting)
    assert dispatch.main(["telemetry", "status"]) == 0
    assert dispatch.main(["telemetry", "status", "--json"]) == 0
    assert built == []
    for other in (["telemetry", "status", "--jso"], ["telemetry", "status", "-h"]):
        code = dispatch.main(other)
        assert code == (2 if other[-1] == "--jso" else 0)
    assert len(built) == 2
    capsys.readouterr()


def test_the_command_line_keeps_argparse_off_the_status_path() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from doorstep.cli import main; code = main(['telemetry', 'status']); "
        "print(sorted(m for m in ('argparse', 'gettext', 'tomllib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
