"""The schedule on an injected clock (no real sleeping), and the inter-process instance lock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aws_integration.config import AwsInstance, Instance
from aws_integration.jobs.lock import InstanceBusy, InstanceLock
from aws_integration.jobs.scheduler import Scheduler

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


class FakeClock:
    """Time that moves only when the scheduler sleeps; stops the schedule at ``until``."""

    def __init__(self, start: datetime, until: datetime, stop: asyncio.Event) -> None:
        self.current = start
        self.until = until
        self.stop = stop
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)
        if self.current > self.until:
            self.stop.set()
        await asyncio.sleep(0)


def _instance(name: str, interval: str) -> Instance:
    return AwsInstance.model_validate({"name": name, "pollingInterval": interval})


def _schedule(
    instances: list[Instance],
    tmp_path: Path,
    hours: float,
    last_starts: dict[str, datetime] | None = None,
    run_seconds: float = 0.0,
) -> tuple[list[tuple[str, datetime]], FakeClock]:
    """Run a schedule for ``hours`` of fake time; returns (instance, start time) of every run."""
    started: list[tuple[str, datetime]] = []

    async def scenario() -> FakeClock:
        stop = asyncio.Event()
        clock = FakeClock(T0, T0 + timedelta(hours=hours), stop)

        async def run(instance: Instance) -> None:
            started.append((instance.name, clock.now()))
            if run_seconds:
                await clock.sleep(run_seconds)

        scheduler = Scheduler(
            instances, run, (last_starts or {}).get, lambda name: InstanceLock(tmp_path / "graph.sqlite", name), clock
        )
        await asyncio.wait_for(scheduler.run(stop), timeout=10)
        return clock

    clock = asyncio.run(scenario())
    return started, clock


def _offsets(started: list[tuple[str, datetime]], name: str) -> list[float]:
    return [(when - T0).total_seconds() / 3600 for who, when in started if who == name]


def test_each_instance_runs_on_its_interval_and_disabled_ones_never(tmp_path: Path) -> None:
    instances = [_instance("hourly", "ONE_HOUR"), _instance("half-hourly", "THIRTY_MINUTES"),
                 _instance("by-hand", "DISABLED"), _instance("daily", "ONE_DAY")]
    started, clock = _schedule(instances, tmp_path, hours=3)
    assert _offsets(started, "hourly") == [0, 1, 2, 3]
    assert _offsets(started, "half-hourly") == [0, 0.5, 1, 1.5, 2, 2.5, 3]
    assert _offsets(started, "daily") == [0]
    assert _offsets(started, "by-hand") == []
    assert max(clock.sleeps) <= 30 * 60  # it slept until the next due run, never past it


def test_the_rhythm_continues_from_the_last_stored_start(tmp_path: Path) -> None:
    started, _ = _schedule([_instance("hourly", "ONE_HOUR")], tmp_path, hours=2,
                           last_starts={"hourly": T0 - timedelta(minutes=15)})
    assert _offsets(started, "hourly") == [0.75, 1.75]


def test_after_a_long_pause_an_instance_catches_up_once(tmp_path: Path) -> None:
    started, _ = _schedule([_instance("hourly", "ONE_HOUR")], tmp_path, hours=1.5,
                           last_starts={"hourly": T0 - timedelta(hours=7)})
    assert _offsets(started, "hourly") == [0, 1]


def test_a_run_longer_than_its_interval_is_never_doubled(tmp_path: Path) -> None:
    # Each run takes 50 minutes of a 30-minute interval: the next starts only when it ends.
    started, _ = _schedule([_instance("slow", "THIRTY_MINUTES")], tmp_path, hours=3, run_seconds=50 * 60)
    offsets = _offsets(started, "slow")
    assert all(later - earlier >= 50 / 60 - 1e-9 for earlier, later in zip(offsets, offsets[1:]))
    assert len(offsets) >= 3


def test_an_instance_locked_elsewhere_is_retried_later(tmp_path: Path) -> None:
    with InstanceLock(tmp_path / "graph.sqlite", "hourly"):
        started, clock = _schedule([_instance("hourly", "ONE_HOUR")], tmp_path, hours=0.2)
    assert started == []
    assert clock.sleeps[0] == 60  # tried again a minute later
    started, _ = _schedule([_instance("hourly", "ONE_HOUR")], tmp_path, hours=0.2)
    assert _offsets(started, "hourly") == [0]


def test_stopping_cancels_the_run_in_flight_and_releases_its_lock(tmp_path: Path) -> None:
    cancelled: list[str] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        begun = asyncio.Event()

        async def run(instance: Instance) -> None:
            begun.set()
            try:
                await asyncio.Event().wait()  # a run that would go on for ever
            except asyncio.CancelledError:
                cancelled.append(instance.name)
                raise

        scheduler = Scheduler([_instance("long", "ONE_HOUR")], run, lambda name: None,
                              lambda name: InstanceLock(tmp_path / "graph.sqlite", name))
        task = asyncio.create_task(scheduler.run(stop))
        await asyncio.wait_for(begun.wait(), timeout=5)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(scenario())
    assert cancelled == ["long"]
    assert InstanceLock(tmp_path / "graph.sqlite", "long").acquire()


def test_the_lock_holds_across_processes_and_dies_with_its_holder(tmp_path: Path) -> None:
    store = tmp_path / "graph.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from aws_integration.jobs.lock import InstanceLock
            lock = InstanceLock(Path({str(store)!r}), "prod")
            assert lock.acquire()
            print("held", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(InstanceBusy, match="instance 'prod' is already running"):
            with InstanceLock(store, "prod"):
                pass
        assert InstanceLock(store, "other").acquire()  # other instances are not affected
    finally:
        holder.kill()
        holder.wait()
    with InstanceLock(store, "prod") as lock:  # the kernel released the dead holder's lock
        assert lock.held


def test_lock_files_are_named_safely_for_any_instance_name(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / "graph.sqlite", "../prod account/1")
    second = InstanceLock(tmp_path / "graph.sqlite", ".._prod_account_1")
    assert first.path.parent == tmp_path / "graph.sqlite.locks"
    assert first.path != second.path
    assert first.acquire() and second.acquire()


def test_a_failing_run_is_logged_and_the_schedule_goes_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from aws_integration.store import StoreError

    calls: list[datetime] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        clock = FakeClock(T0, T0 + timedelta(hours=1), stop)

        async def run(instance: Instance) -> None:
            calls.append(clock.now())
            raise StoreError("cannot write store graph.sqlite: database or disk is full")

        scheduler = Scheduler([_instance("hourly", "ONE_HOUR")], run, lambda name: None,
                              lambda name: InstanceLock(tmp_path / "graph.sqlite", name), clock)
        await asyncio.wait_for(scheduler.run(stop), timeout=10)

    asyncio.run(scenario())
    assert [(when - T0).total_seconds() for when in calls] == [0, 3600]
    messages = [record.getMessage() for record in caplog.records if record.name == "aws_integration.schedule"]
    assert messages.count("run of instance hourly failed: cannot write store graph.sqlite: database or disk is full") == 2
    assert all(record.exc_info is None for record in caplog.records)
