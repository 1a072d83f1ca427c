"""The files the onboarding's first frame imports, for the install's second interpreter.

    python -m tests.support.first_frame --write

writes ``installer/install/first_frame.txt``: every module of Textual, Rich, doorstep's
screens and the rest that showing the wizard imports (once setup has decided to show
it), as paths inside ``site-packages``, in the reverse of the order they are imported.
``test_precompile`` checks that the file is what this finds with the pinned Textual.

The screens run headless through Textual's own test harness (``run_test``), up to the
first frame; the harness's two modules are left out, and the terminal driver that a
real run loads is imported as such a run imports it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIST_FILE = ROOT / "installer" / "install" / "first_frame.txt"
HEADER = (
    "# What the onboarding's first frame imports, as paths under site-packages, in the\n"
    "# reverse of the order it imports them.\n"
    "# Generated: python -m tests.support.first_frame --write\n"
)
_HARNESS = ("textual.pilot", "textual.drivers.headless_driver")

_COLLECT = """import asyncio, json, sys
# Loaded already when setup decides to show the wizard: not the first frame's to compile.
from doorstep.cli import main
from doorstep.delivery.telemetry import Recorder
from doorstep.foundation import product
from doorstep.onboarding import setup, wizard as onboarding

order = []
def hook(event, args):
    if event == "import" and args[0] not in sys.modules:
        order.append(args[0])
sys.addaudithook(hook)

from doorstep.tui import launch
from doorstep.tui import app as tui_app
import textual.drivers.linux_driver

wizard = onboarding.Wizard(Recorder(product.current()))
the_app = tui_app.build_onboarding(wizard)

async def first_frame():
    async with the_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

asyncio.run(first_frame())
wizard.recorder.discard()
found = []
for name in order:
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or ""
    if not origin.endswith(".py"):
        continue
    third_party = "site-packages" in origin.split("/")
    if not (third_party or name.split(".")[0] == "doorstep"):
        continue  # the standard library: its bytecode comes with the interpreter
    path = name.replace(".", "/")
    path += "/__init__.py" if spec.submodule_search_locations is not None else ".py"
    found.append((name, path))
sys.stderr.write(json.dumps(found))
"""


def collect() -> list[str]:
    """The first frame's files under site-packages, in the order they are imported."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOORSTEP_", "XDG_"))}
        env.update(HOME=home, DO_NOT_TRACK="1")
        result = subprocess.run(
            [sys.executable, "-I", "-c", _COLLECT],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    if result.returncode != 0:
        raise RuntimeError(f"collecting the first frame's imports failed:\n{result.stderr}")
    found = json.loads(result.stderr.strip().splitlines()[-1])
    return [path for name, path in found if not name.startswith(_HARNESS)]


def render(paths: list[str]) -> str:
    return HEADER + "".join(f"{path}\n" for path in reversed(paths))


def main(argv: list[str]) -> int:
    text = render(collect())
    if argv == ["--write"]:
        LIST_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {LIST_FILE.relative_to(ROOT)}")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
