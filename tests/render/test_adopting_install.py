"""End to end: a real adopting tool installed by its rendered install.sh and removed by its
rendered uninstall.sh (or its own ``uninstall`` command), in a temporary HOME.

Real shells, real files, packages from the local wheelhouse only (offline). Nothing is
mocked; "the home folder holds exactly what it held before" is a byte-for-byte snapshot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.install import receipt
from tests.adopting.tools import strip_temp
from tests.install.home_tree import differences, snapshot
from tests.install.install_run import Kit, run_script
from tests.render import adopted
from tests.render.adopted import Adopted

DOORSTEP_FOLDERS = (".config/doorstep", ".local/share/doorstep", ".local/state/doorstep")


@pytest.fixture(scope="module")
def acme(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    return adopted.build(kit, tmp_path_factory.mktemp("acme"))


@pytest.fixture(scope="module")
def acmectl(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    """The same tool whose command is not its product's name."""
    return adopted.build(kit, tmp_path_factory.mktemp("acmectl"), command="acmectl")


def seed(home: Path) -> None:
    """A lived-in HOME: start-up files the install edits and the uninstall must restore."""
    (home / ".bashrc").write_text("# my bashrc\nalias ll='ls -l'", encoding="utf-8")
    (home / ".profile").write_text("export EDITOR=vi\n\n", encoding="utf-8")
    (home / ".config").mkdir()
    (home / ".config" / "other-tool.toml").write_text("x = 1\n", encoding="utf-8")


def run_installed(link: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(link), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env["HOME"],
        start_new_session=True,
    )


def assert_installed(tool: Adopted, home: Path, result: subprocess.CompletedProcess[str]) -> Path:
    """The tool's command is linked into its own environment, and nothing says doorstep."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    venv = home / ".local" / "share" / "acme" / "venv"
    link = home / ".local" / "bin" / tool.command
    assert link.is_symlink()
    assert Path(os.readlink(link)) == venv / "bin" / tool.command
    assert "Acme 1.2.3 is installed (fresh install)." in result.stderr
    assert f"to remove it: {tool.command} uninstall" in result.stderr
    for output in (result.stdout, result.stderr):
        assert "doorstep" not in strip_temp(output, home.parent).lower(), output
    for folder in DOORSTEP_FOLDERS:
        assert not (home / folder).exists(), folder
    found = receipt.read(home / ".config" / "acme" / "receipt.toml").receipt
    assert found is not None and found.link == link and found.venv == venv
    assert found.version == "1.2.3", "the receipt holds the tool's version, not doorstep's"
    # A PATH block of the tool's own, in words that name it.
    profile = (home / ".profile").read_text(encoding="utf-8")
    assert "# >>> acme >>>" in profile and "the Acme installer" in profile
    assert "doorstep" not in profile.lower()
    return link


def test_rendered_install_sh_installs_the_tool_and_uninstall_sh_leaves_home_as_it_was(
    kit: Kit, acme: Adopted, home: Path
) -> None:
    seed(home)
    before = snapshot(home)
    env = acme.env(kit, home)

    result = run_script(
        acme.rendered / "install.sh", ["--from", str(acme.wheel), "--no-telemetry"], env
    )

    link = assert_installed(acme, home, result)
    deployed = run_installed(link, "deploy", env=env)
    assert deployed.returncode == 0 and deployed.stdout == "deploy: done\n", deployed.stderr
    record = consent_record.read(home / ".config" / "acme" / "telemetry.toml").record
    assert record is not None and record.enabled is False and record.consent_source == "flag"
    status = run_installed(link, "telemetry", "status", env=env)
    assert status.returncode == 0 and status.stdout.startswith("Telemetry: off")
    assert "~/.config/acme/telemetry.toml" in status.stdout or ".config/acme" in status.stdout

    removed = run_script(acme.rendered / "uninstall.sh", ["--yes"], env)

    assert removed.returncode == 0, removed.stderr
    assert "Acme is uninstalled." in removed.stdout
    assert "doorstep" not in strip_temp(removed.stdout + removed.stderr, home.parent).lower()
    assert differences(before, snapshot(home)) == []


def test_a_command_named_unlike_the_product_is_linked_and_removed_by_its_own_uninstall(
    kit: Kit, acmectl: Adopted, home: Path
) -> None:
    seed(home)
    before = snapshot(home)
    env = acmectl.env(kit, home)

    result = run_script(
        acmectl.rendered / "install.sh", ["--from", str(acmectl.wheel), "--no-telemetry"], env
    )

    link = assert_installed(acmectl, home, result)
    assert not os.path.lexists(home / ".local" / "bin" / "acme")
    assert run_installed(link, "check", env=env).stdout == "check: done\n"
    assert_hints_name_the_command(link, home, env)
    doc = (acmectl.rendered / "TELEMETRY.md").read_text(encoding="utf-8")
    assert "`acmectl telemetry disable`" in doc and "`acme telemetry" not in doc
    assert "`/etc/xdg/acme/telemetry.toml`" in doc  # the folders keep the product's name

    removed = run_installed(link, "uninstall", "--yes", env=env)

    assert removed.returncode == 0, removed.stderr
    assert "Acme is uninstalled." in removed.stdout
    assert differences(before, snapshot(home)) == []


def assert_hints_name_the_command(link: Path, home: Path, env: dict[str, str]) -> None:
    """Every command a message tells people to run is the one they type: acmectl."""
    asking = {k: v for k, v in env.items() if k not in ("CI", "NONINTERACTIVE")}

    status = run_installed(link, "telemetry", "status", env=env)
    assert "Change it: 'acmectl telemetry enable', 'acmectl telemetry disable'" in status.stdout
    no_action = run_installed(link, "telemetry", env=env)
    assert no_action.returncode == 2
    assert no_action.stderr.startswith("acmectl: telemetry needs an action")
    assert "(see 'acmectl --help')" in no_action.stderr
    log = run_installed(link, "telemetry", "log", env=env)
    assert "'acmectl telemetry preview' shows what the next send" in log.stdout
    settings = run_installed(link, "settings", env=env)
    assert settings.returncode == 1
    assert "use 'acmectl telemetry status|enable|disable|reset-id'" in settings.stderr
    setup = run_installed(link, "setup", env=asking)
    assert "change it with 'acmectl settings'" in setup.stdout + setup.stderr
    for done in (status, no_action, log, settings, setup):
        assert "'acme " not in done.stdout + done.stderr

    # Without --yes and no terminal to confirm on: nothing is said to be removed.
    dry = run_installed(link, "uninstall", "--dry-run", env=env)
    assert dry.stdout.startswith("Would remove Acme 1.2.3:"), dry.stdout
    refused = run_installed(link, "uninstall", env=asking)
    assert refused.returncode == 1
    assert refused.stdout.startswith("Uninstalling Acme 1.2.3 removes:"), refused.stdout
    assert "Removing" not in refused.stdout
    assert "nothing was removed: there is no terminal to confirm on" in refused.stderr

    # A record that cannot be read: the tool's own command warns once, and goes on.
    record = home / ".config" / "acme" / "telemetry.toml"
    saved = record.read_bytes()
    record.write_bytes(b"\x00 not toml [")
    try:
        deployed = run_installed(link, "deploy", env=env)
    finally:
        record.write_bytes(saved)
    assert deployed.returncode == 0 and deployed.stdout == "deploy: done\n"
    warnings = deployed.stderr.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("acmectl: warning: "), warnings
    assert "treating it as no choice" in warnings[0]


def test_the_installed_package_renders_the_same_files(
    kit: Kit, acme: Adopted, home: Path, tmp_path: Path
) -> None:
    # doorstep installed from its wheel (as the tool's dependency) renders by the
    # product's name what the checkout rendered from the product file.
    env = acme.env(kit, home)
    result = run_script(
        acme.rendered / "install.sh",
        ["--from", str(acme.wheel), "--no-telemetry", "--no-modify-path"],
        env,
    )
    assert result.returncode == 0, result.stderr
    python = home / ".local" / "share" / "acme" / "venv" / "bin" / "python"
    out = tmp_path / "from-the-wheel"

    done = subprocess.run(
        [str(python), "-I", "-m", "doorstep", "render", "--product", "acme", "--out", str(out)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    for name in ("install.sh", "uninstall.sh", "TELEMETRY.md"):
        assert (out / name).read_bytes() == (acme.rendered / name).read_bytes(), name


def test_run_from_the_tools_checkout_it_installs_that_checkout(
    kit: Kit, acme: Adopted, home: Path, tmp_path: Path
) -> None:
    checkout = tmp_path / "acme-checkout"
    shutil.copytree(acme.product_file.parent.parent, checkout)
    (checkout / "install.sh").write_bytes((acme.rendered / "install.sh").read_bytes())
    product_file = checkout / acme.tool.module / "doorstep.toml"
    text = product_file.read_text(encoding="utf-8")
    product_file.write_text(text.replace('"Acme"', '"Acme Dev"'), encoding="utf-8")

    result = run_script(checkout / "install.sh", ["--no-telemetry"], acme.env(kit, home))

    assert result.returncode == 0, result.stderr
    # The checkout's product file named the product, for the script and the package.
    assert "Acme Dev from the checkout" in result.stderr
    assert "Acme Dev 1.2.3 is installed (fresh install)." in result.stderr
    found = receipt.read(home / ".config" / "acme" / "receipt.toml").receipt
    assert found is not None and found.source == str(checkout.resolve())
