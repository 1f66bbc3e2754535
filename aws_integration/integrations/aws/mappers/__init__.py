"""Cross-step derivations that need the output of several collectors."""

from aws_integration.integrations.aws.declarations import MapperDecl
from aws_integration.integrations.aws.mappers.flow_logs import FLOW_LOGS
from aws_integration.integrations.aws.mappers.public_network import PUBLIC_NETWORKS

MAPPERS: tuple[MapperDecl, ...] = (PUBLIC_NETWORKS, FLOW_LOGS)

__all__ = ["MAPPERS"]
