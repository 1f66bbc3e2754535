"""AWS declarations: every resource type is described once, here-shaped, in its collector.

A :class:`StepDecl` names its AWS API calls and the IAM action each needs, the entity
and relationship types it produces and the steps it depends on (the neutral types of
:mod:`aws_integration.steps.declarations`, re-exported here). The engine runs it,
and the permission checker, the policy generator and the data-model docs read the
same object, so none of them can drift from what the collector really does.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore import xform_name

from aws_integration.graph.model import Entity, Relationship
from aws_integration.graph.properties import Property, described
from aws_integration.graph.tags import TAG_PROPERTIES
from aws_integration.steps.declarations import EntityDecl, MapperDecl, RawItem, RelationshipDecl

if TYPE_CHECKING:
    from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext

Fetch = Callable[["FetchContext"], Awaitable[list[RawItem]] | AsyncIterator[RawItem]]
Transform = Callable[[RawItem, "TransformContext"], Iterable[Entity | Relationship]]


class Scope(str, enum.Enum):
    """Where a step runs: once per enabled region, or once per account."""

    REGIONAL = "regional"
    GLOBAL = "global"


# IAM's service prefix where it differs from botocore's service name.
IAM_PREFIXES = {
    "elbv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "efs": "elasticfilesystem",
    "apigatewayv2": "apigateway",
    "stepfunctions": "states",
    "opensearch": "es",
    "emr": "elasticmapreduce",
    "sesv2": "ses",
    "accessanalyzer": "access-analyzer",
    "neptune": "rds",
    "docdb": "rds",
}


@dataclass(frozen=True)
class ApiCall:
    """One AWS API operation a step makes and the IAM action that authorises it; the only way to name one.

    ``result_key`` marks a paginated listing whose items are under that key.
    ``iam_action`` defaults to ``<IAM prefix>:<operation>``; give it where IAM names the
    action otherwise (``s3:ListAllMyBuckets``). ``absent_errors`` are error codes that mean
    "not configured" (a bucket without a tag set), which the call reports as ``None``
    rather than as a failure; ``absent_messages`` are the starts of error messages that mean
    the same whatever the code (Macie answers ``AccessDeniedException: Macie is not enabled``).
    ``page_size`` asks a listing for pages of that many items:
    EC2 answers every item in one response when it is not given, however many there are.
    """

    service: str
    operation: str
    result_key: str | None = None
    iam_action: str = field(default="", kw_only=True)
    absent_errors: frozenset[str] = field(default=frozenset(), kw_only=True)
    absent_messages: tuple[str, ...] = field(default=(), kw_only=True)
    page_size: int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if not self.iam_action:
            object.__setattr__(self, "iam_action", f"{IAM_PREFIXES.get(self.service, self.service)}:{self.operation}")
        object.__setattr__(self, "absent_errors", frozenset(self.absent_errors))

    @property
    def method(self) -> str:
        """The client method name (``DescribeVpcs`` -> ``describe_vpcs``)."""
        return xform_name(self.operation)

    @property
    def paginated(self) -> bool:
        """Whether the call is a paginated listing."""
        return self.result_key is not None


COMMON_PROPERTIES: tuple[Property, ...] = described(
    accountId="string: The ID of the account the resource belongs to.",
    region="string: The region of a regional resource (absent on global ones).",
) + TAG_PROPERTIES

ACCOUNT_ENTITY = EntityDecl(
    "aws_account", ("Account",), "The AWS account being ingested.", owned_by_account=False,
    properties=described(
        name="string: The configured account name, else the account's alias, else its ID.",
        partition="string: The AWS partition (aws, aws-cn, aws-us-gov).",
        aliases="string[]: The account's IAM aliases.",
        external="boolean: True on a placeholder for an account no source ingests, which a role trusts.",
        rootMfaEnabled="boolean: Whether the root user has MFA enabled (IAM account summary).",
        rootAccessKeysPresent="boolean: Whether the root user has access keys (IAM account summary).",
        mfaDevicesInUse="integer: The MFA devices enabled for users of the account.",
    ),
)


@dataclass(frozen=True)
class StepDecl:
    """A collector step: what it calls, what it produces, what it needs first.

    ``fetch`` gathers raw items: a list, or an async iterator, which lets the run
    transform each page as it arrives and let it go (the default streams the items
    under the first declared call's ``result_key``, page by page); ``transform`` is a
    pure function from one raw item to entities and relationships. A fetch declared as
    data (list-then-describe) names its own calls, and the step takes them from it.
    """

    id: str
    name: str
    service: str
    scope: Scope
    entities: tuple[EntityDecl, ...]
    transform: Transform
    calls: tuple[ApiCall, ...] = ()
    relationships: tuple[RelationshipDecl, ...] = ()
    depends_on: tuple[str, ...] = ()
    fetch: Fetch | None = None

    def __post_init__(self) -> None:
        fetch_calls: tuple[ApiCall, ...] = getattr(self.fetch, "calls", ())
        if fetch_calls and self.calls and self.calls != fetch_calls:
            raise ValueError(f"step {self.id}: its fetch declares its calls; the step must not name them again")
        if fetch_calls:
            object.__setattr__(self, "calls", fetch_calls)
        if not self.calls:
            raise ValueError(f"step {self.id} declares no API call")
        if self.fetch is None and not self.calls[0].paginated:
            raise ValueError(f"step {self.id} needs a fetch or a paginated first call")
        for call in self.calls:
            if call.service != self.service and self.scope is Scope.REGIONAL:
                raise ValueError(f"step {self.id}: regional call {call.operation} is not on {self.service}")

    @property
    def account_relationships(self) -> tuple[RelationshipDecl, ...]:
        """``aws_account HAS <type>`` for each entity type owned by the account."""
        return tuple(
            RelationshipDecl(ACCOUNT_ENTITY.type, "HAS", entity.type)
            for entity in self.entities
            if entity.owned_by_account
        )

    @property
    def all_relationships(self) -> tuple[RelationshipDecl, ...]:
        """Declared relationships plus the account's HAS relationships."""
        return self.relationships + self.account_relationships

    @property
    def iam_actions(self) -> tuple[str, ...]:
        """Every IAM action the step needs, in declaration order, without repeats."""
        return tuple(dict.fromkeys(call.iam_action for call in self.calls))

    @property
    def group(self) -> str:
        """What the configuration includes or excludes: the step's service."""
        return self.service

    def declared(self, call: ApiCall) -> ApiCall:
        """``call``, when the step declares it; an undeclared one is a programming error."""
        if any(declared is call for declared in self.calls) or call in self.calls:
            return call
        raise LookupError(f"step {self.id} calls {call.operation}, which it does not declare")

    def call(self, operation: str) -> ApiCall:
        """The declared call for ``operation`` (what tests and the permission reports look up by name)."""
        for call in self.calls:
            if call.operation == operation:
                return call
        raise LookupError(f"step {self.id} calls {operation}, which it does not declare")


AnyStep = StepDecl | MapperDecl
__all__ = ["ACCOUNT_ENTITY", "COMMON_PROPERTIES", "IAM_PREFIXES", "AnyStep", "ApiCall", "EntityDecl", "Fetch", "MapperDecl",
           "Property", "RawItem", "RelationshipDecl", "Scope", "StepDecl", "Transform", "described"]
