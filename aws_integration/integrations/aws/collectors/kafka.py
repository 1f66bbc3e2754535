"""MSK (managed Kafka) clusters: encryption at rest and in transit, public access, authentication."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type, read, uses_key
from aws_integration.integrations.aws.declarations import ApiCall

PROVISIONED = "Provisioned"
ENCRYPTION = f"{PROVISIONED}.EncryptionInfo"

CLUSTER = mapped_type(
    "aws_msk_cluster", ("Cluster",), "An MSK (Kafka) cluster, provisioned or serverless.",
    key="ClusterArn", display_name="ClusterName", tags="Tags",
    links=(uses_key(f"{ENCRYPTION}.EncryptionAtRest.DataVolumeKMSKeyId"),),
    name=("string: The cluster's name.", "ClusterName"),
    arn=("string: Its ARN.", "ClusterArn"),
    clusterType=("string: PROVISIONED or SERVERLESS.", "ClusterType"),
    state=("string: ACTIVE, CREATING, UPDATING, FAILED, ...", "State"),
    kafkaVersion=("string: Its Kafka version.", f"{PROVISIONED}.CurrentBrokerSoftwareInfo.KafkaVersion"),
    brokerCount=("integer: Its broker nodes.", f"{PROVISIONED}.NumberOfBrokerNodes"),
    kmsKeyId=("string: The key that encrypts its data at rest.", f"{ENCRYPTION}.EncryptionAtRest.DataVolumeKMSKeyId"),
    clientEncryption=("string: TLS, TLS_PLAINTEXT or PLAINTEXT between clients and brokers.",
                      f"{ENCRYPTION}.EncryptionInTransit.ClientBroker"),
    plaintextAllowed=("boolean: Whether clients may connect without TLS.",
                      equals(f"{ENCRYPTION}.EncryptionInTransit.ClientBroker", "TLS_PLAINTEXT", "PLAINTEXT")),
    publicAccess=("boolean: Whether its brokers are reachable from the internet.",
                  lambda item: (read(item, f"{PROVISIONED}.BrokerNodeGroupInfo.ConnectivityInfo.PublicAccess.Type")
                                or "DISABLED") != "DISABLED" if PROVISIONED in item else None),
    subnetIds=("string[]: The subnets its brokers run in.", f"{PROVISIONED}.BrokerNodeGroupInfo.ClientSubnets"),
    createdOn=("timestamp: When it was created.", "CreationTime"),
)

STEPS = (
    mapped_step("fetch-msk-clusters", "MSK clusters", "kafka", CLUSTER,
                calls=(ApiCall("kafka", "ListClustersV2", "ClusterInfoList", page_size=100),)),
)
