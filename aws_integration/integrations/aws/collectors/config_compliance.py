"""AWS Config rule compliance: whether the resources each rule evaluates comply, and how many do not."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.configservice import RULE, rule_key
from aws_integration.integrations.aws.collectors.mapped import Link, equals, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext

RULES_STEP = "fetch-config-rules"
DESCRIBE_COMPLIANCE = ApiCall("config", "DescribeComplianceByConfigRule", "ComplianceByConfigRules")
NON_COMPLIANT = "Compliance.ComplianceContributorCount"


def _compliance_key(item: RawItem, scope: TransformContext) -> str:
    """Its rule's key with ``/compliance``: one compliance per rule."""
    return f"{item['RuleKey']}/compliance"


COMPLIANCE = mapped_type(
    "aws_config_rule_compliance", ("Assessment",), "How the resources an AWS Config rule evaluates comply with it.",
    key=_compliance_key, display_name=lambda item: f"{item['ConfigRuleName']} compliance",
    links=(Link("HAS", RULE, "RuleKey", inbound=True),),
    ruleName=("string: The rule.", "ConfigRuleName"),
    complianceType=("string: COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or INSUFFICIENT_DATA.", "Compliance.ComplianceType"),
    compliant=("boolean: Whether every resource it evaluated complies.", equals("Compliance.ComplianceType", "COMPLIANT")),
    nonCompliantResources=("integer: The resources that do not comply (at most 100: see capped).",
                           f"{NON_COMPLIANT}.CappedCount"),
    capped=("boolean: Whether more than 100 resources do not comply.", f"{NON_COMPLIANT}.CapExceeded"),
)


async def fetch_compliance(context: FetchContext) -> list[RawItem]:
    """The compliance of each rule of the region, keyed by its rule's entity."""
    rules = {item["ConfigRuleName"]: rule_key(item, scope)
             for scope, item in context.dependency_items(RULES_STEP) if scope.region == context.region}
    if not rules:
        return []
    compliance = await context.items(DESCRIBE_COMPLIANCE)
    return [{**entry, "RuleKey": rules[entry["ConfigRuleName"]]} for entry in compliance if entry.get("ConfigRuleName") in rules]


STEPS = (
    mapped_step("fetch-config-rule-compliance", "AWS Config rule compliance", "config", COMPLIANCE,
                calls=(DESCRIBE_COMPLIANCE,), fetch=fetch_compliance, depends_on=(RULES_STEP,)),
)
