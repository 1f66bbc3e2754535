"""An account's steps collected in several processes: each child runs a share, the parent stores everything.

A run is CPU-bound long before it is network-bound (signing, parsing and transforming
a large account's answers keep one core busy), and one Python process uses one core.
So a run on several cores starts a child process per extra core as it begins (a child
needs about half a second to import botocore, which the preflight's calls cover).
Every process, the parent included, then takes bundles of steps
(:mod:`aws_integration.steps.shares`) from a counter in shared memory as it has room
for them. A child builds its own clients with the parent's credentials, runs the
bundles it takes on the neutral runner, and hands its records back a page at a time; the
parent puts them in the run's sink (the store stages them) as they come, tagged as its
own would be, and merges the children's reports into one.

Credentials go to a child through a pipe of its own, never through a log, the store,
a report or an exception; a child whose credentials near expiry asks the parent, which
refreshes its own (an assumed role) and answers. A child that ends without a report
(killed, out of memory) fails the steps it took, with the exit code; what it handed back of
units that succeeded stays, its types are partial, and nothing is deleted in its scopes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from collections.abc import Callable, Sequence
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


def new_counter(start: int = 0) -> Any:
    """The shared counter of a run's bundles, made before its children start (they inherit it)."""
    return multiprocessing.get_context("spawn").Value("i", start)


@dataclass(frozen=True)
class ShareOrder:
    """What a child needs to run its share: the bundles, where, as whom, and how to log."""

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
    """The child's records, logs and result on their way to the parent (pickled by the queue's own thread)."""

    def __init__(self, results: Any) -> None:
        self._results = results

    def add(self, unit: int, entities: Sequence[Entity], relationships: Sequence[Relationship]) -> None:
        self._results.put(("records", unit, list(entities), list(relationships)))

    def keep(self, unit: int) -> None:
        self._results.put(("keep", unit))

    def discard(self, unit: int) -> None:
        self._results.put(("discard", unit))

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
        self._results.put(("log", record))


def _child(orders: Connection, results: Any, counter: Any, parent: int) -> None:
    """A child process: run the share it is given, then hand over its report."""
    follow_parent(parent)
    order: ShareOrder = orders.recv()
    root = logging.getLogger()
    root.handlers[:] = [_ForwardLogs(results)]
    for name, level in order.log_levels.items():
        logging.getLogger(name or None).setLevel(level)
    try:
        claims = SharedClaims(order.bundles, counter, order.in_flight,
                              announce=lambda index: results.put(("claimed", index)))
        collected, requests = asyncio.run(_run_order(order, claims, orders, results))
        results.put(("done", collected, requests))
    except Exception as error:  # noqa: BLE001 (whatever stops the share is the parent's to report)
        results.put(("failed", f"{type(error).__name__}: {brief(error)}"))
    results.close()
    results.join_thread()


async def _run_order(order: ShareOrder, claims: SharedClaims, orders: Connection,
                     results: Any) -> tuple[CollectedGraph, int]:
    from aws_integration.integrations.aws.engine.clients import new_session
    from aws_integration.integrations.aws.engine.runner import run_share

    session = new_session(order.profile)
    if order.region:
        session.set_config_variable("region", order.region)
    if order.credentials is not None:
        session._credentials = child_credentials(order.credentials, orders, results)  # noqa: SLF001 (see assume.py)
    return await run_share(session, order.work, claims, _Outbox(results))


def child_credentials(given: PassedCredentials, orders: Connection, results: Any) -> AioCredentials:
    """The credentials a child signs with: the parent's, asked again from it when they near expiry."""
    if given.expiry is None:
        return AioCredentials(given.access_key, given.secret_key, given.token)

    async def from_parent() -> dict[str, Any]:
        results.put(("credentials?",))
        answer: PassedCredentials = await asyncio.get_running_loop().run_in_executor(None, orders.recv)
        return answer.metadata()

    return AioRefreshableCredentials.create_from_metadata(given.metadata(), from_parent, "aws-integration-parent")


class ShareProcess:
    """One child process, started at once, that takes bundles of the run it is then given from ``counter``."""

    def __init__(self, counter: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._orders, child_end = context.Pipe()
        self._results = context.Queue()
        self.process = context.Process(target=_child, args=(child_end, self._results, counter, os.getpid()),
                                       name="aws-integration-share", daemon=True)
        self.process.start()
        child_end.close()
        self._finished = False

    async def collect(self, bundles: Sequence[tuple[str, ...]], in_flight: int, work: Any, session: AioSession,
                      runner: StepRunner, sink: GraphSink) -> tuple[CollectedGraph | None, set[str], int, str | None]:
        """Start the child on the run and put what it collects in ``sink`` through ``runner``.

        Answers its result, the steps it took, the requests it sent, and why it has no
        result when it ended without one.
        """
        self._orders.send(ShareOrder(
            tuple(bundles), in_flight, work, session.get_config_variable("profile"),
            session.get_config_variable("region"), await current_credentials(session), _log_levels()))
        inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        reader = threading.Thread(target=self._read, args=(loop, inbox), name="share-reader", daemon=True)
        reader.start()
        units: dict[int, int] = {}
        taken: set[str] = set()
        named = False
        while True:
            kind, *rest = await inbox.get()
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
            elif kind == "log":
                record: logging.LogRecord = rest[0]
                logging.getLogger(record.name).handle(record)
            elif kind == "credentials?":
                self._orders.send(await current_credentials(session))
            elif kind == "done":
                self._finished = True
                return rest[0], taken, rest[1], None
            else:  # "failed", or "ended" without a word
                why = (f"the process collecting this step failed: {rest[0]}" if kind == "failed" else
                       f"the process collecting this step ended unexpectedly (exit code {rest[0]})")
                log.error("%s (steps %s)", why, ", ".join(sorted(taken)) or "none yet")
                return None, taken, 0, why

    def _read(self, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[tuple[Any, ...]]) -> None:
        """Hand the child's messages to the event loop, until its result or its end."""
        while True:
            try:
                message = self._results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self.process.is_alive():
                    continue
                self.process.join()
                message = ("ended", self.process.exitcode)
            except (EOFError, OSError):
                message = ("ended", self.process.exitcode)
            with contextlib.suppress(RuntimeError):  # the loop is closed: the run was stopped
                loop.call_soon_threadsafe(inbox.put_nowait, message)
            if message[0] in ("done", "failed", "ended"):
                return

    def stop(self) -> None:
        """End the child: at once when it is still collecting (the run was stopped), else once it is done."""
        self.process.join(timeout=STOP_SECONDS if self._finished else 0)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._orders.close()
        self._results.close()
