"""S3 buckets with their region, tags, encryption, versioning, policy, ACL and whether they are public."""

from __future__ import annotations

from collections.abc import Iterator

from aws_integration.integrations.aws.collectors.common import build_entity
from aws_integration.integrations.aws.collectors.s3_exposure import Exposure, block_flags
from aws_integration.integrations.aws.declarations import ApiCall, EntityDecl, RawItem, Scope, StepDecl, described
from aws_integration.integrations.aws.engine.context import FetchContext, TransformContext
from aws_integration.graph.model import Entity, Relationship

BUCKET = EntityDecl("aws_s3_bucket", ("DataStore",), "An S3 bucket.", properties=described(
    name="string: The bucket's name.",
    arn="string: Its ARN.",
    createdOn="timestamp: When it was created.",
    encrypted="boolean: Whether default encryption is configured.",
    encryptionAlgorithm="string: The default encryption: AES256, aws:kms or aws:kms:dsse.",
    kmsKeyId="string: The KMS key of default encryption with aws:kms.",
    bucketKeyEnabled="boolean: Whether S3 Bucket Keys reduce its KMS calls.",
    versioningEnabled="boolean: Whether versioning is enabled.",
    mfaDelete="boolean: Whether deleting a version needs MFA.",
    blockPublicAcls="boolean: The bucket's public access block refuses public ACLs.",
    ignorePublicAcls="boolean: The bucket's public access block ignores public ACLs.",
    blockPublicPolicy="boolean: The bucket's public access block refuses public bucket policies.",
    restrictPublicBuckets="boolean: The bucket's public access block restricts access under a public policy to AWS services and the account.",
    publicAccessBlocked="boolean: Whether all four settings of the bucket's public access block are on.",
    accountPublicAccessBlocked="boolean: Whether all four settings of the account's public access block are on.",
    policyDocument="string: The bucket policy, as JSON text.",
    policyPublic="boolean: Whether S3 rates the bucket policy public (GetBucketPolicyStatus).",
    publicAclGrants="string[]: The ACL's grants to AllUsers or AuthenticatedUsers (AllUsers:READ).",
    public="boolean: Whether the bucket is public: a public policy or public ACL grant no public access block overrides (docs/security.md).",
))

LIST_BUCKETS = ApiCall("s3", "ListBuckets", "Buckets", iam_action="s3:ListAllMyBuckets")
GET_LOCATION = ApiCall("s3", "GetBucketLocation")
GET_TAGGING = ApiCall("s3", "GetBucketTagging", absent_errors=("NoSuchTagSet",))
GET_ENCRYPTION = ApiCall("s3", "GetBucketEncryption", iam_action="s3:GetEncryptionConfiguration",
                         absent_errors=("ServerSideEncryptionConfigurationNotFoundError",))
GET_VERSIONING = ApiCall("s3", "GetBucketVersioning")
GET_PUBLIC_ACCESS_BLOCK = ApiCall("s3", "GetPublicAccessBlock", iam_action="s3:GetBucketPublicAccessBlock",
                                  absent_errors=("NoSuchPublicAccessBlockConfiguration",))
GET_POLICY = ApiCall("s3", "GetBucketPolicy", absent_errors=("NoSuchBucketPolicy",))
GET_POLICY_STATUS = ApiCall("s3", "GetBucketPolicyStatus", absent_errors=("NoSuchBucketPolicy",))
GET_ACL = ApiCall("s3", "GetBucketAcl")
GET_ACCOUNT_PUBLIC_ACCESS_BLOCK = ApiCall("s3control", "GetPublicAccessBlock", iam_action="s3:GetAccountPublicAccessBlock",
                                          absent_errors=("NoSuchPublicAccessBlockConfiguration",))
BUCKET_CALLS = (GET_TAGGING, GET_ENCRYPTION, GET_VERSIONING, GET_PUBLIC_ACCESS_BLOCK, GET_POLICY, GET_POLICY_STATUS, GET_ACL)


def bucket_region(location: dict | None) -> str:
    """A bucket's region from GetBucketLocation (``None`` means us-east-1, ``EU`` eu-west-1)."""
    constraint = (location or {}).get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


async def fetch_buckets(context: FetchContext) -> list[RawItem]:
    """List buckets, then read each bucket's configuration in the bucket's own region, and the account's
    public access block (which every bucket's ``public`` depends on).

    AWS names each bucket's region in ``ListBuckets`` (``BucketRegion``); a bucket
    listed without one is located with ``GetBucketLocation``.
    """
    buckets = await context.items(LIST_BUCKETS)

    async def describe(bucket: RawItem) -> RawItem:
        name = bucket["Name"]
        region = bucket.get("BucketRegion") or bucket_region(await context.call(GET_LOCATION, Bucket=name))
        tagging, encryption, versioning, access_block, policy, policy_status, acl = await context.each(
            BUCKET_CALLS, lambda call: context.call(call, region=region, Bucket=name))
        return {
            **bucket,
            "Region": region,
            "Tags": (tagging or {}).get("TagSet", []),
            "Encryption": (encryption or {}).get("ServerSideEncryptionConfiguration"),
            "Versioning": versioning or {},
            "PublicAccessBlock": (access_block or {}).get("PublicAccessBlockConfiguration"),
            "Policy": (policy or {}).get("Policy"),
            "PolicyStatus": (policy_status or {}).get("PolicyStatus"),
            "Acl": acl or {},
        }

    if not buckets:
        return []
    account_block, described = await context.together(
        lambda: context.call(GET_ACCOUNT_PUBLIC_ACCESS_BLOCK, AccountId=context.scope.account_id),
        lambda: context.each(buckets, describe),
    )
    configuration = (account_block or {}).get("PublicAccessBlockConfiguration")
    return [{**bucket, "AccountPublicAccessBlock": configuration} for bucket in described]


def transform_bucket(item: RawItem, scope: TransformContext) -> Iterator[Entity | Relationship]:
    """One ``aws_s3_bucket`` with encryption, versioning, its policy and whether it is public."""
    rules = (item.get("Encryption") or {}).get("Rules", [])
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    block = item.get("PublicAccessBlock")
    flags = {flag[0].lower() + flag[1:]: value for flag, value in block_flags(block).items()}
    exposure = Exposure.of(item.get("PolicyStatus"), item.get("Acl"), block, item.get("AccountPublicAccessBlock"))
    versioning = item.get("Versioning") or {}
    bucket_scope = TransformContext(scope.partition, scope.account_id, item["Region"], scope.account_name)
    yield build_entity(
        BUCKET,
        bucket_scope,
        key=f"arn:{scope.partition}:s3:::{item['Name']}",
        name=item["Name"],
        tags=item.get("Tags"),
        properties={
            "name": item["Name"],
            "arn": f"arn:{scope.partition}:s3:::{item['Name']}",
            "createdOn": item.get("CreationDate"),
            "encrypted": bool(default),
            "encryptionAlgorithm": default.get("SSEAlgorithm"),
            "kmsKeyId": default.get("KMSMasterKeyID"),
            "bucketKeyEnabled": rules[0].get("BucketKeyEnabled") if rules else None,
            "versioningEnabled": versioning.get("Status") == "Enabled",
            "mfaDelete": versioning.get("MFADelete") == "Enabled",
            **flags,
            "publicAccessBlocked": all(flags.values()),
            "accountPublicAccessBlocked": all(block_flags(item.get("AccountPublicAccessBlock")).values()),
            "policyDocument": item.get("Policy"),
            "policyPublic": exposure.policy_public,
            "publicAclGrants": list(exposure.acl_grants),
            "public": exposure.public,
            "classification": None,
        },
    )


STEPS: tuple[StepDecl, ...] = (
    StepDecl(
        id="fetch-s3-buckets",
        name="S3 buckets",
        service="s3",
        scope=Scope.GLOBAL,
        calls=(LIST_BUCKETS, GET_LOCATION, GET_ACCOUNT_PUBLIC_ACCESS_BLOCK, *BUCKET_CALLS),
        entities=(BUCKET,),
        fetch=fetch_buckets,
        transform=transform_bucket,
    ),
)
