"""The integration-neutral graph: entities, relationships, tags and class schemas.

Nothing in this package knows about AWS, so other integrations can reuse it.
"""

from aws_integration.graph.model import (
    Entity,
    EntityPatch,
    GraphError,
    PropertyValue,
    Relationship,
    relationship_key,
    relationship_type,
)
from aws_integration.graph.tags import TagSet, flatten_tags

__all__ = [
    "Entity",
    "EntityPatch",
    "GraphError",
    "PropertyValue",
    "Relationship",
    "TagSet",
    "flatten_tags",
    "relationship_key",
    "relationship_type",
]
