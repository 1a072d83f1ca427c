"""``curl … | sh`` end to end in a real terminal: from nothing to a consenting install.

install.sh and a wheel built from this checkout are served over HTTP on 127.0.0.1;
curl fetches the script into ``sh`` inside a tmux terminal, in a fresh HOME; dependencies
come from the local wheelhouse (offline). The onboarding is driven with real key
presses. With a "yes", the real collector shows the install funnel and the onboarding;
with a "no", a capture server sees not a single connection. Nothing is mocked.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.collector import server as collector_server
from doorstep.consent import record as consent_record
from tests.e2e import tmux
from tests.install.install_run import INSTALL_SH, Kit, build_kit, offline_env
from tests.install.static_server import StaticServer
from tests.support.capture import Capture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux.available(), reason="tmux is not installed"),
]

# What the tmux session must not inherit: the person in that terminal is not CI.
UNSET = ["CI", "NONINTERACTIVE", "DO_NOT_TRACK", "DOORSTEP_TELEMETRY", "TMUX", "TMUX_PANE"]
STAGES = ["preflight", "environment", "package", "link", "path", "wizard"]


@pytest.fixture(scope="module")
def install_kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return build_kit(tmp_path_factory.mktemp("e2e-install-kit"))


@pytest.fixture
def site(install_kit: Kit, tmp_path: Path) -> Iterator[StaticServer]:
    """The download site: install.sh and the wheel, over HTTP on 127.0.0.1."""
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy2(INSTALL_SH, folder / "install.sh")
    shutil.copy2(install_kit.wheel, folder / install_kit.wheel.name)
    served = StaticServer(folder)
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tmux.Terminal]:
    with tmux.Terminal(tmp_path, 100, 30) as the_terminal:
        yield the_terminal


def start_install(
    terminal: tmux.Terminal,
    kit: Kit,
    home: Path,
    site: StaticServer,
    endpoint: str,
    options: str = "",
    extra: dict[str, str] | None = None,
) -> Path:
    """Type-free start of ``curl -fsSL …/install.sh | sh -s -- --from …``; returns the exit file."""
    exit_file = home.parent / "install.exit"
    wheel_url = f"{site.url}/{kit.wheel.name}"
    pipeline = (
        f"curl -fsSL {site.url}/install.sh | sh -s -- --from {shlex.quote(wheel_url)} {options}; "
        f"echo $? > {shlex.quote(str(exit_file))}; exec sleep 300"
    )
    full = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=endpoint, **(extra or {}))
    wanted = ("HOME", "PATH", "NO_PROXY", "LANG", "RUSTUP_HOME", "CARGO_HOME", "PYENV_ROOT")
    env = {k: v for k, v in full.items() if k.startswith(("PIP_", "UV_", "DOORSTEP_"))}
    env.update({k: full[k] for k in wanted if k in full})
    env.update(extra or {})
    terminal.start(["sh", "-c", pipeline], env=env, unset=UNSET)
    return exit_file


def report(db: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "doorstep", "collector", "report", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_curl_pipe_sh_onboarding_yes_reaches_the_collector_with_the_whole_funnel(
    terminal: tmux.Terminal, install_kit: Kit, home: Path, site: StaticServer, tmp_path: Path
) -> None:
    db = tmp_path / "collector" / "events.sqlite3"
    collector = collector_server.start(collector_server.Settings(db=db, port=0))
    try:
        exit_file = start_install(terminal, install_kit, home, site, collector.url)

        terminal.wait_for("Welcome to Doorstep")
        terminal.send("Enter")
        terminal.wait_for("[x] Share anonymous usage data: ON")
        terminal.send("Space")
        terminal.wait_for("[ ] Share anonymous usage data: OFF")
        terminal.send("Space")
        terminal.wait_for("[x] Share anonymous usage data: ON")
        terminal.send("Enter")
        terminal.wait_for("step 3 of 3")
        terminal.send("Enter")

        assert tmux.wait_for_file(exit_file).strip() == "0"
        screen = terminal.wait_for("is installed (fresh install)")
        assert "Traceback" not in screen
        record = consent_record.read(home / ".config" / "doorstep" / "telemetry.toml").record
        assert record is not None and record.enabled and record.consent_source == "wizard"

        # The detached sender posts moments after setup exits: a bounded wait for it.
        for _ in range(tmux.POLLS):
            data = report(db)
            if data["funnel"][-1]["count"] and data["onboarding"]["completed"]:
                break
            time.sleep(tmux.INTERVAL)
    finally:
        collector.close()
    data = report(db)
    assert [step["step"] for step in data["funnel"]] == ["started", *STAGES, "completed"]
    assert all(step["count"] == 1 for step in data["funnel"]), data["funnel"]
    assert data["onboarding"]["started_by_ui"] == {"tui": 1}
    assert data["onboarding"]["completed_by_ui"] == {"tui": 1}
    assert data["totals"]["installs"] == 1 and data["failures"] == []


def test_curl_pipe_sh_onboarding_no_sends_nothing_at_all(
    terminal: tmux.Terminal,
    install_kit: Kit,
    home: Path,
    site: StaticServer,
    capture: Capture,
) -> None:
    exit_file = start_install(terminal, install_kit, home, site, capture.url)

    terminal.wait_for("Welcome to Doorstep")
    terminal.send("Enter")
    terminal.wait_for("[x] Share anonymous usage data: ON")
    terminal.send("Space")
    terminal.wait_for("[ ] Share anonymous usage data: OFF")
    terminal.send("Enter")
    terminal.wait_for("step 3 of 3")
    terminal.send("Enter")

    assert tmux.wait_for_file(exit_file).strip() == "0"
    terminal.wait_for("is installed (fresh install)")
    record = consent_record.read(home / ".config" / "doorstep" / "telemetry.toml").record
    assert record is not None and record.enabled is False
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
    assert capture.connections == 0


@pytest.mark.parametrize(
    ("options", "extra"),
    [("--yes", {}), ("", {"CI": "true"}), ("", {"NONINTERACTIVE": "1"})],
    ids=["--yes", "CI=true", "NONINTERACTIVE=1"],
)
def test_with_a_terminal_yes_ci_and_noninteractive_never_ask(
    terminal: tmux.Terminal,
    install_kit: Kit,
    home: Path,
    site: StaticServer,
    capture: Capture,
    options: str,
    extra: dict[str, str],
) -> None:
    # Nobody presses a key: if anything asked, the exit file would never appear.
    exit_file = start_install(terminal, install_kit, home, site, capture.url, options, extra)

    assert tmux.wait_for_file(exit_file).strip() == "0", terminal.screen()
    screen = terminal.wait_for("is installed (fresh install)")
    assert "Not asking about anonymous usage data" in screen
    assert "Welcome to Doorstep" not in screen
    assert not (home / ".config" / "doorstep" / "telemetry.toml").exists()
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
