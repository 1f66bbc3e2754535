"""What moto answers differently on every call, where AWS answers the same: compared graphs leave it out."""

from __future__ import annotations

from typing import Any

# The steps whose calls moto 5 has no code for (DescribeInstanceInformation, GuardDuty's findings,
# DescribeComplianceByConfigRule, DescribePlacementGroups, DescribeCapacityReservations, Access
# Analyzer, GetEnabledStandards, CodeCommit's ListRepositories, Lightsail): under moto they end
# disabled for not_implemented. Their tests serve AWS's documented answers through the proxy
# (tests/aws/test_not_implemented_by_moto.py).
MOTO_LACKS = frozenset({
    "fetch-ssm-managed-instances", "fetch-guardduty-findings", "fetch-config-rule-compliance",
    "fetch-placement-groups", "fetch-capacity-reservations", "fetch-access-analyzers", "fetch-access-analyzer-findings",
    "fetch-securityhub-standards", "fetch-codecommit-repositories", "fetch-lightsail-instances",
})
MOTO_LACKS_TYPES = frozenset({
    "aws_ssm_managed_instance", "aws_guardduty_finding", "aws_config_rule_compliance", "aws_ec2_placement_group",
    "aws_ec2_capacity_reservation", "aws_accessanalyzer_analyzer", "aws_accessanalyzer_finding",
    "aws_securityhub_standard", "aws_codecommit_repository", "aws_lightsail_instance",
})

# moto's Athena stamps each ListWorkGroups/GetWorkGroup answer's CreationTime with the current time.
MOTO_VOLATILE_PROPERTIES: dict[str, frozenset[str]] = {"aws_athena_workgroup": frozenset({"createdOn"})}


def steady(record: dict[str, Any]) -> dict[str, Any]:
    """The record without the properties moto makes up anew on each answer."""
    volatile = MOTO_VOLATILE_PROPERTIES.get(record.get("_type", ""), frozenset())
    return {name: value for name, value in record.items() if name not in volatile}


def steady_export(exported: dict[str, Any]) -> dict[str, Any]:
    """An export whose entities keep only what moto answers the same way twice."""
    return {**exported, "entities": [steady(entity) for entity in exported["entities"]]}


def volatile_records(exported: dict[str, Any]) -> int:
    """How many exported entities moto answers differently each run (a second run finds them changed)."""
    return sum(1 for entity in exported["entities"] if entity["_type"] in MOTO_VOLATILE_PROPERTIES)
