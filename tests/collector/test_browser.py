"""The dashboard in a real browser: headless Chromium loads it from a real collector.

The data reaches the collector through the client: ``telemetry.record`` in processes of
their own, with consent, and their detached senders; and bodies the client's own code
builds for more installs. Chromium (Debian's, installed by tests/run.sh) draws the page
at 1280 and 390 pixels, light and dark; the screenshots are kept in
``build/test-artifacts/dashboard/`` (or ``$DOORSTEP_TEST_ARTIFACTS``). The DOM must
hold the numbers ``report --json`` prints, the page must fit its width, and the browser
must request nothing but the page and log no error. Two pages made to break those rules
show that the checks catch a foreign request and a refused one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.collector.dashboard import page as page_module
from tests.collector.conftest import count, free_port, start_process, wait_until
from tests.collector.dashboard_data import assert_same_numbers, fill, report_json
from tests.support import browser
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]


def artifacts() -> Path:
    folder = Path(os.environ.get("DOORSTEP_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    (folder / "dashboard").mkdir(parents=True, exist_ok=True)
    return folder / "dashboard"


@pytest.fixture(scope="module")
def chromium() -> Iterator[browser.Browser]:
    assert browser.executable(), "chromium is missing: tests/run.sh installs it"
    with browser.Browser() as started:
        yield started


def _record(env: dict[str, str], *events: str) -> None:
    code = "from doorstep.delivery import telemetry\n" + "\n".join(
        f"telemetry.record({e})" for e in events
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def dashboard(tmp_path: Path, db: Path, monkeypatch) -> Iterator[tuple[str, Path]]:
    port = free_port()
    process = start_process(tmp_path, db, "--dashboard-port", str(port))
    try:
        monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", process.url)
        assert run("telemetry", "enable").returncode == 0
        env = dict(os.environ)
        _record(
            env,
            "'install_started', kind='fresh', method='script'",
            "'install_stage_completed', stage='preflight', duration=0.4",
            "'install_failed', stage='environment', error='venv_failed'",
        )
        assert wait_until(lambda: count(db) >= 3, timeout=30), "the client's events never came"
        fill(process.url)
        yield f"http://127.0.0.1:{port}/dashboard", db
    finally:
        process.stop()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_browser_draws_the_reports_numbers_and_nothing_else(chromium, dashboard, width, dark):
    url, db = dashboard
    visit = chromium.open(f"{url}?days=30", width=width, dark=dark)
    scheme = "dark" if dark else "light"
    (artifacts() / f"dashboard-{width}-{scheme}.png").write_bytes(visit.screenshot)

    assert visit.errors == []
    assert visit.requests == [f"{url}?days=30"]  # the page alone: no font, image or script
    assert visit.width == width  # no sideways scrolling:
    assert visit.scroll_width <= width and visit.too_wide == [], visit.too_wide
    dark_background = visit.background in ("rgb(17, 20, 25)",)
    assert dark_background == dark, visit.background
    data = report_json(db, "--days", "30")
    assert_same_numbers(visit.html, data)
    assert data["totals"]["installs"] == 8  # the client's install and seven more
    assert visit.screenshot.startswith(b"\x89PNG")


def test_the_window_links_work_in_the_browser(chromium, dashboard):
    url, db = dashboard
    visit = chromium.open(f"{url}?days=7", width=1280)

    assert '<strong aria-current="page">7 days</strong>' in visit.html
    assert_same_numbers(visit.html, report_json(db, "--days", "7"))


def test_a_foreign_request_and_a_refused_one_are_caught(chromium, tmp_path):
    # Controls for the checks above: a page that asks another host for an image is seen
    # asking, and the same page under the dashboard's policy logs the refusal. (No name
    # resolves in this browser, so the asking never leaves the machine.)
    image = '<img src="http://fonts.example.com/pixel.png" alt="">'
    loose = tmp_path / "loose.html"
    loose.write_text(f"<!doctype html><title>x</title>{image}", encoding="utf-8")
    strict = tmp_path / "strict.html"
    policy = f'<meta http-equiv="Content-Security-Policy" content="{page_module.CSP}">'
    strict.write_text(f"<!doctype html><title>x</title>{policy}{image}", encoding="utf-8")

    foreign = "http://fonts.example.com/pixel.png"
    asked = chromium.open(loose.as_uri(), width=390)
    assert foreign in asked.requests and foreign not in asked.blocked
    refused = chromium.open(strict.as_uri(), width=390)
    assert refused.blocked == [foreign]
    assert any("Content Security Policy" in error for error in refused.errors), refused.errors
