"""The grafted click commands under a host that does not know click's own exceptions, as
typer is: it runs them under its own copy of click, so a click ``Exit`` escaping from a
command would reach the person as a traceback. In-process (click is real; the host
group stands in for typer, which the wheelhouse does not carry)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

import doorstep.click


class _ForeignGroup(click.Group):
    """A group whose framework catches only its own exceptions, like typer's."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit as exc:
            raise AssertionError(f"click's Exit({exc.exit_code}) escaped a command") from None


def _host() -> click.Group:
    @click.group(cls=_ForeignGroup)
    def tool() -> None:
        """A tool on another framework."""

    doorstep.click.add_commands(tool, product="doorstep")
    return tool


def test_success_and_usage_errors_leave_as_exit_codes_a_host_passes_on(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        _host().main(["telemetry", "status", "--json"], prog_name="tool")
    assert done.value.code == 0
    assert '"state": "undecided"' in capsys.readouterr().out

    with pytest.raises(SystemExit) as bogus:
        _host().main(["telemetry", "bogus"], prog_name="tool")
    assert bogus.value.code == 2
    assert capsys.readouterr().err.startswith("tool telemetry: argument ACTION: invalid choice")
