"""Step Functions state machines: their role, logging, tracing and encryption."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, uses_key, uses_role
from aws_integration.integrations.aws.declarations import ApiCall


def _machine(item: dict) -> dict[str, str]:
    return {"stateMachineArn": item["stateMachineArn"]}


STATE_MACHINE = mapped_type(
    "aws_sfn_state_machine", ("Workflow",), "A Step Functions state machine.",
    key="stateMachineArn", display_name="name", tags="Tags",
    links=(uses_role("Detail.roleArn"), uses_key("Detail.encryptionConfiguration.kmsKeyId")),
    name=("string: The state machine's name.", "name"),
    arn=("string: Its ARN.", "stateMachineArn"),
    machineType=("string: STANDARD or EXPRESS.", "type"),
    status=("string: ACTIVE or DELETING.", "Detail.status"),
    roleArn=("string: The role its executions run as.", "Detail.roleArn"),
    loggingLevel=("string: What it logs: ALL, ERROR, FATAL or OFF.", "Detail.loggingConfiguration.level"),
    tracingEnabled=("boolean: Whether X-Ray traces its executions.", "Detail.tracingConfiguration.enabled"),
    encryptionType=("string: AWS_OWNED_KEY or CUSTOMER_MANAGED_KMS_KEY.", "Detail.encryptionConfiguration.type"),
    customerKeyEncrypted=("boolean: Whether a customer-managed key encrypts its data.",
                          equals("Detail.encryptionConfiguration.type", "CUSTOMER_MANAGED_KMS_KEY")),
    createdOn=("timestamp: When it was created.", "creationDate"),
)

STEPS = (
    mapped_step("fetch-step-functions", "Step Functions state machines", "stepfunctions", STATE_MACHINE,
                fetch=list_then_describe(
                    ApiCall("stepfunctions", "ListStateMachines", "stateMachines", page_size=1000),
                    Detail("Detail", ApiCall("stepfunctions", "DescribeStateMachine"), _machine),
                    Detail("Tags", ApiCall("stepfunctions", "ListTagsForResource"),
                           lambda item: {"resourceArn": item["stateMachineArn"]}, pick="tags"),
                )),
)
