"""Entity classes and the properties each class requires.

A transform that forgets a required property fails loudly, so a gap in the data
model is a failed step, never a silently incomplete graph.
"""

from __future__ import annotations

from aws_integration.graph.model import Entity, GraphError

# The entity classes of the asset-graph data model users know (JupiterOne's vocabulary).
KNOWN_CLASSES = frozenset(
    {
        "AccessKey", "AccessPolicy", "AccessRole", "Account", "Alert", "Application", "ApplicationEndpoint",
        "Assessment", "Attacker", "Backup", "Certificate", "Channel", "Cluster", "CodeCommit", "CodeDeploy",
        "CodeModule", "CodeRepo", "CodeReview", "Configuration", "Container", "Control", "ControlPolicy",
        "CryptoKey", "DataCollection", "DataObject", "DataStore", "Database", "Deployment", "Device",
        "Directory", "Disk", "Document", "Domain", "DomainRecord", "DomainZone", "Entity", "Finding",
        "Firewall", "Framework", "Function", "Gateway", "Group", "Host", "HostAgent", "Image", "Incident",
        "Internet", "IpAddress", "Issue", "Key", "Logs", "Model", "Module", "Network", "NetworkEndpoint",
        "NetworkInterface", "Organization", "PR", "PasswordPolicy", "Person", "Policy", "Problem", "Procedure",
        "Process", "Product", "Program", "Project", "Question", "Queue", "Record", "RecoveryPlan", "Repository",
        "Requirement", "Resource", "Review", "Risk", "Root", "Rule", "Ruleset", "Scanner", "Secret", "Section",
        "Service", "Site", "Standard", "Subscription", "Task", "Team", "ThreatIntel", "Training", "User",
        "UserGroup", "Vault", "Vendor", "Vulnerability", "Weakness", "Workload", "Workflow", "Zone",
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
