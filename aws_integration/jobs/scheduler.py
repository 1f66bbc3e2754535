"""The long-running schedule: each instance on its polling interval, never two runs of one at once.

An instance is due one interval after its last start (from the store when the
scheduler starts, so a restart keeps the rhythm); one never run is due at once. After
a pause longer than an interval (a stopped process, a suspended laptop) it runs once
and the next run is an interval later: missed runs are not replayed. ``DISABLED``
instances are never scheduled. Before each run the instance's lock is taken; when
another process holds it (a cron ``ingest``), the scheduler tries again later.

Time comes from a :class:`Clock`, so tests drive a day of schedule without sleeping.
Stopping (``stop`` set, e.g. by SIGTERM) cancels the runs in flight: a cancelled run
stores nothing and is recorded as interrupted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Protocol

from aws_integration.config import Instance
from aws_integration.errors import IntegrationError
from aws_integration.jobs.lock import RunLock
from aws_integration.store import StoreError

log = logging.getLogger("aws_integration.schedule")
BUSY_RETRY = timedelta(minutes=1)
MAX_SLEEP = timedelta(minutes=5)


class Clock(Protocol):
    """Where the scheduler reads the time and waits."""

    def now(self) -> datetime:
        """The current time (timezone-aware)."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """UTC now."""
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)


class Scheduler:
    """Runs instances on their intervals until ``stop`` is set."""

    def __init__(
        self,
        instances: Sequence[Instance],
        run_instance: Callable[[Instance], Awaitable[object]],
        last_start: Callable[[str], datetime | None],
        lock_for: Callable[[str], RunLock],
        clock: Clock | None = None,
    ) -> None:
        self.instances = [instance for instance in instances if instance.polling_interval.period is not None]
        self._run_instance = run_instance
        self._last_start = last_start
        self._lock_for = lock_for
        self.clock = clock or SystemClock()
        self._started: dict[str, datetime] = {}
        self._retry_at: dict[str, datetime] = {}

    def next_due(self, instance: Instance) -> datetime | None:
        """When ``instance`` should next start (None: it never runs on its own, or has never run)."""
        period = instance.polling_interval.period
        if period is None:
            return None
        last = self._started.get(instance.name) or self._last_start(instance.name)
        due = last + period if last else None
        retry = self._retry_at.get(instance.name)
        if retry is not None and (due is None or retry > due):
            return retry
        return due

    def _is_due(self, instance: Instance, now: datetime) -> bool:
        due = self.next_due(instance)
        return due is None or due <= now

    async def run(self, stop: asyncio.Event) -> None:
        """Schedule until ``stop`` is set; then cancel the runs in flight and wait for them to wind up."""
        running: dict[str, asyncio.Task[None]] = {}
        stopper = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                now = self.clock.now()
                for instance in self.instances:
                    if instance.name not in running and self._is_due(instance, now):
                        task = self._start(instance, now)
                        if task is not None:
                            running[instance.name] = task
                sleeper = asyncio.create_task(self.clock.sleep(self._seconds_to_next(running, now)))
                await asyncio.wait({sleeper, stopper, *running.values()}, return_when=asyncio.FIRST_COMPLETED)
                sleeper.cancel()
                for name in [name for name, task in running.items() if task.done()]:
                    running.pop(name)
        finally:
            stopper.cancel()
            for task in running.values():
                task.cancel()
            if running:
                log.warning("stopping: %d run(s) in flight interrupted; they store nothing", len(running))
                await asyncio.gather(*running.values(), return_exceptions=True)

    def _seconds_to_next(self, running: dict[str, asyncio.Task[None]], now: datetime) -> float:
        wakes = [self.next_due(instance) for instance in self.instances if instance.name not in running]
        nearest = min((wake for wake in wakes if wake is not None), default=now + MAX_SLEEP)
        return max(0.0, min(nearest - now, MAX_SLEEP).total_seconds())

    def _start(self, instance: Instance, now: datetime) -> asyncio.Task[None] | None:
        lock = self._lock_for(instance.name)
        if not lock.acquire():
            self._retry_at[instance.name] = now + BUSY_RETRY
            log.warning("instance %s is running in another process; trying again at %s",
                        instance.name, (now + BUSY_RETRY).isoformat(timespec="seconds"))
            return None
        self._retry_at.pop(instance.name, None)
        self._started[instance.name] = now
        return asyncio.create_task(self._run_locked(instance, lock))

    async def _run_locked(self, instance: Instance, lock: RunLock) -> None:
        try:
            await self._run_instance(instance)
        except (IntegrationError, StoreError) as error:  # e.g. a full disk: the next run may succeed
            log.error("run of instance %s failed: %s", instance.name, error)
        except Exception:  # a bug in one run must not stop the schedule of every instance
            log.exception("run of instance %s failed", instance.name)
        finally:
            lock.release()
