"""Ingestion workers on Celery, with a Redis broker: ``aws-integration worker`` and ``schedule --broker``.

The scheduler enqueues each due instance as one task naming it; the worker that takes
it runs the instance (an AWS account, a SentinelOne console) or, for an Organization,
lists its member accounts and enqueues one task per account. A message carries an
instance's name and a target's ID, nothing else: each worker reads the configuration
and its credentials (environment, profile, instance role) on its own machine.

Delivery is at least once: a task is acknowledged when it ends (``acks_late``), so the
task of a worker killed mid-run goes back to the queue once the broker's visibility
timeout passes (``--redeliver-after``). That is harmless by the store's rules: a run
holds a lease while it runs, so the next worker to open the store records the killed
run interrupted, and nothing of it was stored; a second delivery of a task whose
target is still running elsewhere finds the target's lock taken, and ends there.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_integration.errors import IntegrationError
from aws_integration.store import StoreAddress
from aws_integration.store.derivations import open_graph_store

if TYPE_CHECKING:
    from celery import Celery

    from aws_integration.config import Instance
    from aws_integration.jobs.lock import RunLock
    from aws_integration.jobs.run import InstanceRun, Job
    from aws_integration.store import GraphStore

log = logging.getLogger("aws_integration.workers")
RUN_INSTANCE = "aws_integration.run_instance"
RUN_TARGET = "aws_integration.run_target"
DEFAULT_REDELIVERY_SECONDS = 300
LOCK_PATIENCE_SECONDS = 10
BROKER_SCHEMES = ("redis://", "rediss://")


def shown_broker(url: str) -> str:
    """The broker's URL as messages show it: without the password (``redis://:secret@host`` is usual)."""
    return re.sub(r"//[^@/]*@", "//", url)


def celery_app(broker: str, redeliver_after: int = DEFAULT_REDELIVERY_SECONDS) -> Celery:
    """The Celery application of the workers and of the scheduler that feeds them."""
    if not broker.startswith(BROKER_SCHEMES):
        raise IntegrationError(f"--broker {shown_broker(broker)}: give a Redis URL (redis://host:6379/0)")
    try:
        from celery import Celery
    except ImportError:
        raise IntegrationError("workers need Celery: pip install 'aws-integration[workers]'") from None
    app = Celery("aws_integration", broker=broker, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # acknowledged when the run ends: a killed worker's task is delivered again
        task_reject_on_worker_lost=True,
        task_ignore_result=True,  # the store keeps each run's outcome
        worker_prefetch_multiplier=1,  # a worker takes one task at a time: the others wait for a free worker
        broker_transport_options={"visibility_timeout": redeliver_after},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


def check_broker(app: Celery) -> None:
    """Reach the broker once, so a wrong URL is one clear line at start rather than retries without end."""
    from kombu.exceptions import OperationalError

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except (OperationalError, OSError) as error:
        raise IntegrationError(f"cannot reach the broker {shown_broker(str(app.conf.broker_url))}: "
                               f"{' '.join(str(error).split())}") from None


def enqueue(app: Celery, instance: str) -> None:
    """Send one instance's run to the workers (the message names the instance, nothing more)."""
    from kombu.exceptions import OperationalError

    try:
        app.send_task(RUN_INSTANCE, args=[instance])
    except OperationalError as error:
        raise IntegrationError(f"cannot reach the broker {shown_broker(str(app.conf.broker_url))}: {error}") from None


@dataclass
class Deliveries:
    """What a worker does with each task, apart from Celery: run an instance, or one target of it.

    ``job_for`` makes the job of one task on the store it opened; ``send_target`` enqueues
    one target of an instance (an Organization's member account).
    """

    instances: Mapping[str, Instance]
    address: StoreAddress
    job_for: Callable[[GraphStore], Job]
    send_target: Callable[[str, str], None]

    def _instance(self, name: str) -> Instance | None:
        instance = self.instances.get(name)
        if instance is None:
            log.error("task for instance %r, which this worker's configuration does not have: dropped", name)
        return instance

    @staticmethod
    def _acquire(lock: RunLock) -> bool:
        """Take the lock, waiting a little: the scheduler holds an instance's lock while it enqueues it."""
        deadline = time.monotonic() + LOCK_PATIENCE_SECONDS
        while not lock.acquire():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def _run_locked(self, lock_name: str, work: Callable[[Job], Any]) -> Any:
        """``work`` under the lock ``lock_name``, on the store opened for this task; None when the lock is taken."""
        lock = self.address.instance_lock(lock_name)
        if not self._acquire(lock):
            log.info("%s is running elsewhere: this delivery ends here", lock_name)
            return None
        try:
            with open_graph_store(self.address.location) as store:  # opening records killed runs interrupted
                return asyncio.run(work(self.job_for(store)))
        finally:
            lock.release()

    def run_instance(self, name: str) -> str:
        """Run an instance whole, or enqueue one task per target when its integration splits it."""
        from aws_integration.integrations import integration_of

        instance = self._instance(name)
        if instance is None:
            return "unknown instance"
        integration = integration_of(instance)

        async def work(job: Job) -> InstanceRun | list[str]:
            targets = await integration.targets(job, instance) if integration.targets else None
            return await job.run(instance) if targets is None else targets

        outcome = self._run_locked(name, work)
        if outcome is None:
            return "already running"
        if isinstance(outcome, list):
            for target in outcome:
                self.send_target(name, target)
            return f"{len(outcome)} targets enqueued"
        return outcome.status

    def run_target(self, name: str, target: str) -> str:
        """Run one target of an instance (an Organization's member account)."""
        from aws_integration.integrations import integration_of

        instance = self._instance(name)
        if instance is None:
            return "unknown instance"
        run_target = integration_of(instance).run_target
        if run_target is None:
            log.error("task for target %s of instance %r, whose integration runs whole: dropped", target, name)
            return "not a split instance"

        async def work(job: Job) -> InstanceRun:
            return await run_target(job, instance, target)

        outcome = self._run_locked(f"{name}#{target}", work)
        return "already running" if outcome is None else outcome.status


def register_tasks(app: Celery, deliveries: Deliveries) -> None:
    """The two tasks, by the names the scheduler sends."""

    @app.task(name=RUN_INSTANCE)
    def run_instance(instance: str) -> str:
        return deliveries.run_instance(instance)

    @app.task(name=RUN_TARGET)
    def run_target(instance: str, target: str) -> str:
        return deliveries.run_target(instance, target)


def send_target(app: Celery) -> Callable[[str, str], None]:
    """How a worker enqueues one target of an instance."""

    def send(instance: str, target: str) -> None:
        app.send_task(RUN_TARGET, args=[instance, target])

    return send
