"""Shield Advanced protections: which resources are protected against DDoS, and with what health checks."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.cloudfront import DISTRIBUTION
from aws_integration.integrations.aws.collectors.common import Detail, is_arn_of, list_then_describe
from aws_integration.integrations.aws.collectors.elb import ALB, CLASSIC, NLB
from aws_integration.integrations.aws.collectors.mapped import Link, arn_of, mapped_step, mapped_type, read
from aws_integration.integrations.aws.collectors.route53 import ZONE
from aws_integration.integrations.aws.declarations import ApiCall, Scope


def _classic_load_balancer(arn: object) -> str | None:
    """A classic load balancer's ARN (``loadbalancer/<name>``, no ``app/`` or ``net/`` part)."""
    return arn if is_arn_of(arn, "elasticloadbalancing", "loadbalancer/") and str(arn).count("/") == 1 else None


def _resource_service(item: dict) -> str | None:
    arn = item.get("ResourceArn")
    return arn.split(":")[2] if isinstance(arn, str) and arn.count(":") >= 5 else None


PROTECTION = mapped_type(
    "aws_shield_protection", ("Control",), "A Shield Advanced protection of one resource.",
    key="ProtectionArn", display_name="Name", tags="Tags",
    links=tuple(Link("PROTECTS", target, "ResourceArn", arn_of(service, prefix)) for target, service, prefix in (
        (DISTRIBUTION, "cloudfront", "distribution/"), (ALB, "elasticloadbalancing", "loadbalancer/app/"),
        (NLB, "elasticloadbalancing", "loadbalancer/net/"), (ZONE, "route53", "hostedzone/"))) + (
        Link("PROTECTS", CLASSIC, "ResourceArn", _classic_load_balancer),),
    name=("string: The protection's name.", "Name"),
    protectionId=("string: Its ID.", "Id"),
    resourceArn=("string: The resource it protects.", "ResourceArn"),
    resourceService=("string: The service of the resource it protects (cloudfront, elasticloadbalancing, ec2, "
                     "route53, globalaccelerator).", _resource_service),
    healthCheckIds=("string[]: The Route 53 health checks that tell it the resource's health.", "HealthCheckIds"),
    automaticResponse=("string: Its automatic application-layer DDoS mitigation: ENABLED or DISABLED.",
                       lambda item: read(item, "ApplicationLayerAutomaticResponseConfiguration.Status")),
)

STEPS = (
    mapped_step("fetch-shield-protections", "Shield protections", "shield", PROTECTION, scope=Scope.GLOBAL,
                fetch=list_then_describe(
        ApiCall("shield", "ListProtections", "Protections", page_size=100),
        Detail("Tags", ApiCall("shield", "ListTagsForResource"), lambda item: {"ResourceARN": item["ProtectionArn"]},
               pick="Tags"),
    )),
)
