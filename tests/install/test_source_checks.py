"""What is installed is what was meant: no checkout by accident, hashes checked, secrets hidden.

Piped into a shell, install.sh is not a file of any checkout, even when the current
folder holds a file named like the shell, a pyproject.toml and a product file: it
installs from --from or the index, and the folder's build code never runs. ``--sha256``
(or a URL's ``#sha256=``) installs only a file with that hash and otherwise fails
closed. The user and password of a URL are shown and stored as ``***``; plain http is
warned about once; a source chosen by DOORSTEP_INSTALL_SOURCE is named even with -q.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.install import wheels
from tests.install.home_tree import differences, snapshot
from tests.install.install_run import (
    INSTALL_SH,
    TIMEOUT,
    Kit,
    install,
    offline_env,
    run_script,
)
from tests.install.installed import assert_installed, read_receipt, venv
from tests.install.static_server import StaticServer
from tests.install.wheels import ROOT

TOKEN = "s3cretT0KEN"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wrong(digest: str) -> str:
    return ("0" if digest[0] != "0" else "1") + digest[1:]


@pytest.fixture
def server(kit: Kit) -> Iterator[StaticServer]:
    """The wheelhouse served over HTTP on 127.0.0.1, as a download site serves a wheel."""
    started = StaticServer(kit.wheelhouse)
    try:
        yield started
    finally:
        started.close()


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://deploy:{TOKEN}@", 1)


def assert_nothing_installed(
    home: Path, before: dict, result: subprocess.CompletedProcess[str]
) -> None:
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was installed" in result.stderr
    assert not venv(home).exists()
    assert not (home / ".local" / "bin" / "doorstep").exists()
    assert differences(before, snapshot(home)) == []


def assert_no_secret(home: Path, result: subprocess.CompletedProcess[str]) -> None:
    assert TOKEN not in result.stdout and TOKEN not in result.stderr
    config = home / ".config" / "doorstep"
    if config.exists():
        for path in config.rglob("*"):
            if path.is_file():
                assert TOKEN.encode() not in path.read_bytes(), path


# --- a checkout is only this script's own folder ------------------------------------


def hostile_checkout(folder: Path, mark: Path) -> None:
    """A folder that looks like a checkout of doorstep, with a shell named sh in it,
    whose build code leaves ``mark`` behind if anything ever builds it."""
    (folder / "installer").mkdir(parents=True)
    shutil.copy2(ROOT / "installer" / "product.toml", folder / "installer" / "product.toml")
    # The strongest decoy: a file named sh that is this very installer.
    shutil.copy2(INSTALL_SH, folder / "sh")
    (folder / "sh").chmod(0o755)
    (folder / "pyproject.toml").write_text(
        "[build-system]\n"
        "requires = []\n"
        'build-backend = "evil_backend"\n'
        'backend-path = ["."]\n\n'
        "[project]\n"
        'name = "doorstep"\n'
        'version = "99.0"\n',
        encoding="utf-8",
    )
    code = f"open({str(mark)!r}, 'w').close()\n"
    (folder / "evil_backend.py").write_text(code, encoding="utf-8")
    (folder / "setup.py").write_text(code, encoding="utf-8")


@pytest.mark.parametrize("argv0", ["sh", "dash", "bash", "/bin/sh", "./sh"])
@pytest.mark.parametrize("source", ["--from", "index"])
def test_piped_from_a_folder_that_looks_like_a_checkout_it_does_not_install_that_folder(
    kit: Kit, home: Path, tmp_path: Path, argv0: str, source: str
) -> None:
    folder = tmp_path / "looks-like-a-checkout"
    mark = tmp_path / "BUILT-THE-FOLDER"
    hostile_checkout(folder, mark)
    env = offline_env(kit, home)
    args = ["--no-telemetry"] + (["--from", str(kit.wheel)] if source == "--from" else [])
    program = "/usr/bin/bash" if argv0 == "bash" else "/usr/bin/dash"

    ran = subprocess.run(
        [argv0, "-s", "--", *args],
        executable=program,
        env=env,
        input=INSTALL_SH.read_bytes(),
        capture_output=True,
        timeout=TIMEOUT,
        cwd=folder,
        start_new_session=True,
    )
    result = subprocess.CompletedProcess(
        ran.args, ran.returncode, ran.stdout.decode(), ran.stderr.decode()
    )

    the_receipt = assert_installed(home, result)
    assert the_receipt.source == (str(kit.wheel) if source == "--from" else "doorstep")
    assert "checkout" not in result.stderr
    assert not mark.exists()
    assert the_receipt.version == wheels.current_version()


# --- --sha256 and #sha256= ----------------------------------------------------------


@pytest.mark.parametrize("how", ["--sha256", "--sha256=", "upper-case"])
def test_the_right_sha256_of_a_local_wheel_installs_it(
    kit: Kit, home: Path, tmp_path: Path, how: str
) -> None:
    digest = sha256_of(kit.wheel)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = offline_env(kit, home, TMPDIR=str(temp))
    if how == "--sha256=":
        args = [f"--sha256={digest}"]
    else:
        args = ["--sha256", digest.upper() if how == "upper-case" else digest]

    result = install(kit, env, "--no-telemetry", *args)

    the_receipt = assert_installed(home, result)
    assert the_receipt.source == str(kit.wheel)
    assert list(temp.iterdir()) == []  # the checked copy is gone


def test_a_wrong_sha256_of_a_local_wheel_fails_closed(kit: Kit, home: Path, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = offline_env(kit, home, TMPDIR=str(temp))
    before = snapshot(home)
    bad = wrong(sha256_of(kit.wheel))

    result = install(kit, env, "--no-telemetry", "--sha256", bad)

    assert result.returncode == 1, result.stderr
    named = [line for line in result.stderr.splitlines() if "SHA-256" in line]
    assert len(named) == 1 and bad in named[0] and sha256_of(kit.wheel) in named[0], named
    assert_nothing_installed(home, before, result)
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("value", ["abc", "g" * 64, "0" * 63])
def test_a_sha256_that_is_not_one_is_a_usage_error(kit: Kit, home: Path, value: str) -> None:
    env = offline_env(kit, home)
    before = snapshot(home)

    result = install(kit, env, "--no-telemetry", "--sha256", value)

    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert differences(before, snapshot(home)) == []


@pytest.mark.parametrize("how", ["fragment", "flag"])
def test_a_url_with_the_right_sha256_installs_what_was_checked(
    kit: Kit, home: Path, server: StaticServer, how: str
) -> None:
    digest = sha256_of(kit.wheel)
    url = f"{server.url}/{kit.wheel.name}"
    args = [url + f"#sha256={digest}"] if how == "fragment" else [url, "--sha256", digest]
    env = offline_env(kit, home)

    result = run_script(INSTALL_SH, ["--no-telemetry", "--from", *args], env)

    the_receipt = assert_installed(home, result)
    assert the_receipt.source.startswith(url)
    assert the_receipt.version == wheels.current_version()
    assert "plain http" not in result.stderr  # what was checked cannot have been changed


@pytest.mark.parametrize("how", ["fragment", "flag", "missing"])
def test_a_url_with_a_wrong_sha256_or_none_to_fetch_fails_closed(
    kit: Kit, home: Path, server: StaticServer, how: str
) -> None:
    digest = sha256_of(kit.wheel)
    url = f"{server.url}/{kit.wheel.name}"
    if how == "fragment":
        args = [url + f"#sha256={wrong(digest)}"]
    elif how == "flag":
        args = [url, "--sha256", wrong(digest)]
    else:
        args = [f"{server.url}/no-such-1.0-py3-none-any.whl", "--sha256", digest]
    env = offline_env(kit, home)
    before = snapshot(home)

    result = run_script(INSTALL_SH, ["--no-telemetry", "--from", *args], env)

    assert result.returncode == 1, result.stderr
    named = [line for line in result.stderr.splitlines() if "SHA-256" in line]
    assert len(named) == 1, result.stderr
    if how != "missing":
        assert wrong(digest) in named[0]
    assert_nothing_installed(home, before, result)


def test_sha256_and_a_fragment_that_differ_are_a_usage_error(
    kit: Kit, home: Path, server: StaticServer
) -> None:
    digest = sha256_of(kit.wheel)
    url = f"{server.url}/{kit.wheel.name}#sha256={digest}"
    env = offline_env(kit, home)
    before = snapshot(home)

    result = run_script(
        INSTALL_SH, ["--no-telemetry", "--from", url, "--sha256", wrong(digest)], env
    )

    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert differences(before, snapshot(home)) == []


# --- credentials, plain http, and -q --------------------------------------------------


@pytest.mark.parametrize("check", ["sha256", "no-sha256"])
def test_a_token_in_the_url_is_never_printed_nor_stored(
    kit: Kit, home: Path, server: StaticServer, check: str
) -> None:
    url = with_credentials(f"{server.url}/{kit.wheel.name}")
    if check == "sha256":
        url += f"#sha256={sha256_of(kit.wheel)}"
    env = offline_env(kit, home)

    result = run_script(INSTALL_SH, ["--no-telemetry", "--from", url], env)

    the_receipt = assert_installed(home, result)
    assert_no_secret(home, result)
    assert "deploy" not in the_receipt.source
    assert the_receipt.source.startswith("http://***@127.0.0.1:")
    assert "http://***@127.0.0.1:" in result.stderr
    receipt_file = home / ".config" / "doorstep" / "receipt.toml"
    assert TOKEN not in receipt_file.read_text(encoding="utf-8")
    # Nor in the environment (pip's and uv's record of where a package came from).
    for path in venv(home).rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert TOKEN.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("how", ["wrong-sha256", "missing", "missing-with-sha256"])
def test_a_token_in_the_url_is_not_printed_when_the_install_fails(
    kit: Kit, home: Path, server: StaticServer, how: str
) -> None:
    name = "no-such-1.0-py3-none-any.whl" if how.startswith("missing") else kit.wheel.name
    url = with_credentials(f"{server.url}/{name}")
    if how != "missing":
        url += f"#sha256={wrong(sha256_of(kit.wheel))}"
    env = offline_env(kit, home)
    before = snapshot(home)

    result = run_script(INSTALL_SH, ["--no-telemetry", "--from", url], env)

    assert_nothing_installed(home, before, result)
    assert_no_secret(home, result)
    assert "***@127.0.0.1:" in result.stderr


def test_a_token_in_install_source_is_hidden_even_with_quiet(
    kit: Kit, home: Path, server: StaticServer
) -> None:
    url = with_credentials(f"{server.url}/{kit.wheel.name}")
    env = offline_env(kit, home, DOORSTEP_INSTALL_SOURCE=url)

    result = run_script(INSTALL_SH, ["-q", "--no-telemetry"], env)

    assert_installed(home, result)
    assert_no_secret(home, result)
    shown = [line for line in result.stderr.splitlines() if "DOORSTEP_INSTALL_SOURCE" in line]
    assert len(shown) == 1 and "http://***@127.0.0.1:" in shown[0], result.stderr


def test_plain_http_gives_one_warning_and_a_file_none(
    kit: Kit, home: Path, server: StaticServer
) -> None:
    env = offline_env(kit, home)

    result = run_script(
        INSTALL_SH, ["--no-telemetry", "--from", f"{server.url}/{kit.wheel.name}"], env
    )

    assert_installed(home, result)
    warnings = [line for line in result.stderr.splitlines() if "plain http" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("doorstep: warning: ")

    again = install(kit, env, "--no-telemetry")

    assert again.returncode == 0, again.stderr
    assert "plain http" not in again.stderr


def test_quiet_still_says_what_install_source_chose(kit: Kit, home: Path) -> None:
    env = offline_env(kit, home, DOORSTEP_INSTALL_SOURCE=str(kit.wheel))

    result = run_script(INSTALL_SH, ["-q", "--no-telemetry"], env)

    the_receipt = assert_installed(home, result)
    assert the_receipt.source == str(kit.wheel)
    assert f"doorstep: installing {kit.wheel} (from DOORSTEP_INSTALL_SOURCE)" in (
        result.stderr.splitlines()
    )
    # With the source given on the command line, -q keeps quiet about it.
    quiet = install(kit, offline_env(kit, home), "-q", "--no-telemetry")
    assert quiet.returncode == 0, quiet.stderr
    assert "installing" not in quiet.stderr
    assert read_receipt(home).source == str(kit.wheel)


def test_quiet_prints_nothing_when_setup_decides_without_asking(kit: Kit, home: Path) -> None:
    # No terminal and no flag: setup's "not asking" line is not an error, so -q hides it.
    result = install(kit, offline_env(kit, home), "-q")

    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert read_receipt(home).source == str(kit.wheel)
    loud = install(kit, offline_env(kit, home))
    assert "Not asking about anonymous usage data" in loud.stdout
