"""``doorstep render``: the repository's own scripts are its output, and an adopting tool's
are the same scripts under the tool's own name, shellcheck clean and runnable.

Real shells, a real shellcheck, the real command line in a subprocess; product files are
real TOML files in a temporary folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from doorstep.foundation import product as product_module
from doorstep.foundation.product import Product
from doorstep.render import scripts
from tests.install.install_run import SHELLS, have, run_script
from tests.render.identity import shell_identity
from tests.support import cli
from tests.support.wheelhouse import ROOT

# Names differ on purpose: the command is not the product's name, and the display name
# holds every character the shell treats specially inside double quotes.
WIDGET_TOML = """\
schema_version = 1

[product]
name = "widget-pro"
display_name = 'Widget "Pro" $HOME `x` \\'
env_prefix = "WIDGET"
package = "widget-pro-cli"
command = "widget"
endpoint = ""
policy = "ask"
docs_url = "https://widget.example/TELEMETRY.md"

[usage]
commands = ["build"]
"""
# What a rendered script may still say of doorstep: the module it runs, never a word
# for people.
INTERNAL = re.compile(
    r"-m doorstep\b|import (sys, )?doorstep\.[a-z_.]+|from doorstep\.[a-z_.]+|doorstep\.toml"
)


@pytest.fixture
def widget(tmp_path: Path) -> Product:
    path = tmp_path / "widget" / "doorstep.toml"
    path.parent.mkdir()
    path.write_text(WIDGET_TOML, encoding="utf-8")
    return product_module.from_file(path)


@pytest.fixture
def rendered(widget: Product, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    scripts.write(widget, out)
    return out


# The repository's own files -------------------------------------------------------------


@pytest.mark.parametrize("name", scripts.FILES)
def test_the_committed_files_are_what_render_writes_for_the_own_product(name: str) -> None:
    assert (ROOT / name).read_text(encoding="utf-8") == scripts.render(product_module.own())[
        name
    ], f"{name} is stale: run 'python -m doorstep render --out .' (edit installer/render/*.in)"


def test_render_check_passes_on_the_checkout_and_fails_on_a_stale_copy(tmp_path: Path) -> None:
    assert cli.run("render", "--check", "--out", str(ROOT)).returncode == 0
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in scripts.FILES:
        shutil.copy2(ROOT / name, copy / name)
    text = (copy / "install.sh").read_text(encoding="utf-8")
    (copy / "install.sh").write_text(text.replace("set -u", "set -u # edited"), encoding="utf-8")

    stale = cli.run("render", "--check", "--out", str(copy))

    assert stale.returncode == 1
    assert stale.stderr.count("\n") == 1 and "install.sh" in stale.stderr
    assert "uninstall.sh" not in stale.stderr and "render" in stale.stderr


def test_the_own_scripts_carry_the_own_identity() -> None:
    own = product_module.own()
    expected = scripts.identity(own)
    for name in ("install.sh", "uninstall.sh"):
        found = shell_identity(ROOT / name)
        assert found == {key: expected[key] for key in found}
        assert {"NAME", "DISPLAY_NAME", "ENV_PREFIX", "COMMAND"} <= found.keys()


# An adopting tool's scripts -------------------------------------------------------------


def test_the_identity_block_equals_the_product_file(widget: Product, rendered: Path) -> None:
    install = shell_identity(rendered / "install.sh")
    assert install == {
        "NAME": "widget-pro",
        "DISPLAY_NAME": 'Widget "Pro" $HOME `x` \\',
        "ENV_PREFIX": "WIDGET",
        "PACKAGE": "widget-pro-cli",
        "COMMAND": "widget",
    }
    uninstall = shell_identity(rendered / "uninstall.sh")
    assert uninstall == {k: v for k, v in install.items() if k != "PACKAGE"}


@pytest.mark.parametrize("name", ["install.sh", "uninstall.sh"])
def test_rendered_scripts_are_shellcheck_clean(rendered: Path, name: str) -> None:
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is missing: sh tests/run.sh installs it")
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(rendered / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout
    lines = (rendered / name).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/bin/sh" and lines[-1] == 'main "$@"'


@pytest.mark.parametrize("name", ["install.sh", "uninstall.sh"])
def test_nothing_in_a_rendered_script_names_doorstep_to_people(rendered: Path, name: str) -> None:
    text = (rendered / name).read_text(encoding="utf-8")
    header = text.split("\nset -u\n")[0]
    assert "Widget" in header and "doorstep" not in header.lower()
    left = [line for line in text.splitlines() if "doorstep" in INTERNAL.sub("", line).lower()]
    assert left == []


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_install_sh_help_names_the_tool(rendered: Path, home: Path, shell: str) -> None:
    if not have(SHELLS[shell][0]):
        pytest.fail(f"{shell} is missing: sh tests/run.sh installs it")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}

    helped = run_script(rendered / "install.sh", ["--help"], env, shell=shell)

    assert helped.returncode == 0, helped.stderr
    text = helped.stdout
    assert text.startswith('Install Widget "Pro" $HOME `x` \\ into its own Python environment')
    assert "put 'widget' on your PATH" in text and "'widget-pro-cli' from the package index" in text
    assert "WIDGET_INSTALL_SOURCE" in text and "'widget uninstall'" in text
    assert "doorstep" not in text.lower()
    removed = run_script(rendered / "uninstall.sh", ["--help"], env, shell=shell)
    assert removed.returncode == 0 and "the 'widget' command" in removed.stdout
    assert "doorstep" not in removed.stdout.lower()
    assert not any(home.iterdir())


def test_usage_errors_name_the_tool(rendered: Path, home: Path) -> None:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    wrong = run_script(rendered / "install.sh", ["--frobnicate"], env)
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("widget-pro: unknown option '--frobnicate'")
    gone = run_script(rendered / "uninstall.sh", ["--yes"], env)
    assert gone.returncode == 0 and "Nothing to remove: Widget" in gone.stdout
    for output in (wrong.stderr, gone.stdout, gone.stderr):
        assert "doorstep" not in output.lower()
    assert not any(home.iterdir())


def test_the_bin_dir_variable_follows_the_prefix(rendered: Path, home: Path) -> None:
    # A link of someone else's called like the command, in WIDGET_BIN_DIR: not ours, kept.
    bin_dir = home / "bin"
    bin_dir.mkdir()
    (bin_dir / "widget").symlink_to("/usr/bin/true")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "WIDGET_BIN_DIR": str(bin_dir)}
    result = run_script(rendered / "uninstall.sh", ["--yes", "--dry-run"], env)
    assert result.returncode == 0 and "Nothing to remove" in result.stdout
    assert (bin_dir / "widget").is_symlink()


def test_the_telemetry_page_is_the_tools_own(widget: Product, rendered: Path) -> None:
    text = (rendered / "TELEMETRY.md").read_text(encoding="utf-8")
    assert '# What Widget "Pro"' in text and "WIDGET_TELEMETRY=0" in text
    # The command people type (the product's `command`); folders keep the product's name.
    assert "`widget telemetry disable`" in text and "`widget-pro " not in text
    assert "/etc/xdg/widget-pro/telemetry.toml" in text
    assert "doorstep" not in text.lower()


def test_the_scripts_are_executable_and_the_page_is_not(rendered: Path) -> None:
    modes = {name: (rendered / name).stat().st_mode & 0o777 for name in scripts.FILES}
    assert modes == {"install.sh": 0o755, "uninstall.sh": 0o755, "TELEMETRY.md": 0o644}


# The command line -------------------------------------------------------------------------


def test_render_from_a_product_file_writes_three_files(tmp_path: Path) -> None:
    source = tmp_path / "doorstep.toml"
    source.write_text(WIDGET_TOML, encoding="utf-8")
    out = tmp_path / "new" / "folder"

    result = cli.run("render", "--file", str(source), "--out", str(out))

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(scripts.FILES)
    assert result.stdout.count("\n") == 1
    assert cli.run("render", "--file", str(source), "--check", "--out", str(out)).returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ["render", "--product", "no-such-tool", "--out", "{tmp}/out"],
        ["--product", "no-such-tool", "render", "--out", "{tmp}/out"],
        ["render", "--out", "{tmp}/a-file"],
        ["render", "--out", "{tmp}/a-file/below"],
        ["render", "--file", "{tmp}/missing.toml", "--out", "{tmp}/out"],
        ["render", "--file", "{tmp}/broken.toml", "--out", "{tmp}/out"],
    ],
    ids=["unknown", "unknown-first", "out-is-a-file", "out-below-a-file", "no-file", "bad-file"],
)
def test_a_bad_product_or_out_is_one_line_and_exit_1(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "broken.toml").write_text("[product]\nname = 3\n", encoding="utf-8")

    result = cli.run(*(arg.replace("{tmp}", str(tmp_path)) for arg in args))

    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [["render"], ["render", "--out"], ["render", "--product", "x", "--file", "y", "--out", "z"]],
    ids=["no-out", "out-without-value", "product-and-file"],
)
def test_usage_mistakes_are_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = cli.run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_render_help_says_what_it_writes() -> None:
    result = cli.run("render", "--help")
    assert result.returncode == 0
    assert "--out DIR" in result.stdout and "install.sh" in result.stdout
