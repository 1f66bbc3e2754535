"""CloudWatch metric alarms: what they watch, their state, and the topics they notify."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import Link, arn_of, mapped_step, mapped_type
from aws_integration.integrations.aws.collectors.sns import TOPIC
from aws_integration.integrations.aws.declarations import ApiCall

ALARM = mapped_type(
    "aws_cloudwatch_alarm", ("Rule",), "A CloudWatch metric alarm.",
    key="AlarmArn", display_name="AlarmName", tags="Tags",
    links=(Link("NOTIFIES", TOPIC, lambda item: [*item.get("AlarmActions", []), *item.get("OKActions", []),
                                                 *item.get("InsufficientDataActions", [])], arn_of("sns")),),
    alarmName=("string: The alarm's name.", "AlarmName"),
    arn=("string: Its ARN.", "AlarmArn"),
    state=("string: OK, ALARM or INSUFFICIENT_DATA.", "StateValue"),
    actionsEnabled=("boolean: Whether its actions run on a change of state.", "ActionsEnabled"),
    namespace=("string: The namespace of the metric it watches.", "Namespace"),
    metricName=("string: The metric it watches.", "MetricName"),
    comparisonOperator=("string: How the metric is compared with the threshold.", "ComparisonOperator"),
    threshold=("number: The threshold.", "Threshold"),
    evaluationPeriods=("integer: The periods compared.", "EvaluationPeriods"),
    period=("integer: The seconds of one period.", "Period"),
    alarmActions=("string[]: The ARNs it acts on when it goes into ALARM.", "AlarmActions"),
    stateUpdatedOn=("timestamp: When its state last changed.", "StateUpdatedTimestamp"),
)

STEPS = (
    mapped_step("fetch-cloudwatch-alarms", "CloudWatch alarms", "cloudwatch", ALARM, fetch=list_then_describe(
        ApiCall("cloudwatch", "DescribeAlarms", "MetricAlarms", page_size=100),
        Detail("Tags", ApiCall("cloudwatch", "ListTagsForResource"), lambda item: {"ResourceARN": item["AlarmArn"]},
               pick="Tags"),
    )),
)
