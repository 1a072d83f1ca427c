"""A real adopting tool, its rendered scripts and an offline wheelhouse to install it from.

The tool is tests.adopting.tools.ACME, built into a wheel the way its makers would;
its install.sh and uninstall.sh come from ``doorstep render --file`` on its own
doorstep.toml. The wheelhouse holds the install kit's wheels (doorstep from this
checkout and its dependencies) and the tool's wheel, so install.sh runs offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.adopting import tools
from tests.install import wheels
from tests.install.install_run import Kit, offline_env
from tests.support import cli


@dataclass(frozen=True)
class Adopted:
    """A built adopting tool: its wheel, its rendered files, and where to install from."""

    tool: tools.Tool
    command: str  # the command install.sh links (the product's command_name)
    wheel: Path
    wheelhouse: Path  # the kit's wheels and this tool's
    rendered: Path  # install.sh, uninstall.sh, TELEMETRY.md
    product_file: Path  # its doorstep.toml, in its source

    def env(self, kit: Kit, home: Path, **extra: str) -> dict[str, str]:
        """An offline install environment for ``home`` that also finds the tool's wheel."""
        found = {"PIP_FIND_LINKS": str(self.wheelhouse), "UV_FIND_LINKS": str(self.wheelhouse)}
        return offline_env(kit, home, **found, **extra)


def build(kit: Kit, root: Path, command: str = "") -> Adopted:
    """ACME built and rendered in ``root``; ``command`` renames its console script."""
    tool = tools.ACME
    source = tools.write_source(tool, root / "source")
    product_file = source / tool.module / "doorstep.toml"
    if command:
        # The command differs from the product's name: the script, and the product file.
        pyproject = source / "pyproject.toml"
        script_line = f'{tool.name} = "{tool.module}.cli:main"'
        text = pyproject.read_text(encoding="utf-8")
        assert script_line in text
        pyproject.write_text(
            text.replace(script_line, f'{command} = "{tool.module}.cli:main"'), encoding="utf-8"
        )
        text = product_file.read_text(encoding="utf-8")
        assert f'command = "{tool.name}"' in text
        product_file.write_text(
            text.replace(f'command = "{tool.name}"', f'command = "{command}"'), encoding="utf-8"
        )
    wheel = wheels.build_wheel(source, root / "dist", kit.wheelhouse, kit.uv_cache, tool.package)
    house = wheels.assemble(root / "wheelhouse", kit.wheelhouse, wheel)
    (house / kit.wheel.name).symlink_to(kit.wheel)
    rendered = root / "rendered"
    done = cli.run("render", "--file", str(product_file), "--out", str(rendered))
    if done.returncode != 0:
        raise RuntimeError(f"doorstep render failed: {done.stderr}")
    return Adopted(tool, command or tool.name, house / wheel.name, house, rendered, product_file)


__all__ = ["Adopted", "build"]
