"""Whether an S3 bucket is public, decided the way the S3 console decides it.

A bucket is public when its policy is public (``GetBucketPolicyStatus``) and
``RestrictPublicBuckets`` does not hold, or when its ACL grants access to everyone or
to every AWS user and ``IgnorePublicAcls`` does not hold. Each Block Public Access
setting holds when the bucket's block or the account's block sets it (the S3 User
Guide, "Blocking public access to your Amazon S3 storage": the most restrictive
combination applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PUBLIC_ACCESS_BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}


def block_flags(block: Mapping[str, Any] | None) -> dict[str, bool]:
    """The four settings of a public access block (absent: all off)."""
    return {flag: bool((block or {}).get(flag, False)) for flag in PUBLIC_ACCESS_BLOCK_FLAGS}


def public_grants(acl: Mapping[str, Any] | None) -> list[str]:
    """The ACL's grants to the public groups, as ``Group:PERMISSION`` (``AllUsers:READ``), sorted."""
    grants = {
        f"{PUBLIC_GROUPS[grantee['URI']]}:{grant.get('Permission')}"
        for grant in (acl or {}).get("Grants", [])
        if (grantee := grant.get("Grantee") or {}).get("Type") == "Group" and grantee.get("URI") in PUBLIC_GROUPS
    }
    return sorted(grants)


@dataclass(frozen=True)
class Exposure:
    """What makes a bucket public, and whether it is."""

    policy_public: bool
    acl_grants: tuple[str, ...]
    effective_block: Mapping[str, bool]

    @classmethod
    def of(cls, policy_status: Mapping[str, Any] | None, acl: Mapping[str, Any] | None,
           bucket_block: Mapping[str, Any] | None, account_block: Mapping[str, Any] | None) -> "Exposure":
        bucket, account = block_flags(bucket_block), block_flags(account_block)
        return cls(
            policy_public=bool((policy_status or {}).get("IsPublic")),
            acl_grants=tuple(public_grants(acl)),
            effective_block={flag: bucket[flag] or account[flag] for flag in PUBLIC_ACCESS_BLOCK_FLAGS},
        )

    @property
    def public_by_policy(self) -> bool:
        return self.policy_public and not self.effective_block["RestrictPublicBuckets"]

    @property
    def public_by_acl(self) -> bool:
        return bool(self.acl_grants) and not self.effective_block["IgnorePublicAcls"]

    @property
    def public(self) -> bool:
        return self.public_by_policy or self.public_by_acl
