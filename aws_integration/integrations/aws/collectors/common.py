"""Helpers every transform uses to build entities and relationships from declarations."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, PropertyValue, Relationship
from aws_integration.graph.schema import REQUIRED_PROPERTIES
from aws_integration.graph.tags import flatten_tags

Tags = Iterable[Mapping[str, Any]] | Mapping[str, Any] | None


def to_property(value: Any) -> PropertyValue:
    """Timestamps become epoch milliseconds; everything else passes through."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, (list, tuple)):
        return [to_property(item) for item in value]  # type: ignore[misc]
    return value  # type: ignore[no-any-return]


def iso_time(value: Any) -> int | None:
    """Epoch milliseconds from the timestamp text some APIs answer (Lambda's ``...000+0000``,
    GuardDuty's ``...Z``), else None; a zone-less text is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp() * 1000)


def build_entity(
    decl: EntityDecl,
    scope: TransformContext,
    *,
    key: str,
    name: str,
    properties: Mapping[str, Any],
    tags: Tags = None,
) -> Entity:
    """An entity of a declared type, with account/region, typed properties and tags.

    Properties that are ``None`` are left out, except those the entity's classes
    require (a DataStore's unknown ``classification`` stays ``null``). Tags come last,
    so a ``classification`` tag fills the property of that name.
    """
    required = {name for entity_class in decl.classes for name in REQUIRED_PROPERTIES.get(entity_class, ())}
    values: dict[str, PropertyValue] = {"accountId": scope.account_id}
    if scope.region:
        values["region"] = scope.region
    for prop, value in properties.items():
        if value is not None or prop in required:
            values[prop] = to_property(value)
    tag_set = flatten_tags(tags)
    values.update(tag_set.properties)
    return Entity(key=key, type=decl.type, classes=decl.classes, display_name=tag_set.name or name, properties=values)


def relate(
    from_decl: EntityDecl, from_key: str, verb: str, to_decl: EntityDecl, to_key: str, **properties: PropertyValue
) -> Relationship:
    """A relationship between two declared entity types."""
    return Relationship(from_key, from_decl.type, verb, to_key, to_decl.type, properties)


@dataclass(frozen=True)
class Detail:
    """A declared call made for each listed item; the answer goes into the item under ``field``.

    ``params`` builds the call's parameters from the item. A paginated call (one with a
    ``result_key``) keeps every item across pages; otherwise ``pick`` keeps one key of
    the response (the whole response when None; an absent resource gives None).
    """

    field: str
    call: ApiCall
    params: Callable[[RawItem], dict[str, Any]]
    pick: str | None = None


DESCRIBE_WINDOW = 500  # listed items being described at once, at most: the listing waits beyond that


@dataclass(frozen=True)
class ListThenDescribe:
    """A fetch that pages through ``listing`` and makes each detail call per listed item.

    Items are described as soon as their page is listed, while the listing goes on, and
    are handed on in listing order once described; at most :data:`DESCRIBE_WINDOW` are
    held at a time. ``as_item`` turns listed values that are not mappings (names, ARNs,
    URLs) into items; ``keep`` drops items before their details are fetched. Being data,
    it names the step's calls and tells tests the shape of the items it produces.
    """

    listing: ApiCall
    details: tuple[Detail, ...]
    list_params: Mapping[str, Any] | None = None
    as_item: Callable[[Any], RawItem] | None = None
    keep: Callable[[RawItem], bool] | None = None

    def __post_init__(self) -> None:
        if not self.listing.paginated:
            raise ValueError(f"{self.listing.operation} is listed through, so it needs a result_key")

    @property
    def calls(self) -> tuple[ApiCall, ...]:
        """The listing and each detail call, each once: the calls of the step that fetches this way."""
        return tuple(dict.fromkeys((self.listing, *(detail.call for detail in self.details))))

    async def __call__(self, context: FetchContext) -> AsyncIterator[RawItem]:
        in_flight: deque[asyncio.Future[RawItem]] = deque()
        try:
            async with contextlib.aclosing(context.stream(self.listing, **dict(self.list_params or {}))) as listed:
                async for value in listed:
                    item = self.as_item(value) if self.as_item else value
                    if self.keep is None or self.keep(item):
                        in_flight.append(asyncio.ensure_future(self._describe(context, item)))
                        await asyncio.sleep(0)  # its calls start now, not when the listing next waits
                    while in_flight and (len(in_flight) >= DESCRIBE_WINDOW or in_flight[0].done()):
                        yield await in_flight.popleft()
            while in_flight:
                yield await in_flight.popleft()
        finally:  # a failed call, or a consumer that stopped: the other calls are not left running
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _describe(self, context: FetchContext, item: RawItem) -> RawItem:
        answers = await context.each(self.details, lambda detail: self._answer(context, item, detail))
        return {**item, **{detail.field: value for detail, value in zip(self.details, answers)}}

    @staticmethod
    async def _answer(context: FetchContext, item: RawItem, detail: Detail) -> Any:
        params = detail.params(item)
        if detail.call.paginated:
            return await context.items(detail.call, **params)
        found: Any = await context.call(detail.call, **params)
        for part in detail.pick.split(".") if detail.pick else ():
            found = found.get(part) if isinstance(found, Mapping) else None
        return found


def list_then_describe(
    listing: ApiCall,
    *details: Detail,
    list_params: Mapping[str, Any] | None = None,
    as_item: Callable[[Any], RawItem] | None = None,
    keep: Callable[[RawItem], bool] | None = None,
) -> ListThenDescribe:
    """A :class:`ListThenDescribe` fetch."""
    return ListThenDescribe(listing, details, list_params, as_item, keep)


@dataclass(frozen=True)
class OneAnswer:
    """A fetch for a listing that is not paginated: one call, whose answer holds every item under ``items``."""

    call: ApiCall
    items: str

    @property
    def calls(self) -> tuple[ApiCall, ...]:
        """The one call: the step's calls."""
        return (self.call,)

    async def __call__(self, context: FetchContext) -> list[RawItem]:
        return list(((await context.call(self.call)) or {}).get(self.items, []))


def is_arn_of(value: Any, service: str, resource_prefix: str) -> bool:
    """Whether ``value`` is an ARN of ``service`` whose resource starts with ``resource_prefix``."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return False
    parts = value.split(":", 5)
    return len(parts) == 6 and parts[2] == service and parts[5].startswith(resource_prefix)


def sibling_arn(arn: Any, resource: str) -> str | None:
    """The ARN of another resource in the same service, account and region: ``arn`` with its resource replaced
    (``sibling_arn("arn:aws:rds:r:1:cluster:a", "db:b")`` is ``arn:aws:rds:r:1:db:b``); None unless ``arn`` is one."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    return f"{':'.join(parts[:5])}:{resource}" if len(parts) == 6 and parts[0] == "arn" and parts[5] else None


def kms_key_arn(value: Any) -> str | None:
    """The key ARN when ``value`` is one (an alias or a bare key ID cannot be placed in the graph)."""
    return value if is_arn_of(value, "kms", "key/") else None


def batched(items: list[Any], size: int) -> list[list[Any]]:
    """``items`` in consecutive lists of at most ``size`` (for calls that take a bounded number of IDs)."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def int_or_none(value: Any) -> int | None:
    """An integer from the digit strings attribute maps hold (SNS, SQS), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


async def listed_by_token(
    context: FetchContext, call: ApiCall, result_key: str, *, token: str = "NextToken", **params: Any
) -> list[RawItem]:
    """Every item of a listing botocore has no paginator for, following its ``token`` page by page.

    A token answered twice would page for ever: that answer fails the step.
    """
    items: list[RawItem] = []
    seen: set[str] = set()
    next_token: str | None = None
    while True:
        response = await context.call(call, **params, **({token: next_token} if next_token else {})) or {}
        items.extend(response.get(result_key) or [])
        next_token = response.get(token)
        if not next_token:
            return items
        if next_token in seen:
            raise ValueError(f"{call.operation} answered the page token {token} it had answered before")
        seen.add(next_token)
