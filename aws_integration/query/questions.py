"""The security questions users ask an inventory first, as saved queries (``aws-integration questions``
runs them; docs/query.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """A saved question: a short name, its area, the question in words, and its query."""

    name: str
    area: str
    text: str
    query: str


NETWORK, DATA, IDENTITY, LOGGING, ENDPOINTS = "network", "data", "identity", "logging", "endpoints"


def _port_open(port: int) -> str:
    return ("FIND aws_security_group AS g THAT ALLOWS AS r Internet "
            f"WHERE r.ingress = true AND r.fromPort <= {port} AND r.toPort >= {port} RETURN g.groupName, g.vpcId, r.cidr")


SECURITY_QUESTIONS: tuple[Question, ...] = (
    # -- network -----------------------------------------------------------------------------------
    Question("ssh-open-to-internet", NETWORK, "Which security groups open SSH to the internet?", _port_open(22)),
    Question("rdp-open-to-internet", NETWORK, "Which security groups open RDP to the internet?", _port_open(3389)),
    Question(
        "all-traffic-from-internet", NETWORK, "Which firewalls let all traffic in from the internet?",
        "FIND (aws_security_group|aws_network_acl) AS f THAT ALLOWS AS r Internet "
        "WHERE r.ingress = true AND r.ipProtocol = 'all' RETURN f._type, f.vpcId, r.cidr",
    ),
    Question(
        "instances-exposed-to-internet", NETWORK,
        "Which instances with a public address does a group open to the internet protect?",
        "FIND aws_security_group WITH allowsIngressFromInternet = true THAT PROTECTS aws_instance AS i "
        "WITH public = true RETURN i.displayName, i.region",
    ),
    Question(
        "imdsv1-instances", NETWORK, "Which instances still answer IMDSv1 (metadata without a session token)?",
        "FIND aws_instance AS i WITH metadataHttpTokens = 'optional' RETURN i.displayName, i.region",
    ),
    Question(
        "subnets-without-flow-logs", NETWORK, "How many subnets of each VPC record no flow logs?",
        "FIND aws_subnet AS s WITH flowLogsEnabled = false RETURN s.vpcId, COUNT(s) AS subnets",
    ),
    # -- data --------------------------------------------------------------------------------------
    Question(
        "public-buckets", DATA, "Which buckets are public?",
        "FIND aws_s3_bucket AS b WITH public = true RETURN b.name, b.policyPublic, b.publicAclGrants",
    ),
    Question(
        "unencrypted-buckets", DATA, "Which buckets have no default encryption?",
        "FIND aws_s3_bucket AS b WITH encrypted = false RETURN b.name, b.region",
    ),
    Question(
        "buckets-without-public-access-block", DATA, "Which buckets does no public access block cover?",
        "FIND aws_s3_bucket AS b WITH publicAccessBlocked = false AND accountPublicAccessBlocked = false "
        "RETURN b.name, b.classification",
    ),
    Question(
        "unencrypted-volumes", DATA, "Which instances use unencrypted volumes?",
        "FIND aws_ebs_volume AS v WITH encrypted = false THAT USES << aws_instance AS i "
        "RETURN i.displayName, v.size, v.region",
    ),
    Question(
        "unencrypted-databases", DATA, "Which databases store their data unencrypted?",
        "FIND (aws_db_instance|aws_rds_cluster|aws_docdb_cluster|aws_neptune_cluster|aws_redshift_cluster) AS d "
        "WITH encrypted = false RETURN d._type, d.displayName",
    ),
    Question(
        "public-snapshots-and-images", DATA, "Which snapshots and images may anyone use?",
        "FIND Image AS s WITH public = true RETURN s._type, s.displayName, s.sharedWithAccounts",
    ),
    Question(
        "ebs-encryption-by-default-off", DATA, "In which regions are new volumes not encrypted by default?",
        "FIND aws_ebs_default_encryption AS e WITH enabled = false RETURN e.region",
    ),
    Question(
        "keys-without-rotation", DATA, "Which customer-managed keys do not rotate?",
        "FIND aws_kms_key AS k WITH keyManager = 'CUSTOMER' AND rotationEnabled = false AND enabled = true "
        "RETURN k.description, k.region",
    ),
    # -- identity ----------------------------------------------------------------------------------
    Question(
        "admin-policies", IDENTITY, "Which policies grant administrator access?",
        "FIND AccessPolicy AS p WITH allowsAllActions = true RETURN p._type, p.displayName",
    ),
    Question(
        "privilege-escalation", IDENTITY, "Which policies let a principal escalate its privileges?",
        "FIND AccessPolicy AS p WITH allowsPrivilegeEscalation = true "
        "RETURN p._type, p.displayName, p.privilegeEscalationPaths",
    ),
    Question(
        "console-without-mfa", IDENTITY, "Which users have console access without MFA?",
        "FIND aws_iam_user AS u WITH consoleAccess = true AND mfaEnabled = false "
        "RETURN u.username, u.passwordLastUsedOn",
    ),
    Question(
        "root-without-mfa", IDENTITY, "Which accounts' root user has no MFA?",
        "FIND aws_account AS a WITH external = false AND rootMfaEnabled = false RETURN a.accountId",
    ),
    Question(
        "root-access-keys", IDENTITY, "Which accounts' root user has access keys?",
        "FIND aws_account AS a WITH rootAccessKeysPresent = true RETURN a.accountId",
    ),
    Question(
        "unused-access-keys", IDENTITY, "Which active access keys were not used in 90 days, or never?",
        "FIND aws_iam_access_key AS k WITH active = true AND (lastUsedOn = undefined OR lastUsedOn < date.now - 90 days) "
        "RETURN k.userName, k.lastUsedOn",
    ),
    Question(
        "old-access-keys", IDENTITY, "Which active access keys are older than 90 days?",
        "FIND aws_iam_access_key AS k WITH active = true AND createdOn < date.now - 90 days RETURN k.userName",
    ),
    Question(
        "weak-password-policy", IDENTITY, "Does the account's password policy fall short (14 characters, no reuse)?",
        "FIND aws_iam_account_password_policy AS p WITH exists = false OR minimumPasswordLength < 14 "
        "OR passwordReusePrevention = undefined RETURN p.accountId, p.exists, p.minimumPasswordLength",
    ),
    Question(
        "users-outside-groups", IDENTITY, "Which users belong to no group?",
        "FIND aws_iam_user AS u THAT !CONTAINS << aws_iam_group RETURN u.username",
    ),
    Question(
        "users-with-own-policies", IDENTITY, "Which users hold policies of their own, not through a group?",
        "FIND aws_iam_user AS u THAT (ASSIGNED|HAS) >> (aws_iam_policy|aws_iam_user_policy) AS p "
        "RETURN u.username, p._type, p.displayName",
    ),
    Question(
        "trusted-from-outside", IDENTITY, "Which roles can be assumed from outside the ingested accounts?",
        "FIND aws_iam_role AS role THAT TRUSTS aws_account AS a WITH external = true RETURN role.roleName, a.accountId",
    ),
    # -- logging -----------------------------------------------------------------------------------
    Question(
        "no-multi-region-trail", LOGGING, "Which accounts have no trail logging every region?",
        "FIND aws_account AS a WITH external = false THAT !HAS aws_cloudtrail WITH multiRegion = true AND logging = true "
        "RETURN a.accountId",
    ),
    # -- endpoints (with a SentinelOne console ingested) --------------------------------------------
    Question(
        "instances-without-endpoint-agent", ENDPOINTS, "Which running instances have no endpoint agent?",
        "FIND aws_instance AS i WITH state = 'running' THAT !PROTECTS sentinelone_agent RETURN i.displayName, i.region",
    ),
    Question(
        "infected-endpoints", ENDPOINTS, "Which endpoints have active threats?",
        "FIND sentinelone_agent AS a WITH infected = true RETURN a.displayName, a.activeThreats, a.siteName",
    ),
)
