"""The shape that makes install.sh and uninstall.sh safe to pipe into a shell.

POSIX sh that shellcheck accepts, every line a definition until the last one calls
main (so a download cut anywhere does nothing), and the product's identity equal to
the product file (the scripts are rendered from it; tests/render checks they are fresh).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from doorstep.foundation.product import Product
from tests.install.install_run import INSTALL_SH, SHELLS, UNINSTALL_SH, have, run_script
from tests.install.wheels import ROOT
from tests.render.identity import shell_identity

SCRIPTS = (INSTALL_SH, UNINSTALL_SH)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_finds_nothing(script: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is missing: sh tests/run.sh installs it")
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(script)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_main_is_called_only_on_the_last_line(script: Path) -> None:
    lines = script.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == 'main "$@"'
    assert lines[0] == "#!/bin/sh" and "# shellcheck shell=dash" in lines[:3]
    calls = [n for n, line in enumerate(lines) if re.match(r"^\s*main(\s|$)", line)]
    assert calls == [len(lines) - 1]


@pytest.mark.parametrize("shell", sorted(SHELLS))
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_a_download_cut_after_any_line_does_nothing(
    script: Path, shell: str, tmp_path: Path, home: Path
) -> None:
    if not have(SHELLS[shell][0]):
        pytest.fail(f"{shell} is missing: sh tests/run.sh installs it")
    lines = script.read_bytes().splitlines(keepends=True)
    cut = tmp_path / "cut.sh"
    work = tmp_path / "work"
    work.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "DOORSTEP_BIN_DIR": str(home / "bin")}
    for count in range(1, len(lines)):
        cut.write_bytes(b"".join(lines[:count]))
        result = run_script(cut, ["--yes", "--from", "x.whl"], env, shell=shell, cwd=work)
        assert result.stdout == "", f"cut after line {count} printed: {result.stdout!r}"
        assert not any(home.iterdir()), f"cut after line {count} wrote into HOME"
        assert not any(work.iterdir()), f"cut after line {count} wrote into the folder"
    # The whole script does act (so the loop above could have seen something).
    cut.write_bytes(b"".join(lines))
    full = run_script(cut, ["--help"], env, shell=shell, cwd=work)
    assert full.returncode == 0 and "Usage:" in full.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_product_defaults_equal_the_product_file(script: Path) -> None:
    # The scripts are rendered (doorstep render); their identity is what a shell reads.
    product = Product.from_toml((ROOT / "installer" / "product.toml").read_text(encoding="utf-8"))
    defaults = shell_identity(script)
    expected = {
        "NAME": product.name,
        "DISPLAY_NAME": product.display_name,
        "ENV_PREFIX": product.env_prefix,
        "PACKAGE": product.package,
        "COMMAND": product.command_name,
    }
    assert {k: expected[k] for k in defaults} == defaults
    assert {"NAME", "DISPLAY_NAME", "ENV_PREFIX", "COMMAND"} <= defaults.keys()


def test_help_and_usage_errors(home: Path) -> None:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    helped = run_script(INSTALL_SH, ["--help"], env)
    assert helped.returncode == 0
    for option in ("--no-telemetry", "--from SOURCE", "--bin-dir DIR", "--no-modify-path"):
        assert option in helped.stdout
    wrong = run_script(INSTALL_SH, ["--frobnicate"], env)
    assert wrong.returncode == 2
    assert "unknown option '--frobnicate'" in wrong.stderr and "--help" in wrong.stderr
    both = run_script(INSTALL_SH, ["--telemetry", "--no-telemetry"], env)
    assert both.returncode == 2
    for args in (["--from"], ["--from", "--no-telemetry"]):
        missing = run_script(INSTALL_SH, args, env)
        assert missing.returncode == 2 and "--from needs a value" in missing.stderr
    assert run_script(UNINSTALL_SH, ["--bogus"], env).returncode == 2
    assert not any(home.iterdir())


PRODUCT_FILE = """\
# a comment with name = "not-this"
schema_version = 1

[product]
name = "acme"
  display_name = 'Acme Tools'   # indented, a literal string
env_prefix="ACME"
package = "acme-cli"  # "quoted" comment
precheck = true

[events.command_run.props.command]
name = "overridden"
command = "overridden"
"""


@pytest.mark.parametrize("shell", sorted(SHELLS))
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PRODUCT_FILE, ["acme", "Acme Tools", "ACME", "acme-cli", ""]),
        (
            'name = "old"\ndisplay_name = "Old"\ncommand = "oldctl"\n',
            ["old", "Old", "", "", "oldctl"],
        ),
        ("[usage]\nname = 'x'\n[product]\nname = 'y'\n", ["y", "", "", "", ""]),
    ],
    ids=["product-table", "first-format", "other-table-first"],
)
def test_install_sh_reads_a_checkouts_product_file_in_shell(
    tmp_path: Path, shell: str, text: str, expected: list[str]
) -> None:
    functions = tmp_path / "install-functions.sh"
    lines = INSTALL_SH.read_text(encoding="utf-8").splitlines(keepends=True)
    functions.write_text("".join(lines[:-1]), encoding="utf-8")
    product_file = tmp_path / "doorstep.toml"
    product_file.write_text(text, encoding="utf-8")
    show = 'printf "%s|" "$rp_name" "$rp_display_name" "$rp_env_prefix" "$rp_package" "$rp_command"'

    result = subprocess.run(
        [
            *SHELLS[shell],
            "-c",
            f'. "$0"; read_product_file "$1"; {show}',
            str(functions),
            str(product_file),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("|")[:-1] == expected


@pytest.mark.parametrize(
    ("where", "name", "found"),
    [
        ("installer/product.toml", "", True),
        ("tool/doorstep.toml", "", True),
        ("src/tool/doorstep.toml", "", True),
        ("tool/doorstep.toml", "another-tool", False),
        ("deeper/tool/doorstep.toml", "", False),
    ],
)
def test_a_checkout_is_a_project_whose_product_file_names_this_product(
    tmp_path: Path, where: str, name: str, found: bool
) -> None:
    # An empty name stands for the script's own product.
    name = name or shell_identity(INSTALL_SH)["NAME"]
    checkout = tmp_path / "checkout"
    (checkout / where).parent.mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (checkout / where).write_text(
        f'[product]\nname = "{name}"\ndisplay_name = "Changed"\ncommand = "changedctl"\n',
        encoding="utf-8",
    )
    functions = checkout / "install-functions.sh"
    lines = INSTALL_SH.read_text(encoding="utf-8").splitlines(keepends=True)
    functions.write_text("".join(lines[:-1]), encoding="utf-8")
    show = 'printf "%s|" "$checkout" "$PRODUCT_DISPLAY_NAME" "$PRODUCT_COMMAND"'

    result = subprocess.run(
        ["dash", "-c", f'. "$0"; product_defaults; find_checkout; {show}', str(functions)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )

    assert result.returncode == 0, result.stderr
    own = Product.from_toml((ROOT / "installer" / "product.toml").read_text(encoding="utf-8"))
    unchanged = ["", own.display_name, own.command_name]
    expected = [str(checkout), "Changed", "changedctl"] if found else unchanged
    assert result.stdout.split("|")[:-1] == expected
