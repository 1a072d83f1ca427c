"""``doorstep settings``, driven through Pilot: changes are saved at once and status agrees.

The app is built by ``doorstep.tui.app.build_settings`` as ``doorstep settings`` builds it; the
files are real files in the test's HOME and ``telemetry status`` runs as a real
process right after each change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from doorstep.delivery.spool import Entry, Spool
from doorstep.events import envelope
from doorstep.foundation import paths, product
from doorstep.tui.app import build_settings
from doorstep.tui.payload import PayloadScreen
from doorstep.tui.toggle import ShareToggle
from tests.support import cli
from tests.tui.conftest import play, record_file, saved, screen_text, spool_file

INSTALL_ID = "3f0c8a9e-1b2c-4d5e-8f90-123456789abc"
RECORD_ON = f"""schema_version = 1
enabled = true
install_id = "{INSTALL_ID}"
salt = "0123456789abcdef0123456789abcdef"
consent_source = "wizard"
notice_shown = false
decided_on = "2026-11-22"
"""


def write_record(text: str = RECORD_ON) -> Path:
    where = record_file()
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(text, encoding="utf-8")
    return where


def drive(*actions: Callable[[Pilot], Any] | str, size: tuple[int, int] = (80, 24)) -> Any:
    """Run the settings app through ``actions``; its exit value (None if still open)."""
    return play(build_settings(product.current()), actions, size)


def status() -> dict[str, Any]:
    result = cli.run("telemetry", "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_turning_it_on_is_saved_at_once_and_status_shows_it() -> None:
    seen: list[str] = []
    checked: list[dict[str, Any]] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    async def check_status(pilot: Pilot) -> None:
        checked.append(status())  # while the screen is still open

    drive(look, "space", look, check_status, "q")

    assert "[ ] Share anonymous usage data: OFF" in seen[0]
    assert "Saved choice: none yet" in seen[0]
    assert "[x] Share anonymous usage data: ON" in seen[1]
    record = saved()
    assert record is not None and record.enabled and record.consent_source == "settings"
    assert f"Install id: {record.install_id}" in seen[1]
    assert checked[0]["state"] == "on"
    assert checked[0]["consent_source"] == "settings"
    assert checked[0]["install_id"] == record.install_id


def test_turning_it_off_deletes_the_id_and_waiting_events() -> None:
    write_record()
    where = paths.for_product()
    Spool(where.state_dir).append(
        [Entry(envelope.build(os.environ, INSTALL_ID), {"name": "install_completed"})]
    )
    assert spool_file().exists()
    seen: list[str] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    drive(look, "space", look, "escape")

    assert f"Install id: {INSTALL_ID}" in seen[0]
    assert "[ ] Share anonymous usage data: OFF" in seen[1]
    assert "Saved: off. The install id and any waiting events were deleted." in seen[1]
    record = saved()
    assert record is not None and record.enabled is False
    assert record.consent_source == "settings"
    assert not spool_file().exists()
    after = status()
    assert after["state"] == "off" and after["install_id"] is None


def test_reset_id_replaces_the_id_on_screen_and_on_disk() -> None:
    write_record()
    seen: list[str] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    async def click_reset(pilot: Pilot) -> None:
        buttons = [b for b in pilot.app.screen.query("Button") if "Reset" in str(b.label)]
        assert await pilot.click(buttons[0])

    drive("r", look, click_reset, look, "q")

    def shown_id(text: str) -> str:
        return text.split("Install id: ", 1)[1].split("\n", 1)[0]

    by_key, by_click = shown_id(seen[0]), shown_id(seen[1])
    assert "New install id saved" in seen[0]
    assert len({INSTALL_ID, by_key, by_click}) == 3  # each reset made a new id
    record = saved()
    assert record is not None and record.install_id == by_click
    assert record.consent_source == "wizard"  # how the choice was made is kept
    assert status()["install_id"] == by_click


def test_reset_id_while_off_changes_nothing() -> None:
    seen: list[str] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    drive("r", look, "q")

    assert "No install id to reset: usage data is not on." in seen[0]
    assert not record_file().exists()


def test_the_payload_preview_is_the_next_body() -> None:
    write_record()
    shown: list[dict[str, Any]] = []

    async def read(pilot: Pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, PayloadScreen)
        shown.append(json.loads(str(screen.query_one("#payload-json", Static).render())))

    async def closed(pilot: Pilot) -> None:
        assert not isinstance(pilot.app.screen, PayloadScreen)

    drive("p", read, "escape", closed, "q")

    preview = cli.run("telemetry", "preview")
    body = json.loads(preview.stdout)
    assert shown[0]["envelope"]["install_id"] == INSTALL_ID == body["envelope"]["install_id"]
    assert shown[0]["events"] == body["events"] == []


def test_the_off_switches_win_and_the_screen_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    write_record()
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    seen: list[str] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    drive(look, "q")

    assert "[x] Share anonymous usage data: ON" in seen[0]  # the saved choice...
    assert "Right now: off, because DO_NOT_TRACK is set" in seen[0]  # ...and what rules
    assert "DO_NOT_TRACK=1 or DOORSTEP_TELEMETRY=0" in seen[0]
    assert "~/.config/doorstep/telemetry.toml" in seen[0]
    assert "~/.local/state/doorstep/spool.jsonl" in seen[0]


def test_a_choice_that_cannot_be_saved_is_one_line_on_screen(home: Path) -> None:
    # A file where the config folder should be: no mode trick, so it binds root too.
    (home / ".config").mkdir()
    (home / ".config" / "doorstep").write_text("not a folder", encoding="utf-8")
    seen: list[str] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    result = drive("space", look, "q")

    assert result == 0
    assert "Not saved: cannot save your choice" in seen[0]
    assert "[ ] Share anonymous usage data: OFF" in seen[0]


@pytest.mark.parametrize("key", ["q", "escape", "ctrl+c"])
def test_quitting_exits_zero(key: str) -> None:
    assert drive(key) == 0


def test_the_toggle_responds_to_the_mouse() -> None:
    drive(lambda pilot: pilot.click(ShareToggle), "q")
    record = saved()
    assert record is not None and record.enabled and record.consent_source == "settings"


def test_fits_60x15() -> None:
    async def fits(pilot: Pilot) -> None:
        screen = pilot.app.screen
        for widget in [
            *screen.query("Button"),
            screen.query_one(ShareToggle),
            screen.query_one("#now"),
        ]:
            assert widget.region.area > 0 and screen.region.contains_region(widget.region)

    drive(fits, "q", size=(60, 15))


def test_without_a_terminal_it_says_so_in_one_line() -> None:
    # A new session has no controlling terminal, so /dev/tty cannot be opened.
    result = subprocess.run(
        [sys.executable, "-m", "doorstep", "settings"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=cli.TIMEOUT,
        start_new_session=True,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "settings needs a terminal" in result.stderr
    assert "\x1b[" not in result.stdout + result.stderr


def test_what_was_sent_opens_the_local_log() -> None:
    from doorstep.delivery import sent_log

    write_record()
    state = paths.for_product().state_dir
    state.mkdir(parents=True, exist_ok=True)
    body = b'{"envelope":{},"events":[{"name":"install_started"}],"schema_version":1}'
    sent_log.append(state, "2026-11-22", "https://c.example/v1/events", 204, body)
    seen: list[Any] = []

    async def look(pilot: Pilot) -> None:
        seen.append((type(pilot.app.screen), screen_text(pilot.app)))

    drive("l", look, "escape", look, "q")

    assert seen[0][0] is PayloadScreen
    assert "What was sent" in seen[0][1] and "install_started" in seen[0][1]
    assert "telemetry log" in seen[0][1]
    assert seen[1][0] is not PayloadScreen


def test_forget_turns_off_and_asks_for_one_deletion(capture: Any, endpoint: str) -> None:
    write_record()
    seen: list[str] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    drive("f", look, "q")

    record = saved()
    assert record is not None and record.enabled is False
    assert record.consent_source == "settings"  # changed here, as the toggle saves it
    assert "asked to delete this install's events" in seen[0]
    (request,) = capture.requests
    assert (request.method, request.path) == ("DELETE", f"/v1/installs/{INSTALL_ID}")


def test_the_toggle_says_when_the_machine_policy_keeps_it_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "etc-xdg" / "doorstep" / "telemetry.toml"
    policy.parent.mkdir(parents=True)
    policy.write_text("enabled = false\n", encoding="utf-8")
    seen: list[str] = []

    async def look(pilot: Pilot) -> None:
        seen.append(screen_text(pilot.app))

    drive("space", look, "q")

    assert "machine's policy" in " ".join(seen[0].split())
    assert saved() is None  # nothing was changed


def test_the_keys_scroll_the_settings_and_the_payload_on_a_small_terminal() -> None:
    write_record()
    seen: list[tuple[str, float]] = []

    def scrolled(where: str) -> Callable[[Pilot], Any]:
        async def look(pilot: Pilot) -> None:
            seen.append((where, pilot.app.screen.query_one(where).scroll_y))

        return look

    drive(
        *("pagedown", scrolled("#body"), "pageup", scrolled("#body")),
        *("down", scrolled("#body"), "up", scrolled("#body")),
        *("p", "pagedown", scrolled("#payload-scroll"), "up", scrolled("#payload-scroll")),
        *("escape", "q"),
        size=(60, 15),
    )
    body = [y for where, y in seen if where == "#body"]
    payload = [y for where, y in seen if where == "#payload-scroll"]
    assert body[0] > 1 and body[1] == 0 and body[2] == 1 and body[3] == 0, seen
    assert payload[0] > 1 and payload[1] == payload[0] - 1, seen
