"""Transfer Family servers (SFTP, FTPS, FTP, AS2): protocols, endpoint exposure, identity provider, logging."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.acm import CERTIFICATE
from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import (
    Link, arn_of, equals, in_subnets, mapped_step, mapped_type, protected_by, read, uses_role,
)
from aws_integration.integrations.aws.declarations import ApiCall

SERVER = "Server"
PLAINTEXT_PROTOCOLS = frozenset({"FTP"})

TRANSFER_SERVER = mapped_type(
    "aws_transfer_server", ("Host", "Service"), "A Transfer Family file transfer server.",
    key="Arn", display_name="ServerId", tags=f"{SERVER}.Tags",
    links=(uses_role(f"{SERVER}.LoggingRole"), in_subnets(f"{SERVER}.EndpointDetails.SubnetIds"),
           protected_by(f"{SERVER}.EndpointDetails.SecurityGroupIds"),
           Link("USES", CERTIFICATE, f"{SERVER}.Certificate", arn_of("acm", "certificate/"))),
    serverId=("string: The server's ID.", "ServerId"),
    state=("string: ONLINE, OFFLINE, STARTING, STOPPING and so on.", "State"),
    protocols=("string[]: The protocols it speaks (SFTP, FTPS, FTP, AS2).", f"{SERVER}.Protocols"),
    plaintext=("boolean: Whether it accepts FTP, which sends credentials unencrypted.",
               lambda item: bool(PLAINTEXT_PROTOCOLS & set(read(item, f"{SERVER}.Protocols") or []))),
    endpointType=("string: PUBLIC, VPC or VPC_ENDPOINT.", "EndpointType"),
    public=("boolean: Whether its endpoint is on the internet.", equals("EndpointType", "PUBLIC")),
    identityProviderType=("string: SERVICE_MANAGED, API_GATEWAY, AWS_DIRECTORY_SERVICE or AWS_LAMBDA.",
                          "IdentityProviderType"),
    domain=("string: S3 or EFS.", "Domain"),
    securityPolicy=("string: Its TLS/SSH security policy.", f"{SERVER}.SecurityPolicyName"),
    loggingRole=("string: The role it logs to CloudWatch with.", f"{SERVER}.LoggingRole"),
    userCount=("integer: The users it has.", "UserCount"),
    certificate=("string: The certificate of its FTPS endpoint.", f"{SERVER}.Certificate"),
)

STEPS = (
    mapped_step("fetch-transfer-servers", "Transfer Family servers", "transfer", TRANSFER_SERVER, fetch=list_then_describe(
        ApiCall("transfer", "ListServers", "Servers", page_size=1000),
        Detail(SERVER, ApiCall("transfer", "DescribeServer", absent_errors=("ResourceNotFoundException",)),
               lambda item: {"ServerId": item["ServerId"]}, pick="Server"),
    )),
)
