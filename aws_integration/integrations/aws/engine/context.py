"""What a step's fetch and transform functions see of the run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from aws_integration.graph.placeholders import account_key
from aws_integration.integrations.aws.declarations import ApiCall, RawItem, StepDecl
from aws_integration.errors import NotImplementedByEndpoint
from aws_integration.integrations.aws.engine.errors import PermissionDenied, error_code, error_message, is_not_implemented, is_permission_error
from aws_integration.steps.chain import CALL_CHAIN, link

if TYPE_CHECKING:
    from aws_integration.integrations.aws.engine.clients import ClientPool

T = TypeVar("T")
R = TypeVar("R")



@dataclass(frozen=True)
class TransformContext:
    """Where a raw item came from: partition, account and region (None for global)."""

    partition: str
    account_id: str
    region: str | None
    account_name: str | None = None

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        """Build an ARN in this account (and region, for regional resources)."""
        region = (self.region or "") if regional else ""
        account_id = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region}:{account_id}:{resource}"

    @property
    def account_key(self) -> str:
        """The ``_key`` of this account's ``aws_account`` entity."""
        return account_key(self.account_id)


class FetchContext:
    """The API a step's fetch function uses: only its declared calls are allowed.

    Every request holds one slot of the run-wide concurrency bound while it is in
    flight (one slot per page, not per listing), and a refused call raises
    :class:`PermissionDenied` naming the declared IAM action. ``allowed_actions``
    records the IAM actions AWS answered, so a run can be compared with a prediction;
    ``retries`` counts the requests botocore repeated (throttling, 5xx, dropped
    connections) before an answer. ``longest_chain`` is the length of the longest chain
    of calls that had to wait for each other up to this unit's last call (pages of a
    listing, details of listed items, the steps it depends on).
    """

    def __init__(
        self,
        step: StepDecl,
        scope: TransformContext,
        clients: ClientPool,
        slots: asyncio.Semaphore,
        home_region: str,
        dependencies: Mapping[str, list[tuple[TransformContext, RawItem]]],
    ) -> None:
        self.step = step
        self.scope = scope
        self._clients = clients
        self._slots = slots
        self._home_region = home_region
        self._dependencies = dependencies
        self.api_calls = 0
        self.retries = 0
        self.longest_chain = CALL_CHAIN.get()
        self.allowed_actions: set[str] = set()

    @property
    def region(self) -> str:
        """The region calls go to by default (the home region for global steps)."""
        return self.scope.region or self._home_region

    def dependency_items(self, step_id: str) -> list[tuple[TransformContext, RawItem]]:
        """Raw items of a step this one declares in ``depends_on``."""
        if step_id not in self.step.depends_on:
            raise LookupError(f"step {self.step.id} reads {step_id}, which it does not depend on")
        return self._dependencies[step_id]

    def _link(self) -> None:
        """Count one more call in the current chain (after it answered)."""
        self.longest_chain = max(self.longest_chain, link())

    def _count_retries(self, response: Mapping[str, Any]) -> None:
        self.retries += int(response.get("ResponseMetadata", {}).get("RetryAttempts") or 0)

    def _settle(self, error: Exception, declared: ApiCall, region: str) -> None:
        """Return when AWS answered a declared absent error; otherwise raise what the step makes of it.

        A refusal becomes :class:`PermissionDenied`, a call the endpoint has no code for
        :class:`NotImplementedByEndpoint` (an in-process endpoint, moto's mock, raises
        ``NotImplementedError``); anything else is raised as it is.
        """
        if isinstance(error, NotImplementedError):
            raise NotImplementedByEndpoint(declared.iam_action, region) from None
        if not isinstance(error, ClientError):
            raise error
        self._count_retries(error.response)
        if error_code(error) in declared.absent_errors or error_message(error).startswith(declared.absent_messages):
            self.allowed_actions.add(declared.iam_action)
            return
        if is_not_implemented(error):
            raise NotImplementedByEndpoint(declared.iam_action, region) from None
        if is_permission_error(error):
            raise PermissionDenied(declared.iam_action, error_code(error), region) from None
        raise error

    async def call(self, call: ApiCall, *, region: str | None = None, **params: Any) -> dict[str, Any] | None:
        """Make one declared call; ``None`` when AWS answers with a declared absent error."""
        declared = self.step.declared(call)
        target = region or self.region
        client = await self._clients.get(declared.service, target)
        async with self._clients.limit(declared.service, target).within(self._slots):
            self.api_calls += 1
            try:
                response: dict[str, Any] = await getattr(client, declared.method)(**params)
            except (ClientError, NotImplementedError) as error:
                self._settle(error, declared, target)
                return None
        self._count_retries(response)
        self._link()
        self.allowed_actions.add(declared.iam_action)
        return response

    async def pages(self, call: ApiCall, *, region: str | None = None, **params: Any) -> AsyncIterator[dict[str, Any]]:
        """Iterate the pages of a declared paginated call, one slot per page."""
        declared = self.step.declared(call)
        if not declared.paginated:
            raise LookupError(f"{call.operation} is not declared as paginated in step {self.step.id}")
        target = region or self.region
        client = await self._clients.get(declared.service, target)
        if declared.page_size and "PaginationConfig" not in params:
            params["PaginationConfig"] = {"PageSize": declared.page_size}
        iterator = client.get_paginator(declared.method).paginate(**params).__aiter__()
        limit = self._clients.limit(declared.service, target)
        while True:
            async with limit.within(self._slots):
                self.api_calls += 1
                try:
                    page = await iterator.__anext__()
                except StopAsyncIteration:
                    self.api_calls -= 1
                    return
                except (ClientError, NotImplementedError) as error:
                    self._settle(error, declared, target)
                    return
            self._count_retries(page)
            self._link()
            self.allowed_actions.add(declared.iam_action)
            yield page

    async def stream(self, call: ApiCall, *, region: str | None = None, **params: Any) -> AsyncIterator[RawItem]:
        """The items of a declared paginated call, page by page: a page is let go once its items are."""
        result_key = self.step.declared(call).result_key or ""
        async with contextlib.aclosing(self.pages(call, region=region, **params)) as pages:
            async for page in pages:
                found: Any = page
                for part in result_key.split("."):  # CloudFront nests its items: DistributionList.Items
                    found = found.get(part) if isinstance(found, Mapping) else None
                for item in found or []:
                    yield item

    async def items(self, call: ApiCall, *, region: str | None = None, **params: Any) -> list[RawItem]:
        """All items of a declared paginated call, across pages."""
        async with contextlib.aclosing(self.stream(call, region=region, **params)) as items:
            return [item async for item in items]

    @staticmethod
    async def each(items: Iterable[T], function: Callable[[T], Awaitable[R]]) -> list[R]:
        """Run ``function`` over ``items`` concurrently (requests stay bounded by the slots).

        What comes after depends on all of them: the call chain goes on from the longest
        of theirs. The first exception cancels the remaining calls and propagates as it is.
        """

        async def tracked(item: T) -> tuple[R, int]:
            return await function(item), CALL_CHAIN.get()

        tasks = [asyncio.ensure_future(tracked(item)) for item in items]
        try:
            finished = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        CALL_CHAIN.set(max([CALL_CHAIN.get(), *(chain for _, chain in finished)]))
        return [result for result, _ in finished]

    @classmethod
    async def together(cls, *requests: Callable[[], Awaitable[Any]]) -> list[Any]:
        """Make several different requests concurrently (as :meth:`each` does), their answers in order."""
        return await cls.each(requests, lambda request: request())
