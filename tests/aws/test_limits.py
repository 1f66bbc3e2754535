"""Requests in flight to one service in one region: cut when AWS throttles, grown back as it answers."""

from __future__ import annotations

import asyncio

import pytest

from aws_integration.integrations.aws.engine.limits import MIN_WINDOW, AdaptiveLimit, is_throttling


def _many_slots() -> asyncio.Semaphore:
    """Slots of the run enough for every request of a test: the limit alone holds them back."""
    return asyncio.Semaphore(100)


def _answers(limit: AdaptiveLimit, count: int, *, throttled: int = 0) -> None:
    for _ in range(throttled):
        limit.throttled()
    for _ in range(count - throttled):
        limit.answered()


def test_a_window_mostly_throttled_halves_the_limit() -> None:
    limit = AdaptiveLimit(64)
    _answers(limit, 64, throttled=32)
    assert (limit.limit, limit.cuts, limit.lowest) == (32, 1, 32)
    _answers(limit, 32, throttled=16)  # the next window is as long as the new limit
    assert (limit.limit, limit.cuts, limit.lowest) == (16, 2, 16)


def test_throttling_here_and_there_is_left_to_the_retries() -> None:
    limit = AdaptiveLimit(64)
    for _ in range(10):
        _answers(limit, 64, throttled=6)  # 10%: botocore's retries deal with it
    assert (limit.limit, limit.cuts) == (64, 0)


def test_the_limit_grows_back_one_at_a_time_up_to_the_ceiling() -> None:
    limit = AdaptiveLimit(8)
    _answers(limit, MIN_WINDOW, throttled=MIN_WINDOW)
    _answers(limit, MIN_WINDOW, throttled=MIN_WINDOW)
    assert limit.limit == 2
    _answers(limit, MIN_WINDOW)
    assert limit.limit == 3
    for _ in range(20):
        _answers(limit, MIN_WINDOW)
    assert (limit.limit, limit.lowest) == (8, 2)


def test_the_limit_never_falls_below_one() -> None:
    limit = AdaptiveLimit(4)
    for _ in range(10):
        _answers(limit, MIN_WINDOW, throttled=MIN_WINDOW)
    assert (limit.limit, limit.cuts) == (1, 2)  # cut twice: 4 -> 2 -> 1


def test_requests_wait_for_room_and_a_grown_limit_lets_more_in() -> None:
    async def scenario() -> list[int]:
        limit = AdaptiveLimit(4)
        _answers(limit, MIN_WINDOW, throttled=MIN_WINDOW)  # 4 -> 2
        release = asyncio.Event()
        seen: list[int] = []

        async def request() -> None:
            async with limit.within(_many_slots()):
                seen.append(limit.in_flight)
                await release.wait()

        tasks = [asyncio.create_task(request()) for _ in range(4)]
        await asyncio.sleep(0.01)
        first = limit.in_flight
        _answers(limit, MIN_WINDOW)  # 2 -> 3: one more goes in at once
        await asyncio.sleep(0.01)
        second = limit.in_flight
        release.set()
        await asyncio.gather(*tasks)
        return [first, second, limit.in_flight, max(seen)]

    assert asyncio.run(scenario()) == [2, 3, 0, 3]


def test_a_waiter_cancelled_after_it_was_let_in_passes_its_turn_on() -> None:
    async def scenario() -> int:
        limit = AdaptiveLimit(2)
        _answers(limit, MIN_WINDOW, throttled=MIN_WINDOW)  # 2 -> 1
        holder_in, release = asyncio.Event(), asyncio.Event()

        async def holder() -> None:
            async with limit.within(_many_slots()):
                holder_in.set()
                await release.wait()

        async def waiter() -> None:
            async with limit.within(_many_slots()):
                await asyncio.sleep(0)

        first = asyncio.create_task(holder())
        await holder_in.wait()
        cancelled, patient = asyncio.create_task(waiter()), asyncio.create_task(waiter())
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.sleep(0)  # the holder leaves and wakes the first waiter...
        cancelled.cancel()  # ...which is cancelled before it runs
        await asyncio.wait_for(patient, timeout=2)  # the other one still gets in
        await asyncio.gather(first, cancelled, return_exceptions=True)
        return limit.in_flight

    assert asyncio.run(scenario()) == 0


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "RequestLimitExceeded", "SlowDown",
                                  "TooManyRequestsException"])
def test_throttling_errors_are_recognised_by_their_codes(code: str) -> None:
    assert is_throttling((object(), {"Error": {"Code": code}}))


@pytest.mark.parametrize("response", [None, (object(), {"Error": {"Code": "AccessDenied"}}),
                                      (object(), {"Reservations": []}), (object(), None)])
def test_other_answers_are_not_throttling(response: object) -> None:
    assert not is_throttling(response)


def test_a_limit_at_the_run_bound_holds_nothing_back_and_lets_everyone_in_when_it_grows_back() -> None:
    async def scenario() -> list[int]:
        limit = AdaptiveLimit(2)
        release = asyncio.Event()

        async def request() -> None:
            async with limit.within(_many_slots()):
                await release.wait()

        free = [asyncio.create_task(request()) for _ in range(3)]  # at the bound: the run's slots decide
        await asyncio.sleep(0.01)
        seen = [limit.in_flight]
        _answers(limit, MIN_WINDOW, throttled=MIN_WINDOW)  # cut to 1: the next ones wait
        held = [asyncio.create_task(request()) for _ in range(2)]
        await asyncio.sleep(0.01)
        seen.append(limit.in_flight)
        _answers(limit, MIN_WINDOW)  # back at the bound: every waiter goes in
        await asyncio.sleep(0.01)
        seen.append(limit.in_flight)
        release.set()
        await asyncio.gather(*free, *held)
        return [*seen, limit.in_flight]

    assert asyncio.run(scenario()) == [3, 3, 5, 0]


def test_a_cut_holds_back_requests_already_waiting_for_a_slot() -> None:
    async def scenario() -> list[int]:
        limit, slots = AdaptiveLimit(2), asyncio.Semaphore(2)
        releases = [asyncio.Event() for _ in range(5)]

        async def request(number: int) -> None:
            async with limit.within(slots):
                await releases[number].wait()

        tasks = [asyncio.create_task(request(number)) for number in range(5)]
        await asyncio.sleep(0.01)
        seen = [limit.in_flight]  # two in flight, three waiting for a slot
        _answers(limit, MIN_WINDOW, throttled=MIN_WINDOW)  # cut to 1
        releases[0].set()
        await asyncio.sleep(0.01)
        seen += [limit.in_flight, slots._value]  # the next one got a slot, found no room, gave it back
        for release in releases:
            release.set()
        await asyncio.gather(*tasks)
        return [*seen, limit.in_flight, slots._value]

    assert asyncio.run(scenario()) == [2, 1, 1, 0, 2]
