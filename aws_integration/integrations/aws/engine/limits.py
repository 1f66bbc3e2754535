"""Requests in flight to one service in one region: cut when AWS throttles, grown back as it answers.

AWS throttles per account, region and API with token buckets. botocore's retries back
a throttled request off, but the run's other requests to the same API keep arriving at
the same pace, and a request throttled on every attempt (or once the retry quota is
spent) fails its step. So each (service, region) of a run has its own limit, under the
run's bound, judged over windows of answers (as many as the limit, at least
``MIN_WINDOW``): when at least ``CUT_SHARE`` of a window's answers were throttling
errors, the limit halves; otherwise it grows by one, back up to the bound (additive
increase, multiplicative decrease, as TCP does). Only requests in flight count against
it: a limit that also counted the requests waiting for a slot of the run would keep the
service's other requests out of that queue (0.5 s more on the bench's calm run).
Throttling of a few requests here and there, whatever the pace, is left to botocore's
retries: only a service asked faster than it answers is slowed down.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

MIN_WINDOW = 16
CUT_SHARE = 0.3
_THROTTLING = ThrottledRetryableChecker()  # the error codes botocore's standard retries treat as throttling


class AdaptiveLimit:
    """At most ``limit`` requests of one service in flight, each also holding a slot of the run; the limit adapts."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = ceiling
        self.limit = ceiling
        self.in_flight = 0
        self.cuts = 0
        self.lowest = ceiling
        self._answers = 0
        self._throttled = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def binding(self) -> bool:
        """Whether the limit is below the run's bound (at the bound, the run's slots alone decide)."""
        return self.limit < self.ceiling

    @contextlib.asynccontextmanager
    async def within(self, slots: asyncio.Semaphore) -> AsyncIterator[None]:
        """A slot of the run and a place under this limit, held together for one request.

        Only requests in flight count: a request waiting for a slot holds no place, and a
        request that finds the limit full gives its slot back and waits for room, so a
        cut holds back requests already queued for slots too.
        """
        while True:
            await slots.acquire()
            if not self.binding or self.in_flight < self.limit:
                break
            slots.release()
            await self._room()
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            slots.release()
            self._wake()

    async def _room(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._wake()  # it was let in, but will not go: the next one may
            raise

    def throttled(self) -> None:
        """An answer was a throttling error (botocore will retry it)."""
        self._throttled += 1
        self._judge()

    def answered(self) -> None:
        """An answer that was not a throttling error."""
        self._judge()

    def _judge(self) -> None:
        self._answers += 1
        if self._answers < max(self.limit, MIN_WINDOW):
            return
        share = self._throttled / self._answers
        self._answers = self._throttled = 0
        if share >= CUT_SHARE:
            if self.limit > 1:
                self.limit //= 2
                self.lowest = min(self.lowest, self.limit)
                self.cuts += 1
        elif self.limit < self.ceiling:
            self.limit += 1
            self._wake()

    def _wake(self) -> None:
        room = self.limit - self.in_flight if self.binding else len(self._waiting)
        while room > 0 and self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                room -= 1


def is_throttling(response: Any) -> bool:
    """Whether botocore's ``needs-retry`` response (``(http_response, parsed)``, or None) is a throttling error."""
    parsed = response[1] if response else None
    return isinstance(parsed, Mapping) and _THROTTLING.is_retryable(
        RetryContext(attempt_number=1, parsed_response=parsed))


class Unlimited:
    """No limit of its own: a request holds a slot of the run, nothing else."""

    @staticmethod
    def within(slots: asyncio.Semaphore) -> asyncio.Semaphore:
        return slots
