"""Entity classes and the properties each class requires.

A transform that forgets a required property fails loudly, so a gap in the data
model is a failed step, never a silently incomplete graph.
"""

from __future__ import annotations

from aws_integration.graph.model import Entity, GraphError

KNOWN_CLASSES = frozenset(
    {
        "AccessKey", "AccessPolicy", "AccessRole", "Account", "Application", "Certificate",
        "Channel", "Cluster", "Configuration", "ControlPolicy", "CryptoKey", "DataStore",
        "Database", "Device", "Disk", "DomainZone", "Finding", "Firewall", "Function",
        "Gateway", "Group", "Host", "Image", "IpAddress", "Logs", "Network",
        "NetworkInterface", "PasswordPolicy", "Person", "Queue", "Repository", "Service",
        "User", "UserGroup",
    }
)

REQUIRED_PROPERTIES: dict[str, tuple[str, ...]] = {
    "DataStore": ("classification", "encrypted"),
    "Network": ("CIDR", "public", "internal"),
}


def validate_entity(entity: Entity) -> None:
    """Raise :class:`GraphError` when the entity breaks its classes' schema."""
    for entity_class in entity.classes:
        if entity_class not in KNOWN_CLASSES:
            raise GraphError(f"{entity.type} {entity.key!r}: unknown _class {entity_class!r}")
        for name in REQUIRED_PROPERTIES.get(entity_class, ()):
            if name not in entity.properties:
                raise GraphError(
                    f"{entity.type} {entity.key!r}: class {entity_class} requires property {name!r}"
                )
