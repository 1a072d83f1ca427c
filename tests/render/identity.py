"""A rendered script's identity, read back by a real shell from its product_defaults."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def shell_identity(script: Path) -> dict[str, str]:
    """What the script's ``product_defaults`` sets, ``PRODUCT_<key>`` -> value, as dash sees it."""
    text = script.read_text(encoding="utf-8")
    block = re.search(r"^product_defaults\(\) \{\n.*?^\}\n", text, re.S | re.M)
    assert block is not None, f"{script.name} has no product_defaults function"
    names = re.findall(r"^\s+PRODUCT_([A-Z_]+)=", block.group(), re.M)
    show = "".join(f'printf "%s=%s\\n" {name} "$PRODUCT_{name}"\n' for name in names)
    result = subprocess.run(
        ["dash", "-c", block.group() + "product_defaults\n" + show],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


__all__ = ["shell_identity"]
