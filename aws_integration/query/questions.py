"""The security questions users ask an inventory first, as queries (docs/query.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """A saved question: a short name, the question in words, and its query."""

    name: str
    text: str
    query: str


SECURITY_QUESTIONS: tuple[Question, ...] = (
    Question(
        "ssh-open-to-internet", "Which security groups open SSH to the internet?",
        "FIND aws_security_group AS g THAT ALLOWS AS r Internet "
        "WHERE r.ingress = true AND r.fromPort <= 22 AND r.toPort >= 22 RETURN g.groupName, g.vpcId, r.cidr",
    ),
    Question(
        "admin-policies", "Which policies grant administrator access?",
        "FIND AccessPolicy AS p WITH allowsAllActions = true RETURN p._type, p.displayName",
    ),
    Question(
        "privilege-escalation", "Which policies let a principal escalate its privileges?",
        "FIND AccessPolicy AS p WITH allowsPrivilegeEscalation = true "
        "RETURN p._type, p.displayName, p.privilegeEscalationPaths",
    ),
    Question(
        "public-buckets", "Which buckets are public?",
        "FIND aws_s3_bucket AS b WITH public = true RETURN b.name, b.policyPublic, b.publicAclGrants",
    ),
    Question(
        "public-snapshots-and-images", "Which snapshots and images may anyone use?",
        "FIND Image AS s WITH public = true RETURN s._type, s.displayName, s.sharedWithAccounts",
    ),
    Question(
        "console-without-mfa", "Which users have console access without MFA?",
        "FIND aws_iam_user AS u WITH consoleAccess = true AND mfaEnabled = false "
        "RETURN u.username, u.passwordLastUsedOn",
    ),
    Question(
        "trusted-from-outside", "Which roles can be assumed from outside the ingested accounts?",
        "FIND aws_iam_role AS role THAT TRUSTS aws_account AS a WITH external = true RETURN role.roleName, a.accountId",
    ),
)
