"""SSM Parameter Store parameters: metadata only (type, tier, key, dates), never a value."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, uses_key
from aws_integration.integrations.aws.declarations import ApiCall
from aws_integration.integrations.aws.engine.context import TransformContext


def _parameter_arn(item: dict, scope: TransformContext) -> str:
    name = item["Name"]
    return item.get("ARN") or scope.arn("ssm", f"parameter{name if name.startswith('/') else '/' + name}")


PARAMETER = mapped_type(
    "aws_ssm_parameter", ("Configuration",), "An SSM Parameter Store parameter (metadata, never its value).",
    key=_parameter_arn, display_name="Name", tags="Tags", links=(uses_key("KeyId"),),
    name=("string: The parameter's name.", "Name"),
    parameterType=("string: String, StringList or SecureString.", "Type"),
    secure=("boolean: Whether it is a SecureString (encrypted with KMS).", equals("Type", "SecureString")),
    kmsKeyId=("string: The key that encrypts a SecureString.", "KeyId"),
    tier=("string: Standard, Advanced or Intelligent-Tiering.", "Tier"),
    dataType=("string: text, aws:ec2:image or aws:ssm:integration.", "DataType"),
    version=("integer: Its version.", "Version"),
    lastModifiedBy=("string: Who last changed it.", "LastModifiedUser"),
    updatedOn=("timestamp: When it was last changed.", "LastModifiedDate"),
)

STEPS = (
    mapped_step("fetch-ssm-parameters", "SSM parameters", "ssm", PARAMETER, fetch=list_then_describe(
        ApiCall("ssm", "DescribeParameters", "Parameters", page_size=50),
        Detail("Tags", ApiCall("ssm", "ListTagsForResource"),
               lambda item: {"ResourceType": "Parameter", "ResourceId": item["Name"]}, pick="TagList"),
    )),
)
