"""Accounts' steps collected in several processes: the children take bundles of steps, the parent stores everything.

A run is CPU-bound long before it is network-bound (signing, parsing and transforming
a large account's answers keep one core busy), and one Python process uses one core.
So a job on several cores starts a child process per extra core as it begins (a child
needs about half a second to import botocore, which the preflight's calls cover), and
keeps them for every account it collects: an Organization's member accounts in flight
share the same children. Each run in flight has a counter in shared memory; every
process, the parent included, takes bundles of steps (:mod:`aws_integration.steps.shares`)
from it as it has room for them. A child builds its own clients with the run's
credentials, runs the bundles it takes on the neutral runner, and hands its records back a
page at a time; the parent puts them in the run's sink (the store stages them) as they
come, tagged as its own would be, and merges the children's reports into one.

Credentials go to a child through a pipe of its own, never through a log, the store,
a report or an exception; a child whose credentials near expiry asks the parent, which
refreshes the run's own (an assumed role) and answers. A child that ends without a report
(killed, out of memory) fails the steps it took, with the exit code; what it handed back of
units that succeeded stays, its types are partial, and nothing is deleted in its scopes.
The runs that follow are collected by the processes that are left.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import multiprocessing
import os
import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from aiobotocore.credentials import AioCredentials, AioRefreshableCredentials
from aiobotocore.session import AioSession
from botocore.credentials import RefreshableCredentials

from aws_integration.errors import brief
from aws_integration.graph.model import Entity, Relationship
from aws_integration.graph.sink import GraphSink
from aws_integration.integrations.aws.engine.workers import follow_parent
from aws_integration.steps.runner import CollectedGraph, StepRunner

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # how often the parent checks that a silent child is still alive
STOP_SECONDS = 5.0


class PassedCredentials:
    """A set of credentials on its way to a child; its text never shows them."""

    def __init__(self, access_key: str, secret_key: str, token: str | None, expiry: datetime | None) -> None:
        self.access_key, self.secret_key, self.token, self.expiry = access_key, secret_key, token, expiry

    def __repr__(self) -> str:
        return "<credentials>"

    def metadata(self) -> dict[str, Any]:
        """What botocore's refreshable credentials are made of."""
        assert self.expiry is not None
        return {"access_key": self.access_key, "secret_key": self.secret_key, "token": self.token,
                "expiry_time": self.expiry.isoformat()}


async def current_credentials(session: AioSession) -> PassedCredentials | None:
    """The session's credentials as they are now (refreshed first when they near expiry)."""
    credentials = await session.get_credentials()
    if credentials is None:
        return None
    frozen = await credentials.get_frozen_credentials()
    expiry = credentials._expiry_time if isinstance(credentials, RefreshableCredentials) else None  # noqa: SLF001
    return PassedCredentials(frozen.access_key, frozen.secret_key, frozen.token, expiry)


class SharedClaims:
    """The bundles of a run, taken one at a time by whichever process has room: a counter in
    shared memory, so taking one costs no message; ``own`` are taken before the counter's
    (the parent's root bundle), and ``announce`` tells the parent what a child took."""

    def __init__(self, bundles: Sequence[tuple[str, ...]], counter: Any, in_flight: int,
                 own: Sequence[int] = (), announce: Callable[[int], None] | None = None) -> None:
        self.bundles, self.in_flight = bundles, in_flight
        self._counter, self._own, self._announce = counter, list(own), announce

    def take(self) -> int | None:
        if self._own:
            return self._own.pop(0)
        with self._counter.get_lock():
            index: int = self._counter.value
            if index >= len(self.bundles):
                return None
            self._counter.value = index + 1
        if self._announce is not None:
            self._announce(index)
        return index


class RunCounter:
    """One run's counter of taken bundles: a slot of the counters every process of a job shares."""

    def __init__(self, counters: Any, slot: int) -> None:
        self._counters, self.slot = counters, slot

    def get_lock(self) -> Any:
        return self._counters.get_lock()

    @property
    def value(self) -> int:
        return int(self._counters[self.slot])

    @value.setter
    def value(self, value: int) -> None:
        self._counters[self.slot] = value


def new_counters(runs: int) -> Any:
    """The counters of ``runs`` runs in flight, made before the children start (they inherit them)."""
    return multiprocessing.get_context("spawn").Array("i", runs)


@dataclass(frozen=True)
class ShareOrder:
    """What a child needs to take part in a run: its counter, the bundles, where, as whom, and how to log."""

    slot: int
    bundles: tuple[tuple[str, ...], ...]
    in_flight: int
    work: Any  # the integration's own part (AWS: identity, regions, options), picklable
    profile: str | None
    region: str | None
    credentials: PassedCredentials | None
    log_levels: dict[str, int]


def _log_levels() -> dict[str, int]:
    """The levels the parent's loggers are set to ("" is the root logger)."""
    levels = {"": logging.getLogger().level}
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level:
            levels[name] = logger.level
    return levels


class _Outbox:
    """A run's records on their way to the parent (pickled by the queue's own thread)."""

    def __init__(self, results: Any, run: int) -> None:
        self._results, self._run = results, run

    def add(self, unit: int, entities: Sequence[Entity], relationships: Sequence[Relationship]) -> None:
        self._results.put(("records", self._run, unit, list(entities), list(relationships)))

    def keep(self, unit: int) -> None:
        self._results.put(("keep", self._run, unit))

    def discard(self, unit: int) -> None:
        self._results.put(("discard", self._run, unit))

    def entity_counts(self) -> dict[str, int]:
        return {}  # the parent counts what its sink holds

    def relationship_counts(self) -> dict[str, int]:
        return {}


class _ForwardLogs(logging.Handler):
    """A child's log records, as text, to the parent's loggers."""

    def __init__(self, results: Any) -> None:
        super().__init__()
        self._results = results

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self._results.put(("log", None, record))


def _child(orders: Connection, results: Any, counters: Any, parent: int) -> None:
    """A child process: take part in the runs it is given, until it is told to stop."""
    follow_parent(parent)
    logging.getLogger().handlers[:] = [_ForwardLogs(results)]
    asyncio.run(_serve(orders, results, counters))
    results.close()
    results.join_thread()
    gc.freeze()  # the last collection would walk the heap before the system takes it back (see cli.run)


def _receive(orders: Connection) -> tuple[Any, ...]:
    try:
        return orders.recv()  # type: ignore[no-any-return]
    except (EOFError, OSError):  # the parent is gone
        return ("stop",)


async def _serve(orders: Connection, results: Any, counters: Any) -> None:
    """Run each order as it comes, beside the others; route the parent's answers to the run that asked."""
    loop = asyncio.get_running_loop()
    runs: dict[int, asyncio.Task[None]] = {}
    answers: dict[int, asyncio.Future[PassedCredentials]] = {}
    while True:
        kind, *rest = await loop.run_in_executor(None, _receive, orders)
        if kind == "stop":
            break
        run = rest[0]
        if kind == "order":
            runs[run] = asyncio.create_task(_run_order(run, rest[1], counters, answers, results))
            runs[run].add_done_callback(lambda _, run=run: runs.pop(run, None))
        elif kind == "credentials" and run in answers:
            answers.pop(run).set_result(rest[1])
        elif kind == "cancel" and run in runs:
            runs[run].cancel()
    for task in runs.values():
        task.cancel()
    await asyncio.gather(*runs.values(), return_exceptions=True)


async def _run_order(run: int, order: ShareOrder, counters: Any,
                     answers: dict[int, asyncio.Future[PassedCredentials]], results: Any) -> None:
    """One run's part: the bundles this child takes of it, then its report (or why there is none)."""
    from aws_integration.integrations.aws.engine.clients import new_session
    from aws_integration.integrations.aws.engine.runner import run_share

    for name, level in order.log_levels.items():
        logging.getLogger(name or None).setLevel(level)

    async def ask_parent() -> PassedCredentials:
        answers[run] = asyncio.get_running_loop().create_future()
        results.put(("credentials?", run))
        return await answers[run]

    try:
        claims = SharedClaims(order.bundles, RunCounter(counters, order.slot), order.in_flight,
                              announce=lambda index: results.put(("claimed", run, index)))
        session = new_session(order.profile)
        if order.region:
            session.set_config_variable("region", order.region)
        if order.credentials is not None:
            session._credentials = child_credentials(order.credentials, ask_parent)  # noqa: SLF001 (see assume.py)
        collected, requests = await run_share(session, order.work, claims, _Outbox(results, run))
        results.put(("done", run, collected, requests))
    except Exception as error:  # noqa: BLE001 (whatever stops the share is the parent's to report)
        results.put(("failed", run, f"{type(error).__name__}: {brief(error)}"))


def child_credentials(given: PassedCredentials, ask_parent: Callable[[], Awaitable[PassedCredentials]]) -> AioCredentials:
    """The credentials a child signs with: the run's, asked again from the parent when they near expiry."""
    if given.expiry is None:
        return AioCredentials(given.access_key, given.secret_key, given.token)

    async def from_parent() -> dict[str, Any]:
        return (await ask_parent()).metadata()

    return AioRefreshableCredentials.create_from_metadata(given.metadata(), from_parent, "aws-integration-parent")


class ChildProcess:
    """One collecting child, started at once, that takes part in every run it is then given."""

    def __init__(self, counters: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._orders, child_end = context.Pipe()
        self._results = context.Queue()
        self.process = context.Process(target=_child, args=(child_end, self._results, counters, os.getpid()),
                                       name="aws-integration-collector", daemon=True)
        self.process.start()
        child_end.close()
        self._lock = threading.Lock()
        self._inboxes: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[Any, ...]]]] = {}
        self._exit_code: int | None = None  # once the child has ended
        self._unfinished = 0  # runs it was given that ended without its report
        self._reader = threading.Thread(target=self._read, name="collector-reader", daemon=True)
        self._reader.start()

    async def collect(self, run: int, order: ShareOrder, session: AioSession, runner: StepRunner,
                      sink: GraphSink) -> tuple[CollectedGraph | None, set[str], int, str | None]:
        """Give the child its part of ``run`` and put what it collects in ``sink`` through ``runner``.

        Answers its result, the steps it took, the requests it sent, and why it has no
        result when it ended without one.
        """
        inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        with self._lock:
            if self._exit_code is None:
                self._inboxes[run] = (asyncio.get_running_loop(), inbox)
        try:
            if run not in self._inboxes:
                raise BrokenPipeError
            self._orders.send(("order", run, order))
        except OSError:  # it has ended: the other processes take what it would have
            with self._lock:
                self._inboxes.pop(run, None)
            return None, set(), 0, "the process collecting this step had ended"
        self._unfinished += 1
        try:
            result = await self._relay(run, order.bundles, inbox, session, runner, sink)
            self._unfinished -= 1
            return result
        except asyncio.CancelledError:
            with contextlib.suppress(OSError):
                self._orders.send(("cancel", run))
            raise
        finally:
            with self._lock:
                self._inboxes.pop(run, None)

    async def _relay(self, run: int, bundles: Sequence[tuple[str, ...]], inbox: asyncio.Queue[tuple[Any, ...]],
                     session: AioSession, runner: StepRunner,
                     sink: GraphSink) -> tuple[CollectedGraph | None, set[str], int, str | None]:
        units: dict[int, int] = {}
        taken: set[str] = set()
        named = False
        while True:
            kind, _, *rest = await inbox.get()
            if kind == "records":
                if not named:  # the records are tagged with the account's name once it is known
                    await runner.named()
                    named = True
                unit, entities, relationships = rest
                runner.emit(units.setdefault(unit, runner.new_unit()), entities, relationships)
            elif kind == "keep":
                sink.keep(units.setdefault(rest[0], runner.new_unit()))
            elif kind == "discard":
                sink.discard(units.setdefault(rest[0], runner.new_unit()))
            elif kind == "claimed":
                taken.update(bundles[rest[0]])
            elif kind == "credentials?":
                self._orders.send(("credentials", run, await current_credentials(session)))
            elif kind == "done":
                return rest[0], taken, rest[1], None
            else:  # "failed", or "ended" without a word
                why = (f"the process collecting this step failed: {rest[0]}" if kind == "failed" else
                       f"the process collecting this step ended unexpectedly (exit code {rest[0]})")
                log.error("%s (steps %s)", why, ", ".join(sorted(taken)) or "none yet")
                return None, taken, 0, why

    def _read(self) -> None:
        """Hand the child's messages to the runs they belong to, its logs to the loggers, until it ends."""
        while True:
            try:
                message = self._results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self.process.is_alive():
                    continue
                self.process.join()
                message = ("ended", None, self.process.exitcode)
            except (EOFError, OSError):
                message = ("ended", None, self.process.exitcode)
            kind, run = message[0], message[1]
            if kind == "log":
                record: logging.LogRecord = message[2]
                logging.getLogger(record.name).handle(record)
                continue
            with self._lock:
                if kind == "ended":
                    self._exit_code = message[2]
                    targets = list(self._inboxes.values())
                else:
                    targets = [self._inboxes[run]] if run in self._inboxes else []
            for loop, inbox in targets:
                with contextlib.suppress(RuntimeError):  # the loop is closed: the run was stopped
                    loop.call_soon_threadsafe(inbox.put_nowait, message)
            if kind == "ended":
                return

    def stop(self) -> None:
        """End the child: at once when a run it had is unfinished (the run was stopped), else once it is done."""
        with contextlib.suppress(OSError):
            self._orders.send(("stop",))
        self.process.join(timeout=0 if self._unfinished else STOP_SECONDS)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._reader.join(timeout=STOP_SECONDS)
        self._orders.close()
        self._results.close()


class CollectingProcesses:
    """The children that collect beside this process for every run of a job: ``runs`` of them in flight at most.

    ``run_counter`` gives a run in flight its counter; ``children`` are given their part of it.
    """

    def __init__(self, processes: int, runs: int = 1) -> None:
        self.processes = processes
        self._counters = new_counters(runs)
        self.children = [ChildProcess(self._counters) for _ in range(processes - 1)]
        self._free = list(range(runs))
        self._released: asyncio.Condition | None = None
        self._runs = itertools.count()

    @contextlib.asynccontextmanager
    async def run_counter(self, start: int) -> AsyncIterator[tuple[int, RunCounter]]:
        """A run's number and its counter, set to ``start``, for as long as the run is in flight."""
        if self._released is None:
            self._released = asyncio.Condition()
        async with self._released:
            await self._released.wait_for(lambda: bool(self._free))
            slot = self._free.pop(0)
        counter = RunCounter(self._counters, slot)
        counter.value = start
        try:
            yield next(self._runs), counter
        finally:
            async with self._released:
                self._free.append(slot)
                self._released.notify()

    def order(self, counter: RunCounter, bundles: Sequence[tuple[str, ...]], in_flight: int, work: Any,
              session: AioSession, credentials: PassedCredentials | None) -> ShareOrder:
        """What every child is given of a run."""
        return ShareOrder(counter.slot, tuple(bundles), in_flight, work, session.get_config_variable("profile"),
                          session.get_config_variable("region"), credentials, _log_levels())

    def stop(self) -> None:
        """End the children (see :meth:`ChildProcess.stop`)."""
        for child in self.children:
            child.stop()
