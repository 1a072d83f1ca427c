"""``curl … | sh`` of an adopting tool's rendered install.sh in a real terminal: the
onboarding that opens is the tool's own (Acme's name, Acme's files), never doorstep's.

The rendered install.sh and the tool's wheel are served over HTTP on 127.0.0.1; the
rest comes from the local wheelhouse (offline). Keys are real key presses in tmux.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.e2e import tmux
from tests.install.install_run import Kit
from tests.install.static_server import StaticServer
from tests.render import adopted
from tests.render.adopted import Adopted

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux.available(), reason="tmux is not installed"),
]

# What the tmux session must not inherit: the person in that terminal is not CI.
UNSET = ["CI", "NONINTERACTIVE", "DO_NOT_TRACK", "ACME_TELEMETRY", "TMUX", "TMUX_PANE"]


@pytest.fixture(scope="module")
def acme(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    return adopted.build(kit, tmp_path_factory.mktemp("acme-tmux"))


@pytest.fixture
def site(acme: Adopted, tmp_path: Path) -> Iterator[StaticServer]:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "install.sh").write_bytes((acme.rendered / "install.sh").read_bytes())
    (folder / acme.wheel.name).write_bytes(acme.wheel.read_bytes())
    served = StaticServer(folder)
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tmux.Terminal]:
    with tmux.Terminal(tmp_path, 100, 30) as the_terminal:
        yield the_terminal


def test_curl_pipe_sh_opens_the_tools_own_onboarding(
    terminal: tmux.Terminal, kit: Kit, acme: Adopted, home: Path, site: StaticServer
) -> None:
    exit_file = home.parent / "install.exit"
    wheel_url = f"{site.url}/{acme.wheel.name}"
    pipeline = (
        f"curl -fsSL {site.url}/install.sh | sh -s -- --from {shlex.quote(wheel_url)}; "
        f"echo $? > {shlex.quote(str(exit_file))}; exec sleep 300"
    )
    full = acme.env(kit, home)
    wanted = ("HOME", "PATH", "NO_PROXY", "LANG", "RUSTUP_HOME", "CARGO_HOME", "PYENV_ROOT")
    env = {k: v for k, v in full.items() if k.startswith(("PIP_", "UV_"))}
    env.update({k: full[k] for k in wanted if k in full})
    terminal.start(["sh", "-c", pipeline], env=env, unset=UNSET)

    screen = terminal.wait_for("Welcome to Acme")
    assert "doorstep" not in screen.lower()
    terminal.send("Enter")
    screen = terminal.wait_for("[x] Share anonymous usage data: ON")
    assert "doorstep" not in screen.lower()
    terminal.send("Space")
    terminal.wait_for("[ ] Share anonymous usage data: OFF")
    terminal.send("Enter")
    screen = terminal.wait_for("step 3 of 3")
    assert "doorstep" not in screen.lower()
    terminal.send("Enter")

    assert tmux.wait_for_file(exit_file).strip() == "0", terminal.screen()
    screen = terminal.wait_for("Acme 1.2.3 is installed (fresh install)")
    assert "Traceback" not in screen and "doorstep" not in screen.lower()
    record = consent_record.read(home / ".config" / "acme" / "telemetry.toml").record
    assert record is not None and record.enabled is False and record.consent_source == "wizard"
    assert not (home / ".config" / "doorstep").exists()
