"""Resource types read straight from an API's items, declared once: each property with its kind,
its description and where the item holds it; each relationship with where the item names its end.

Most AWS resource types need nothing more than this, so a collector module declares a
:class:`MappedType` and a step instead of writing a transform:

    CLUSTER = mapped_type(
        "aws_msk_cluster", ("Cluster",), "An MSK (Kafka) cluster.",
        key="ClusterArn", display_name="ClusterName", tags="Tags",
        links=(Link("USES", KEY, "Provisioned.EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId", kms_key_arn),),
        clusterName=("string: The cluster's name.", "ClusterName"),
        createdOn=("timestamp: When it was created.", "CreationTime"),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aws_integration.integrations.aws.collectors.common import build_entity, is_arn_of, iso_time, kms_key_arn, relate
from aws_integration.integrations.aws.collectors.ec2 import SECURITY_GROUP, SUBNET, ec2_arn
from aws_integration.integrations.aws.collectors.iam import ROLE
from aws_integration.integrations.aws.collectors.kms import KEY
from aws_integration.integrations.aws.declarations import (
    ApiCall, EntityDecl, Fetch, RawItem, RelationshipDecl, Scope, StepDecl, described,
)
from aws_integration.integrations.aws.engine.context import TransformContext
from aws_integration.graph.model import Entity, Relationship
from aws_integration.graph.schema import REQUIRED_PROPERTIES

Path = str | Callable[[RawItem], Any]
KeyPath = str | Callable[[RawItem, TransformContext], Any]


def read(item: RawItem, path: Path) -> Any:
    """The value at a dotted ``path`` of nested mappings (None where a part is absent), or ``path(item)``."""
    if callable(path):
        return path(item)
    found: Any = item
    for part in path.split("."):
        found = found.get(part) if isinstance(found, Mapping) else None
    return found


def iso(path: str) -> Callable[[RawItem], int | None]:
    """A timestamp that the API answers as ISO text (epoch ms in the graph)."""
    return lambda item: iso_time(read(item, path))


def equals(path: str, *values: Any) -> Callable[[RawItem], bool | None]:
    """Whether the value at ``path`` is one of ``values`` (None when the item does not say)."""
    def check(item: RawItem) -> bool | None:
        value = read(item, path)
        return None if value is None else value in values
    return check


@dataclass(frozen=True)
class Link:
    """A relationship to (or, ``inbound``, from) entities the item names at ``path``: one key or a list.

    ``key`` turns each named value into the other end's key (None drops it), such as
    :func:`~aws_integration.integrations.aws.collectors.common.kms_key_arn`; ``ec2_kind``
    says the values are IDs of that EC2 resource kind (``subnet``), keyed by their ARN in
    the item's account and region.
    """

    verb: str
    target: EntityDecl
    path: Path
    key: Callable[[Any], str | None] = lambda value: value if isinstance(value, str) and value else None
    inbound: bool = False
    ec2_kind: str | None = None

    def declaration(self, decl: EntityDecl) -> RelationshipDecl:
        ends = (self.target, decl) if self.inbound else (decl, self.target)
        return RelationshipDecl(ends[0].type, self.verb, ends[1].type)

    def relationships(self, decl: EntityDecl, own_key: str, item: RawItem, scope: TransformContext) -> Iterator[Relationship]:
        named = read(item, self.path)
        for value in named if isinstance(named, (list, tuple)) else [named]:
            other = self.key(value) if value is not None else None
            if other and self.ec2_kind:
                other = ec2_arn(scope, self.ec2_kind, other)
            if other:
                yield (relate(self.target, other, self.verb, decl, own_key) if self.inbound
                       else relate(decl, own_key, self.verb, self.target, other))


def arn_of(service: str, resource_prefix: str = "") -> Callable[[Any], str | None]:
    """A :class:`Link` key that keeps only ARNs of ``service`` whose resource starts with ``resource_prefix``."""
    return lambda value: value if is_arn_of(value, service, resource_prefix) else None


def uses_key(path: Path) -> Link:
    """``USES aws_kms_key`` where the item names a key ARN (an alias or a bare key ID cannot be placed)."""
    return Link("USES", KEY, path, kms_key_arn)


def in_subnets(path: Path) -> Link:
    """``aws_subnet HAS`` the resource, for the subnet IDs the item names."""
    return Link("HAS", SUBNET, path, inbound=True, ec2_kind="subnet")


def protected_by(path: Path) -> Link:
    """``aws_security_group PROTECTS`` the resource, for the security group IDs the item names."""
    return Link("PROTECTS", SECURITY_GROUP, path, inbound=True, ec2_kind="security-group")


def uses_role(path: Path) -> Link:
    """``USES aws_iam_role`` where the item names a role ARN."""
    return Link("USES", ROLE, path, arn_of("iam", "role/"))


@dataclass(frozen=True)
class MappedType:
    """An entity type whose transform reads each declared property from the item (see the module)."""

    decl: EntityDecl
    key: KeyPath
    name: Path
    paths: Mapping[str, Path]
    tags: Path | None = None
    links: tuple[Link, ...] = ()

    @property
    def relationships(self) -> tuple[RelationshipDecl, ...]:
        return tuple(dict.fromkeys(link.declaration(self.decl) for link in self.links))

    @property
    def required(self) -> tuple[str, ...]:
        """The properties the type's classes require (a DataStore's ``classification``): kept even when unknown."""
        return tuple(name for entity_class in self.decl.classes for name in REQUIRED_PROPERTIES.get(entity_class, ()))

    def with_links(self, *links: Link) -> MappedType:
        """The type with more links: those to its own type, which need its declaration first."""
        return replace(self, links=self.links + links)

    def key_of(self, item: RawItem, scope: TransformContext) -> str:
        """The entity's key; an item without one raises ``KeyError`` naming the field (the step fails)."""
        key = self.key(item, scope) if callable(self.key) else read(item, self.key)
        if not isinstance(key, str) or not key:
            raise KeyError(self.key if isinstance(self.key, str) else f"{self.decl.type} key")
        return key

    def transform(self, item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
        """One entity of the type, and its links."""
        key = self.key_of(item, scope)
        yield build_entity(
            self.decl, scope, key=key, name=str(read(item, self.name) or key),
            tags=read(item, self.tags) if self.tags else None,
            properties={**dict.fromkeys(self.required), **{name: read(item, path) for name, path in self.paths.items()}},
        )
        for link in self.links:
            yield from link.relationships(self.decl, key, item, scope)


def mapped_type(
    type_name: str, classes: tuple[str, ...], description: str, /, *, key: KeyPath, display_name: Path,
    tags: Path | None = None, links: tuple[Link, ...] = (), owned_by_account: bool = True,
    **fields: tuple[str, Path],
) -> MappedType:
    """A :class:`MappedType` shown as the value at ``display_name``; each field is
    ``property=("<kind>: <description>", path)``."""
    properties = described(**{prop: text for prop, (text, _) in fields.items()})
    decl = EntityDecl(type_name, classes, description, owned_by_account=owned_by_account, properties=properties)
    return MappedType(decl, key, display_name, {prop: path for prop, (_, path) in fields.items()}, tags, links)


def mapped_step(
    step_id: str, name: str, service: str, mapped: MappedType, *, calls: tuple[ApiCall, ...] = (),
    fetch: Fetch | None = None, scope: Scope = Scope.REGIONAL, depends_on: tuple[str, ...] = (),
) -> StepDecl:
    """The step that collects ``mapped``: give it ``calls`` (one plain listing) or a ``fetch``."""
    return StepDecl(
        id=step_id, name=name, service=service, scope=scope, entities=(mapped.decl,), transform=mapped.transform,
        calls=calls, relationships=mapped.relationships, depends_on=depends_on, fetch=fetch,
    )
