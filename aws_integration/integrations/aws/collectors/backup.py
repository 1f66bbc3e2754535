"""AWS Backup vaults and plans: what protects recovery points, who may reach them, and what plans keep."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import Link, mapped_step, mapped_type, read, uses_key
from aws_integration.integrations.aws.declarations import ApiCall, RawItem

LIST_TAGS = ApiCall("backup", "ListTags")


VAULT = mapped_type(
    "aws_backup_vault", ("Vault",), "An AWS Backup vault: where recovery points are kept.",
    key="BackupVaultArn", display_name="BackupVaultName", tags="Tags",
    links=(uses_key("EncryptionKeyArn"),),
    name=("string: The vault's name.", "BackupVaultName"),
    vaultType=("string: BACKUP_VAULT or LOGICALLY_AIR_GAPPED_BACKUP_VAULT.", "VaultType"),
    kmsKeyId=("string: The key that encrypts its recovery points.", "EncryptionKeyArn"),
    recoveryPoints=("integer: The recovery points it holds.", "NumberOfRecoveryPoints"),
    locked=("boolean: Whether Vault Lock keeps its recovery points from deletion.", "Locked"),
    minRetentionDays=("integer: The shortest retention its lock allows.", "MinRetentionDays"),
    maxRetentionDays=("integer: The longest retention its lock allows.", "MaxRetentionDays"),
    createdOn=("timestamp: When it was created.", "CreationDate"),
)


def _rules(item: RawItem) -> list[RawItem]:
    return read(item, "Plan.BackupPlan.Rules") or []


def _vault_arns(item: RawItem) -> list[str]:
    """The vaults the plan's rules write to, as ARNs in the plan's account and region."""
    prefix = item["BackupPlanArn"].rsplit(":backup-plan:", 1)[0]
    return sorted({f"{prefix}:backup-vault:{rule['TargetBackupVaultName']}"
                   for rule in _rules(item) if rule.get("TargetBackupVaultName")})


PLAN = mapped_type(
    "aws_backup_plan", ("Procedure",), "An AWS Backup plan: when resources are backed up and how long copies are kept.",
    key="BackupPlanArn", display_name="BackupPlanName", tags="Tags",
    links=(Link("USES", VAULT.decl, _vault_arns),),
    name=("string: The plan's name.", "BackupPlanName"),
    planId=("string: Its ID.", "BackupPlanId"),
    versionId=("string: Its current version.", "VersionId"),
    ruleCount=("integer: Its rules.", lambda item: len(_rules(item))),
    schedules=("string[]: Its rules' schedules (cron or rate expressions).",
               lambda item: sorted({rule["ScheduleExpression"] for rule in _rules(item) if rule.get("ScheduleExpression")})),
    shortestRetentionDays=("integer: The fewest days a rule keeps a recovery point (None when kept for ever).",
                           lambda item: min((rule["Lifecycle"]["DeleteAfterDays"] for rule in _rules(item)
                                             if (rule.get("Lifecycle") or {}).get("DeleteAfterDays")), default=None)),
    copiesToOtherVaults=("boolean: Whether a rule copies recovery points to another vault (another region or account).",
                         lambda item: any(rule.get("CopyActions") for rule in _rules(item))),
    lastRunOn=("timestamp: When it last ran.", "LastExecutionDate"),
    createdOn=("timestamp: When it was created.", "CreationDate"),
)

STEPS = (
    mapped_step("fetch-backup-vaults", "Backup vaults", "backup", VAULT, fetch=list_then_describe(
        ApiCall("backup", "ListBackupVaults", "BackupVaultList", page_size=1000),
        Detail("Tags", LIST_TAGS, lambda item: {"ResourceArn": item["BackupVaultArn"]}, pick="Tags"),
    )),
    mapped_step("fetch-backup-plans", "Backup plans", "backup", PLAN, fetch=list_then_describe(
        ApiCall("backup", "ListBackupPlans", "BackupPlansList", page_size=1000),
        Detail("Plan", ApiCall("backup", "GetBackupPlan"), lambda item: {"BackupPlanId": item["BackupPlanId"]}),
        Detail("Tags", LIST_TAGS, lambda item: {"ResourceArn": item["BackupPlanArn"]}, pick="Tags"),
    )),
)
