"""Directory Service directories (Managed Microsoft AD, AD Connector, Simple AD): size, SSO, RADIUS MFA, placement."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import equals, in_subnets, mapped_step, mapped_type, protected_by
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import TransformContext

VPC_SETTINGS = "VpcSettings"


def _directory_arn(item: RawItem, scope: TransformContext) -> str:
    return scope.arn("ds", f"directory/{item['DirectoryId']}")


def _placed(field: str):  # type: ignore[no-untyped-def]
    """A field of the directory's VPC settings, or of its AD Connector's settings."""
    return lambda item: (item.get(VPC_SETTINGS) or item.get("ConnectSettings") or {}).get(field)


DIRECTORY = mapped_type(
    "aws_directory_service_directory", ("Directory",), "A Directory Service directory.",
    key=_directory_arn, display_name="Name", tags="Tags",
    links=(in_subnets(_placed("SubnetIds")), protected_by(_placed("SecurityGroupId"))),
    name=("string: The directory's fully qualified domain name.", "Name"),
    directoryId=("string: Its ID.", "DirectoryId"),
    shortName=("string: Its NetBIOS name.", "ShortName"),
    directoryType=("string: SimpleAD, ADConnector, MicrosoftAD or SharedMicrosoftAD.", "Type"),
    edition=("string: Standard or Enterprise (Managed Microsoft AD).", "Edition"),
    size=("string: Small or Large.", "Size"),
    stage=("string: Active, Creating, Impaired, Inoperable and so on.", "Stage"),
    accessUrl=("string: Its access URL.", "AccessUrl"),
    ssoEnabled=("boolean: Whether single sign-on is on.", "SsoEnabled"),
    radiusMfa=("boolean: Whether sign-in passes a RADIUS second factor.", equals("RadiusStatus", "Completed")),
    dnsAddresses=("string[]: Its DNS servers' addresses.", "DnsIpAddrs"),
    vpcId=("string: The VPC it is in.", _placed("VpcId")),
    launchedOn=("timestamp: When it was created.", "LaunchTime"),
)

STEPS = (
    mapped_step("fetch-directory-service-directories", "Directory Service directories", "ds", DIRECTORY,
                fetch=list_then_describe(
        ApiCall("ds", "DescribeDirectories", "DirectoryDescriptions"),
        Detail("Tags", ApiCall("ds", "ListTagsForResource", "Tags", absent_errors=("EntityDoesNotExistException",)),
               lambda item: {"ResourceId": item["DirectoryId"]}),
    )),
)
