"""SES (v2) sending identities: verified domains and addresses, DKIM, and who else may send as them."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import listed_by_token
from aws_integration.integrations.aws.collectors.iam_trust import parse_trust, trust_document
from aws_integration.integrations.aws.collectors.mapped import equals, mapped_step, mapped_type
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

LIST_EMAIL_IDENTITIES = ApiCall("sesv2", "ListEmailIdentities")
GET_EMAIL_IDENTITY = ApiCall("sesv2", "GetEmailIdentity", absent_errors=("NotFoundException",))
PAGE_SIZE = 1000  # ListEmailIdentities's largest page


def _authorized_senders(item: RawItem) -> list[str]:
    """The principals its sending authorization policies allow (``*`` for anyone)."""
    principals: set[str] = set()
    for document in (item.get("Policies") or {}).values():
        trust = parse_trust(trust_document(document))
        principals.update(trust.accounts, trust.roles, trust.users, trust.services, {"*"} if trust.anyone else ())
    return sorted(principals)


IDENTITY = mapped_type(
    "aws_ses_identity", ("Configuration",), "An SES sending identity: a domain or an email address.",
    key="Arn", display_name="IdentityName", tags="Tags",
    name=("string: The domain or address.", "IdentityName"),
    identityType=("string: DOMAIN, EMAIL_ADDRESS or MANAGED_DOMAIN.", "IdentityType"),
    verified=("boolean: Whether it is verified for sending.", "VerifiedForSendingStatus"),
    verificationStatus=("string: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE or NOT_STARTED.", "VerificationStatus"),
    dkimSigning=("boolean: Whether its mail is DKIM-signed.", "DkimAttributes.SigningEnabled"),
    dkimStatus=("string: The DKIM verification status.", "DkimAttributes.Status"),
    feedbackForwarding=("boolean: Whether bounces and complaints are mailed back.", "FeedbackForwardingStatus"),
    mailFromDomain=("string: Its custom MAIL FROM domain.", "MailFromAttributes.MailFromDomain"),
    configurationSet=("string: Its default configuration set.", "ConfigurationSetName"),
    sendingPolicies=("integer: Its sending authorization policies.", lambda item: len(item.get("Policies") or {})),
    authorizedSenders=("string[]: The principals its sending authorization policies allow.", _authorized_senders),
    sendingEnabled=("boolean: Whether sending is on.", equals("SendingEnabled", True)),
)


async def fetch_identities(context: FetchContext) -> list[RawItem]:
    """Every identity with its DKIM, MAIL FROM, policies and tags (GetEmailIdentity answers them all)."""
    listed = await listed_by_token(context, LIST_EMAIL_IDENTITIES, "EmailIdentities", PageSize=PAGE_SIZE)

    async def describe(summary: RawItem) -> RawItem | None:
        name = summary["IdentityName"]
        found = await context.call(GET_EMAIL_IDENTITY, EmailIdentity=name)
        if found is None:
            return None
        detail = {field: value for field, value in found.items() if field != "ResponseMetadata"}
        return {**summary, **detail, "Arn": context.scope.arn("ses", f"identity/{name}")}

    return [item for item in await context.each(listed, describe) if item is not None]


STEPS = (
    mapped_step("fetch-ses-identities", "SES identities", "sesv2", IDENTITY,
                calls=(LIST_EMAIL_IDENTITIES, GET_EMAIL_IDENTITY), fetch=fetch_identities),
)
