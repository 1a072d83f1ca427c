"""The full-screen onboarding, driven through Pilot: every path a person can take.

The app is built by ``doorstep.tui.app.build_onboarding`` (as ``doorstep setup`` builds it) and
its answer is applied by ``doorstep.onboarding.setup.run``; sending goes through the real
detached sender to a real server on 127.0.0.1. Only the terminal is Textual's test
driver here; tests/e2e/test_setup_tmux.py runs the same flow in a real terminal.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static

from doorstep.delivery.telemetry import Recorder
from doorstep.events import schema
from doorstep.onboarding.wizard import NEVER_COLLECTED
from doorstep.tui.onboarding import FinishScreen, PrivacyScreen, WelcomeScreen
from doorstep.tui.payload import PayloadScreen
from doorstep.tui.toggle import ShareToggle
from tests.support.capture import Capture
from tests.tui.conftest import names, record_file, run_setup, saved, screen_text, spool_file

FUNNEL_ON = [
    "install_started",
    "install_stage_completed",
    "install_stage_completed",
    "onboarding_started",
    "onboarding_step_viewed",
    "onboarding_step_viewed",
    "onboarding_step_viewed",
    "onboarding_completed",
    "install_stage_completed",
    "install_completed",
]


def _nothing_left(capture: Capture) -> None:
    """No record-free trace: no spool, and no connection reached the server."""
    assert not spool_file().exists()
    # A sender would connect within moments; give it a bounded chance to prove us wrong.
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
    assert capture.connections == 0


def test_confirm_with_toggle_on_sends_the_install_and_the_funnel(
    recorder: Recorder, capture: Capture, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_setup(recorder, "enter", "enter", "enter")

    assert code == 0
    record = saved()
    assert record is not None and record.enabled and record.consent_source == "wizard"
    assert "Usage data: on" in capsys.readouterr().out
    assert capture.wait_for(lambda c: len(c.events()) >= len(FUNNEL_ON))
    events = capture.events()
    assert names(events) == FUNNEL_ON
    steps = [e["props"]["step"] for e in events if e["name"] == "onboarding_step_viewed"]
    assert steps == ["welcome", "privacy", "finish"]
    completed = next(e for e in events if e["name"] == "onboarding_completed")
    assert completed["props"]["ui"] == "tui"
    assert completed["props"]["viewed_payload"] is False
    assert completed["props"]["duration"] in schema.current().buckets["duration"].labels
    assert capture.bodies()[0]["envelope"]["install_id"] == record.install_id


def test_toggle_off_then_confirm_records_off_and_sends_nothing(
    recorder: Recorder, capture: Capture, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_setup(recorder, "enter", "space", "enter", "enter")

    assert code == 0
    record = saved()
    assert record is not None and record.enabled is False
    assert record.consent_source == "wizard" and record.install_id is None
    assert "Usage data: off; nothing was sent" in capsys.readouterr().out
    assert recorder.pending == []
    _nothing_left(capture)


@pytest.mark.parametrize(
    ("keys", "where"),
    [
        (("q",), "welcome"),
        (("enter", "ctrl+c"), "privacy"),
        (("enter", "enter", "q"), "finish"),
    ],
)
def test_cancel_records_nothing_and_the_next_run_asks_again(
    recorder: Recorder,
    capture: Capture,
    endpoint: str,
    capsys: pytest.CaptureFixture[str],
    keys: tuple[str, ...],
    where: str,
) -> None:
    code = run_setup(recorder, *keys)

    assert code == 0
    assert not record_file().exists()
    assert recorder.pending == []
    assert "Cancelled: nothing was recorded or sent" in capsys.readouterr().out
    _nothing_left(capture)

    shown: list[str] = []

    async def look(pilot: Pilot) -> None:
        shown.append(type(pilot.app.screen).__name__)

    run_setup(recorder, look, "q")
    assert shown == ["WelcomeScreen"]


def test_back_goes_one_step_back_and_each_step_counts_once(
    recorder: Recorder, capture: Capture, endpoint: str
) -> None:
    screens: list[str] = []

    async def look(pilot: Pilot) -> None:
        screens.append(type(pilot.app.screen).__name__)

    code = run_setup(
        recorder,
        "escape",  # on the first step: stays there
        look,
        "enter",
        "escape",
        look,
        "enter",
        "enter",
        "left",
        look,
        "left",
        look,
        "right",
        "right",
        look,
        "enter",
    )

    assert code == 0
    assert screens == [
        "WelcomeScreen",
        "WelcomeScreen",
        "PrivacyScreen",
        "WelcomeScreen",
        "FinishScreen",
    ]
    assert capture.wait_for(lambda c: len(c.events()) >= len(FUNNEL_ON))
    assert names(capture.events()) == FUNNEL_ON


def test_the_toggle_spells_its_state_and_enter_continues_while_it_has_focus(
    recorder: Recorder,
) -> None:
    seen: dict[str, Any] = {}

    async def on_privacy(pilot: Pilot) -> None:
        assert isinstance(pilot.app.screen, PrivacyScreen)
        seen["focused"] = pilot.app.focused
        seen["on"] = screen_text(pilot.app)

    async def after_space(pilot: Pilot) -> None:
        seen["off"] = screen_text(pilot.app)

    async def on_finish(pilot: Pilot) -> None:
        assert isinstance(pilot.app.screen, FinishScreen)
        seen["finish"] = screen_text(pilot.app)

    run_setup(recorder, "enter", on_privacy, "space", after_space, "enter", on_finish, "q")

    assert isinstance(seen["focused"], ShareToggle)
    assert "[x] Share anonymous usage data: ON" in seen["on"]
    assert "ON: anonymous usage data is sent when you confirm" in seen["on"]
    assert "[ ] Share anonymous usage data: OFF" in seen["off"]
    assert "OFF: nothing is sent, now or later" in seen["off"]
    assert "Share anonymous usage data: OFF" in seen["finish"]
    assert "~/.config/doorstep/telemetry.toml" in seen["finish"]


def test_the_privacy_step_lists_what_is_and_is_not_collected_from_the_schema(
    recorder: Recorder,
) -> None:
    text: list[str] = []

    async def read(pilot: Pilot) -> None:
        text.append(screen_text(pilot.app))

    run_setup(recorder, "enter", read, "q")

    the_schema = schema.current()
    for event in the_schema.events.values():
        assert f"\n{event.name} (" in text[0]
        assert event.why in text[0]
    for field in the_schema.envelope:
        assert field in text[0]
    for never in NEVER_COLLECTED:
        assert never in text[0]
    assert "doorstep settings" in text[0]  # where to change it later
    assert "DO_NOT_TRACK=1" in text[0]


def test_the_mouse_toggles_continues_and_confirms(
    recorder: Recorder, capture: Capture, endpoint: str
) -> None:
    async def continue_button(pilot: Pilot) -> None:
        buttons = [b for b in pilot.app.screen.query(Button) if "Continue" in str(b.label)]
        assert await pilot.click(buttons[0])

    async def toggle(pilot: Pilot) -> None:
        assert await pilot.click(ShareToggle)

    async def confirm(pilot: Pilot) -> None:
        buttons = [b for b in pilot.app.screen.query(Button) if str(b.label) == "Confirm"]
        assert await pilot.click(buttons[0])

    code = run_setup(recorder, continue_button, toggle, continue_button, confirm)

    assert code == 0
    record = saved()
    assert record is not None and record.enabled is False
    _nothing_left(capture)


def test_the_payload_shown_is_what_confirming_sends(
    recorder: Recorder, capture: Capture, endpoint: str
) -> None:
    shown: list[dict[str, Any]] = []
    notes: list[str] = []

    async def read_payload(pilot: Pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, PayloadScreen)
        shown.append(json.loads(str(screen.query_one("#payload-json", Static).render())))
        notes.append(screen_text(pilot.app))

    code = run_setup(recorder, "enter", "p", read_payload, "escape", "enter", "enter")

    assert code == 0
    assert "doorstep telemetry preview" in notes[0]
    assert capture.wait_for(lambda c: len(c.events()) >= len(FUNNEL_ON))
    sent = capture.bodies()[0]

    def comparable(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        # Durations are coarse ranges of time still passing; everything else must match.
        return [
            (e["name"], {k: v for k, v in e["props"].items() if k != "duration"})
            for e in body["events"]
        ]

    assert comparable(shown[0]) == comparable(sent)
    assert [e["seq"] for e in shown[0]["events"]] == [e["seq"] for e in sent["events"]]
    envelope = dict(shown[0]["envelope"])
    assert envelope.pop("install_id") != sent["envelope"]["install_id"]  # an example id
    assert envelope == {k: v for k, v in sent["envelope"].items() if k != "install_id"}
    completed = next(e for e in sent["events"] if e["name"] == "onboarding_completed")
    assert completed["props"]["viewed_payload"] is True


def _inside(widget: Any, screen: Any) -> bool:
    region = widget.region
    return region.area > 0 and screen.region.contains_region(region)


@pytest.mark.parametrize("size", [(80, 24), (60, 15)])
def test_every_step_fits_small_terminals(recorder: Recorder, size: tuple[int, int]) -> None:
    checked: list[str] = []

    async def fits(pilot: Pilot) -> None:
        screen = pilot.app.screen
        for button in screen.query(Button):
            assert _inside(button, screen), (type(screen).__name__, str(button.label))
        for keys in screen.query(".keys"):
            assert _inside(keys, screen)
        for toggle in screen.query(ShareToggle):
            assert _inside(toggle, screen)
            assert toggle.region.width >= len("[x] Share anonymous usage data: ON")
        checked.append(type(screen).__name__)

    code = run_setup(recorder, fits, "enter", fits, "enter", fits, "q", size=size)

    assert code == 0
    assert checked == ["WelcomeScreen", "PrivacyScreen", "FinishScreen"]


def test_a_resize_redraws_the_step_to_the_new_size(recorder: Recorder) -> None:
    widths: list[int] = []

    async def shrink(pilot: Pilot) -> None:
        await pilot.resize_terminal(60, 15)
        await pilot.pause()
        screen = pilot.app.screen
        assert pilot.app.size == (60, 15)
        for button in screen.query(Button):
            assert _inside(button, screen)
        toggle = screen.query_one(ShareToggle)
        assert _inside(toggle, screen)
        widths.append(screen.query_one("#body").region.width)

    async def grow(pilot: Pilot) -> None:
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        widths.append(pilot.app.screen.query_one("#body").region.width)
        assert "[x] Share anonymous usage data: ON" in screen_text(pilot.app)

    run_setup(recorder, "enter", shrink, grow, "q")

    assert widths[0] < 60 < widths[1]


def test_the_welcome_says_the_install_is_done_only_when_install_sh_ran_it(
    recorder: Recorder,
) -> None:
    texts: list[str] = []

    async def read(pilot: Pilot) -> None:
        assert isinstance(pilot.app.screen, WelcomeScreen)
        texts.append(screen_text(pilot.app))

    run_setup(recorder, read, "q")
    run_setup(recorder, read, "q", install_trace=None)

    assert "Doorstep is installed." in texts[0]
    assert "Doorstep is installed." not in texts[1]
    assert "Nothing has been sent so far." in texts[1]


def test_the_keys_scroll_a_step_that_does_not_fit(recorder: Recorder) -> None:
    seen: list[float] = []

    async def look(pilot: Pilot) -> None:
        assert isinstance(pilot.app.screen, PrivacyScreen)
        seen.append(pilot.app.screen.query_one("#body").scroll_y)

    code = run_setup(
        recorder, "enter", "pagedown", look, "up", look, "pageup", look, "q", size=(60, 15)
    )

    assert code == 0
    assert seen[0] > 1 and seen[1] == seen[0] - 1 and seen[2] == 0, seen
