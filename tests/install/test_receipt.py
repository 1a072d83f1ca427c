"""The receipt: written by Python, read back by Python and by uninstall.sh's awk alike.

uninstall.sh's functions are tested directly: everything but its last line is only
definitions (test_script_shape proves a cut copy runs nothing), so a shell can source
that part and call one function.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from doorstep.foundation import product
from doorstep.install import receipt, shell_path
from tests.install.install_run import SHELLS, UNINSTALL_SH
from tests.install.start_up_files import CONTENT, NAME, lines_for

# uninstall.sh reads quotes, backslashes, spaces and any letters; not control characters.
ODD = 'it\'s "odd" \\ $HOME ünï'


def example(home: Path, odd_name: str = ODD) -> receipt.Receipt:
    odd = home / odd_name
    return receipt.Receipt(
        name="doorstep",
        version="0.1.0",
        tool="uv",
        python="/usr/bin/python3",
        source=f"{odd}/doorstep.whl",
        installed_on="2026-11-01",
        updated_on="2026-11-22",
        venv=odd / "venv",
        link=home / ".local" / "bin" / "doorstep",
        data_dir=odd,
        config_dir=home / ".config" / "doorstep",
        state_dir=home / ".local" / "state" / "doorstep",
        cache_dir=None,
        created_dirs=(odd, home / ".local" / "bin"),
        path_blocks=(
            receipt.PathBlock(home / ".profile", True, 0, ("# a", 'echo "$PATH"')),
            receipt.PathBlock(odd / "rc", False, 2, ()),
        ),
    )


def test_it_round_trips_odd_paths(home: Path) -> None:
    written = example(home, ODD + "\ttab\x7fdel")
    path = home / "receipt.toml"
    receipt.write(path, written)
    assert receipt.read(path).receipt == written


@pytest.mark.parametrize(
    "content", [b"", b"garbage = [", b"schema_version = 99\n", b"\xff\xfe", b"name = 1\n"]
)
def test_anything_else_is_a_problem_never_an_exception(home: Path, content: bytes) -> None:
    path = home / "receipt.toml"
    path.write_bytes(content)
    found = receipt.read(path)
    assert found.receipt is None and found.problem and str(path) in found.problem
    assert receipt.read(home / "absent.toml") == receipt.ReceiptRead(home / "absent.toml")


def uninstall_functions(tmp_path: Path) -> Path:
    functions = tmp_path / "uninstall-functions.sh"
    lines = UNINSTALL_SH.read_text(encoding="utf-8").splitlines(keepends=True)
    functions.write_text("".join(lines[:-1]), encoding="utf-8")
    return functions


def call(functions: Path, script: str, *args: str, shell: str = "dash") -> str:
    words = [*SHELLS[shell], "-c", f'. "$0"; product_defaults; locate; {script}']
    result = subprocess.run(
        [*words, str(functions), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_uninstall_sh_reads_what_python_wrote(tmp_path: Path, home: Path, shell: str) -> None:
    written = example(home)
    path = home / "receipt.toml"
    receipt.write(path, written)

    out = call(uninstall_functions(tmp_path), 'receipt="$1"; parse_receipt', str(path), shell=shell)

    rows = [line.split("\t") for line in out.splitlines()]
    values = {row[0]: row[1] for row in rows if row[0] not in ("created", "block")}
    assert values["venv"] == str(written.venv)
    assert values["link"] == str(written.link)
    assert values["version"] == "0.1.0"
    assert "cache_dir" not in values
    assert [row[1] for row in rows if row[0] == "created"] == [str(p) for p in written.created_dirs]
    assert [row[1:] for row in rows if row[0] == "block"] == [
        ["1", "0", "1", str(home / ".profile")],
        ["0", "2", "2", str(written.path_blocks[1].file)],
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=CONTENT)
def test_uninstall_sh_removes_a_block_exactly_as_python_does(
    tmp_path: Path, content: bytes | None
) -> None:
    functions = uninstall_functions(tmp_path)
    by_python, by_shell = tmp_path / "python-rc", tmp_path / "shell-rc"
    results = []
    for target in (by_python, by_shell):
        if target.exists():
            target.unlink()
        if content is not None:
            target.write_bytes(content)
        change = shell_path.add(
            shell_path.Target(target, shell_path.POSIX), lines_for(tmp_path, tmp_path), NAME
        )
        assert change is not None
        results.append(change.block)
    shell_path.remove(results[0], NAME)
    block = results[1]
    # The shell takes out exactly the lines the receipt recorded for the block.
    recorded = tmp_path / "receipt.toml"
    receipt.write(recorded, replace(example(tmp_path), path_blocks=(block,)))
    call(
        functions,
        'remove_block "$1" 1 "$2" "$3" "$4"',
        str(recorded),
        str(int(block.created)),
        str(block.newlines),
        str(by_shell),
    )

    if content is None:
        assert not by_python.exists() and not by_shell.exists()
    else:
        assert by_shell.read_bytes() == by_python.read_bytes() == content


def test_product_name_in_markers_is_the_products() -> None:
    assert shell_path.markers(product.current().name)[0] == f"# >>> {NAME} >>>"
