"""The sliding-window throttle: the same budget as DRF's timestamp list, in three numbers per client."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework import exceptions

from berdaya.api.errors import exception_handler
from berdaya.api.throttling import FLUSH_SECONDS, PENDING_SHARE, PerTokenThrottle, WindowThrottle


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def throttle(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "4/min", "anon": "4/min"}}
    clock = Clock(600.0)  # the start of a minute window
    made = PerTokenThrottle()
    made.timer = clock
    return made, clock


def _request(user_pk: int = 7):
    return SimpleNamespace(auth=None, user=SimpleNamespace(pk=user_pk, is_authenticated=True))


def test_it_allows_the_rate_in_a_window_and_refuses_the_next(throttle):
    made, clock = throttle
    for second in range(4):
        clock.at = 600.0 + second
        assert made.allow_request(_request(), None)
    clock.at = 610.0
    assert not made.allow_request(_request(), None)
    # Until the window ends and its four requests have weighed less than the budget: 50 s, then 15 s of the next.
    assert made.wait() == 65
    # Another client has its own budget.
    assert made.allow_request(_request(user_pk=8), None)


def test_the_previous_window_weighs_by_its_overlap(throttle):
    made, clock = throttle
    for _ in range(4):
        assert made.allow_request(_request(), None)
    clock.at = 660.0  # the next window starts: the previous four still weigh in full
    assert not made.allow_request(_request(), None)
    assert made.wait() == 15  # at 675 the previous window weighs 3
    clock.at = 675.5
    assert made.allow_request(_request(), None)
    assert not made.allow_request(_request(), None)
    clock.at = 780.0  # two windows later nothing weighs
    for _ in range(4):
        assert made.allow_request(_request(), None)


def test_it_keeps_three_numbers_whatever_the_rate(throttle, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/min"}}
    made = PerTokenThrottle()
    clock = made.timer = Clock(600.0)
    for _ in range(500):
        assert made.allow_request(_request(), None)
    # Far below a large budget, this process writes its count every FLUSH_SECONDS, not on every request.
    assert cache.get(made.key) is None
    clock.at += FLUSH_SECONDS
    assert made.allow_request(_request(), None)
    assert cache.get(made.key) == (10, 501, 0)


def test_other_processes_overrun_a_large_budget_by_at_most_a_twentieth_each(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "200/min"}}
    processes = [{}, {}, {}, {}]
    allowed = 0
    for _round in range(100):
        for pending in processes:  # each server process has its own pending counts, the cache is shared
            WindowThrottle.pending = pending
            made = PerTokenThrottle()
            made.timer = Clock(600.0)
            allowed += made.allow_request(_request(), None)
    WindowThrottle.pending = {}
    assert 200 <= allowed <= 200 + 4 * 200 // PENDING_SHARE


def _anonymous(address: str, forwarded: str = ""):
    meta = {"REMOTE_ADDR": address}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return SimpleNamespace(auth=None, user=SimpleNamespace(is_authenticated=False), META=meta)


@pytest.mark.parametrize("proxies", [0, 1])
def test_an_anonymous_client_cannot_pick_a_fresh_address_per_request(settings, proxies):
    from berdaya.api.throttling import AnonymousThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "4/min", "anon": "4/min"}}
    settings.BERDAYA = {**settings.BERDAYA, "TRUSTED_PROXIES": proxies}
    made = AnonymousThrottle()
    made.timer = Clock(600.0)
    # Directly (no proxy) the address is the socket's; behind one proxy, the entry that proxy appended (the last).
    allowed = [made.allow_request(_anonymous("10.0.0.1", f"9.9.9.{i}, 203.0.113.5"), None) for i in range(6)]
    assert allowed == [True] * 4 + [False] * 2


def test_clients_of_windows_that_no_longer_weigh_are_forgotten(settings, monkeypatch):
    from berdaya.api import throttling

    monkeypatch.setattr(throttling, "PENDING_PRUNE_AT", 10)
    # A large budget: one request each stays pending (unwritten) in this process.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "1000/min"}}
    made, clock = PerTokenThrottle(), Clock(600.0)
    made.timer = clock
    for user_pk in range(10):
        made.allow_request(_request(user_pk), None)  # one request each: below any flush, kept pending
    assert len(WindowThrottle.pending) == 10
    clock.at = 600.0 + 2 * 60  # two windows later
    made.allow_request(_request(99), None)
    assert set(WindowThrottle.pending) == {made.key}


def test_a_wait_in_whole_seconds_is_said_as_it_is_sent():
    response = exception_handler(exceptions.Throttled(wait=9), {})
    assert response is not None and response["Retry-After"] == "9"
    assert "dalam 9 detik" in response.data["detail"]


@pytest.mark.parametrize(("wait", "said"), [(1, "in 1 second."), (2, "in 2 seconds.")])
def test_english_says_one_second_and_seconds(wait, said):
    from django.utils import translation

    with translation.override("en"):
        response = exception_handler(exceptions.Throttled(wait=wait), {})
    assert response is not None and response["Retry-After"] == str(wait)
    assert response.data["detail"].endswith(said)
