"""Amazon MQ brokers: engine, public accessibility, encryption, logging and where they run."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import (
    equals, in_subnets, mapped_step, mapped_type, protected_by, read, uses_key,
)
from aws_integration.integrations.aws.declarations import ApiCall

BROKER = mapped_type(
    "aws_mq_broker", ("Queue", "Host"), "An Amazon MQ (ActiveMQ or RabbitMQ) broker.",
    key="BrokerArn", display_name="BrokerName", tags="Detail.Tags",
    links=(uses_key("Detail.EncryptionOptions.KmsKeyId"), in_subnets("Detail.SubnetIds"),
           protected_by("Detail.SecurityGroups")),
    name=("string: The broker's name.", "BrokerName"),
    brokerId=("string: Its ID.", "BrokerId"),
    state=("string: RUNNING, CREATION_IN_PROGRESS, REBOOT_IN_PROGRESS and so on.", "BrokerState"),
    engineType=("string: ACTIVEMQ or RABBITMQ.", "EngineType"),
    engineVersion=("string: Its engine version.", "Detail.EngineVersion"),
    deploymentMode=("string: SINGLE_INSTANCE, ACTIVE_STANDBY_MULTI_AZ or CLUSTER_MULTI_AZ.", "DeploymentMode"),
    instanceType=("string: Its host instance type.", "HostInstanceType"),
    public=("boolean: Whether it is reachable from outside its VPC.", "Detail.PubliclyAccessible"),
    customerKeyEncrypted=("boolean: Whether a key of the account (not one AWS owns) encrypts it.",
                          equals("Detail.EncryptionOptions.UseAwsOwnedKey", False)),
    kmsKeyId=("string: The key that encrypts it.", "Detail.EncryptionOptions.KmsKeyId"),
    authenticationStrategy=("string: SIMPLE (its own users) or LDAP.", "Detail.AuthenticationStrategy"),
    autoMinorVersionUpgrade=("boolean: Whether minor engine versions are applied for it.", "Detail.AutoMinorVersionUpgrade"),
    generalLogs=("boolean: Whether its general log goes to CloudWatch.", "Detail.Logs.General"),
    auditLogs=("boolean: Whether its audit log goes to CloudWatch (ActiveMQ).", "Detail.Logs.Audit"),
    consoleUrl=("string: The web console of its first instance.",
                lambda item: (read(item, "Detail.BrokerInstances") or [{}])[0].get("ConsoleURL")),
    createdOn=("timestamp: When it was created.", "Created"),
)

STEPS = (
    mapped_step("fetch-mq-brokers", "Amazon MQ brokers", "mq", BROKER, fetch=list_then_describe(
        ApiCall("mq", "ListBrokers", "BrokerSummaries", page_size=100),
        Detail("Detail", ApiCall("mq", "DescribeBroker", absent_errors=("NotFoundException",)),
               lambda item: {"BrokerId": item["BrokerId"]}),
    )),
)
