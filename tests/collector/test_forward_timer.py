"""PostHog learns neither when an event arrived nor the forwarding URL's password.

Events go to PostHog in batches on a timer (an hour or more, with jitter), not as they
arrive; the capture server on 127.0.0.1 stands in for PostHog.
"""

from __future__ import annotations

from doorstep.collector import forward
from doorstep.collector.forward import Forwarder
from tests.collector.conftest import make_body, post, start_process
from tests.support import capture as capture_module

KEY = "phc_testkey0123456789abcdef"


def _posthog_url(capture) -> str:
    return capture.url.replace("/v1/events", "/batch/")


def test_nothing_is_posted_as_events_arrive_only_when_the_batch_is_due():
    posthog = capture_module.start()
    forwarder = Forwarder(_posthog_url(posthog), KEY)  # the default interval: an hour
    try:
        forwarder.start()
        for _ in range(3):
            forwarder.offer(make_body([("install_started", {"kind": "fresh"})] * 4))
        assert not posthog.wait_for(lambda c: len(c.requests) > 0, timeout=1.0)
        counts = forwarder.close()
    finally:
        posthog.close()

    assert len(posthog.requests) == 1  # one batch for all three arrivals
    assert len(posthog.requests[0].json()["batch"]) == 12
    assert counts.forwarded == 12


def test_batches_go_out_on_the_timer_without_a_close():
    posthog = capture_module.start()
    forwarder = Forwarder(_posthog_url(posthog), KEY, interval=0.2)
    try:
        forwarder.start()
        forwarder.offer(make_body([("install_started", {"kind": "fresh"})] * 3))
        assert posthog.wait_for(lambda c: sum(len(b["batch"]) for b in c.bodies()) == 3)
        forwarder.offer(make_body([("install_started", {"kind": "fresh"})] * 2))
        assert posthog.wait_for(lambda c: sum(len(b["batch"]) for b in c.bodies()) == 5)
    finally:
        forwarder.close()
        posthog.close()


def test_the_wait_is_the_interval_and_up_to_half_again():
    assert forward.INTERVAL >= 3600
    low = Forwarder("http://127.0.0.1:9/batch/", KEY, chance=lambda: 0.0)
    high = Forwarder("http://127.0.0.1:9/batch/", KEY, chance=lambda: 0.999)
    assert low.next_wait() == forward.INTERVAL
    assert forward.INTERVAL < high.next_wait() < 1.5 * forward.INTERVAL


def test_a_password_in_the_url_is_never_printed():
    assert forward.shown("https://user:s3cret@ph.example/batch/") == "https://***@ph.example/batch/"
    assert (
        forward.shown("https://token@ph.example/batch/?k=v") == "https://***@ph.example/batch/?***"
    )
    assert forward.shown("https://ph.example/batch/") == "https://ph.example/batch/"


def test_the_start_up_line_shows_the_url_with_its_password_hidden(tmp_path, db):
    posthog = capture_module.start()
    url = _posthog_url(posthog).replace("http://", "http://someone:s3cret@") + "?token=t0ken"
    try:
        served = start_process(
            tmp_path, db, "--forward-posthog", url, env={"DOORSTEP_POSTHOG_KEY": KEY}
        )
        try:
            assert post(served.url, make_body()).status_code == 204
        finally:
            assert served.stop() == 0
    finally:
        posthog.close()
    printed = served.printed()
    shown = _posthog_url(posthog).replace("http://", "http://***@") + "?***"
    assert f"forwarding accepted events to PostHog at {shown}," in printed
    for secret in ("someone", "s3cret", "t0ken", KEY):
        assert secret not in printed
    assert len(posthog.requests) == 1  # posted once, at the stop
