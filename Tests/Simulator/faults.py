#!/usr/bin/env python3
"""Named single faults for a running simulator seeded with the target estate.

    python3 Tests/Simulator/faults.py --endpoint URL list
    python3 Tests/Simulator/faults.py --endpoint URL apply NAME [NAME ...]
        [--access-key-id ID --secret-access-key SECRET]   (needed with --auth)

Each fault changes one thing the guide promises, through the AWS API where one
exists and through the simulator's control API otherwise. Its docstring says what
it breaks and which of mnemond's checks should notice. Faults are not undone: start
a fresh simulator (or several) for independent scenarios.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import estate  # noqa: E402
from estate import DR, PRIMARY, UTC  # noqa: E402

OTHER_ACCOUNT = "111122223333"


class Context:
    def __init__(self, sim: estate.Sim):
        self.sim = sim
        meta = sim.control("/_sim/meta", method="GET")
        if meta.get("clock", True) or not meta.get("now"):
            self.now = dt.datetime.now(UTC)
        else:
            self.now = dt.datetime.fromisoformat(meta["now"].replace("Z", "+00:00"))
        self.clock = bool(meta.get("clock", True))

    def s3(self, bucket: str) -> Any:
        return self.sim.client("s3", estate.BUCKET_REGION[bucket])

    def target_plan(self) -> dict[str, Any]:
        backup = self.sim.client("backup", PRIMARY)
        for plan in backup.list_backup_plans()["BackupPlansList"]:
            if plan["BackupPlanName"] == estate.PLAN_NAME:
                return backup.get_backup_plan(BackupPlanId=plan["BackupPlanId"])
        raise RuntimeError(f"plan {estate.PLAN_NAME} not found: is this a target-state simulator?")

    def edit_replication(self, source: str, edit: Callable[[dict[str, Any]], None]) -> None:
        s3 = self.s3(source)
        config = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]
        for rule in config["Rules"]:
            edit(rule)
        s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=config)

    def delete_history(self, region: str, kind: str, **spec: Any) -> int:
        return self.sim.control("/_sim/backup/delete", {"region": region, "kind": kind, **spec})["deleted"]

    def creator(self) -> dict[str, Any]:
        return estate._creator(self.target_plan(), estate.RULE_NAME, estate.SCHEDULE)


FAULTS: dict[str, Callable[[Context], None]] = {}


def fault(name: str) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        FAULTS[name] = fn
        return fn

    return register


# ------------------------------------------------------------------------- S3


@fault("lifecycle-noncurrent-15d")
def _lifecycle_noncurrent_15d(ctx: Context) -> None:
    """mne-media-replica keeps noncurrent versions 15 d instead of 180 d (the state
    before Phase 2). Seen by the replica lifecycle check (noncurrent retention)."""
    rules = estate.lifecycle("mne-media-replica", target=True)
    assert rules is not None
    rules["Rules"][0]["NoncurrentVersionExpiration"]["NoncurrentDays"] = 15
    ctx.s3("mne-media-replica").put_bucket_lifecycle_configuration(
        Bucket="mne-media-replica", LifecycleConfiguration=rules
    )


@fault("replica-current-expiration")
def _replica_current_expiration(ctx: Context) -> None:
    """mne-media-replica gains a current-version Expiration of 30 d: the replica stops
    mirroring the source. Seen by the replica lifecycle check (no current expiration)."""
    rules = estate.lifecycle("mne-media-replica", target=True)
    assert rules is not None
    rules["Rules"][0]["Expiration"] = {"Days": 30}
    ctx.s3("mne-media-replica").put_bucket_lifecycle_configuration(
        Bucket="mne-media-replica", LifecycleConfiguration=rules
    )


@fault("encryption-removed")
def _encryption_removed(ctx: Context) -> None:
    """mne-vault-replica loses its default encryption configuration (moto then answers
    404 ServerSideEncryptionConfigurationNotFoundError). Seen by the replica encryption
    check (SSE AES256 with bucket key)."""
    ctx.s3("mne-vault-replica").delete_bucket_encryption(Bucket="mne-vault-replica")


@fault("replication-disabled")
def _replication_disabled(ctx: Context) -> None:
    """The paris-replica rule of mne-media-prod is Disabled. Seen by the replication
    configuration check (rule enabled)."""
    ctx.edit_replication("mne-media-prod", lambda rule: rule.update(Status="Disabled"))


@fault("replication-storage-standard")
def _replication_storage_standard(ctx: Context) -> None:
    """mne-media-prod replicates into STANDARD instead of DEEP_ARCHIVE. Seen by the
    replication configuration check (destination storage class)."""
    ctx.edit_replication("mne-media-prod", lambda rule: rule["Destination"].update(StorageClass="STANDARD"))


@fault("replication-delete-markers-off")
def _replication_delete_markers_off(ctx: Context) -> None:
    """mne-media-prod no longer replicates delete markers. Seen by the replication
    configuration check (delete-marker replication)."""
    ctx.edit_replication("mne-media-prod", lambda rule: rule.update(DeleteMarkerReplication={"Status": "Disabled"}))


@fault("replication-metrics-off")
def _replication_metrics_off(ctx: Context) -> None:
    """Replication metrics Disabled on mne-vault-prod: latency and failure metrics stop
    existing, so the replication alarms go blind. Seen by the replication configuration
    check (metrics enabled)."""
    ctx.edit_replication("mne-vault-prod", lambda rule: rule["Destination"].update(Metrics={"Status": "Disabled"}))


@fault("versioning-suspended")
def _versioning_suspended(ctx: Context) -> None:
    """mne-vault-prod versioning Suspended: deleted objects are gone for good. Seen by
    the source-bucket versioning check. (S3 then refuses replication changes on the
    bucket, so apply replication-metrics-off before this one when combining.)"""
    ctx.s3("mne-vault-prod").put_bucket_versioning(
        Bucket="mne-vault-prod", VersioningConfiguration={"Status": "Suspended"}
    )


# ------------------------------------------------------------------------ RDS


@fault("pitr-stale-40m")
def _pitr_stale_40m(ctx: Context) -> None:
    """RDS LatestRestorableTime is 40 min old (default thresholds: warn > 10 min,
    critical > 30 min). Seen by the RDS PITR lag check (critical)."""
    payload: dict[str, Any] = {"region": PRIMARY, "db": estate.RDS_ID}
    if ctx.clock:
        payload["lag_seconds"] = 40 * 60
    else:
        payload["time"] = ctx.now - dt.timedelta(minutes=40)
    ctx.sim.control("/_sim/rds/latest-restorable-time", payload)


@fault("retention-7d")
def _retention_7d(ctx: Context) -> None:
    """RDS BackupRetentionPeriod 7 instead of 35: PITR covers a week. Seen by the RDS
    backup retention check."""
    ctx.sim.client("rds", PRIMARY).modify_db_instance(
        DBInstanceIdentifier=estate.RDS_ID, BackupRetentionPeriod=7, ApplyImmediately=True
    )


@fault("backup-window-moved")
def _backup_window_moved(ctx: Context) -> None:
    """RDS PreferredBackupWindow moved to 04:00-06:00 (promise: 22:00-00:00 UTC). Seen
    by the RDS backup window check."""
    ctx.sim.client("rds", PRIMARY).modify_db_instance(
        DBInstanceIdentifier=estate.RDS_ID, PreferredBackupWindow="04:00-06:00", ApplyImmediately=True
    )


# ----------------------------------------------------------------- AWS Backup


@fault("copy-action-missing")
def _copy_action_missing(ctx: Context) -> None:
    """The plan's rule keeps its 6-hour schedule but loses the copy action to the DR
    vault. Seen by the backup plan check (copy action to eks-mnemonica-prod-vault-dr)."""
    plan = ctx.target_plan()
    rule = copy.deepcopy(plan["BackupPlan"]["Rules"][0])
    rule.pop("RuleId", None)
    rule.pop("CopyActions", None)
    ctx.sim.client("backup", PRIMARY).update_backup_plan(
        BackupPlanId=plan["BackupPlanId"],
        BackupPlan={"BackupPlanName": plan["BackupPlan"]["BackupPlanName"], "Rules": [rule]},
    )


@fault("backup-plan-daily")
def _backup_plan_daily(ctx: Context) -> None:
    """The plan's rule is back to daily at 05:00 UTC with 35-day retention and no DR
    copy (what Phase 6 replaced). Seen by the backup plan check (schedule, lifecycle,
    copy action)."""
    plan = ctx.target_plan()
    rule = copy.deepcopy(plan["BackupPlan"]["Rules"][0])
    for key in ("RuleId",):
        rule.pop(key, None)
    rule.update(
        ScheduleExpression=estate.CURRENT_SCHEDULE,
        Lifecycle={"DeleteAfterDays": estate.CURRENT_RETENTION_DAYS},
        StartWindowMinutes=480,
        CompletionWindowMinutes=10080,
    )
    rule.pop("CopyActions", None)
    ctx.sim.client("backup", PRIMARY).update_backup_plan(
        BackupPlanId=plan["BackupPlanId"],
        BackupPlan={"BackupPlanName": plan["BackupPlan"]["BackupPlanName"], "Rules": [rule]},
    )


@fault("backup-selection-missing")
def _backup_selection_missing(ctx: Context) -> None:
    """The plan has no selection any more, so the RDS instance is not backed up by it.
    Seen by the backup plan check (selection covers the RDS ARN)."""
    backup = ctx.sim.client("backup", PRIMARY)
    plan_id = ctx.target_plan()["BackupPlanId"]
    for selection in backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]:
        backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection["SelectionId"])


@fault("dr-vault-stale")
def _dr_vault_stale(ctx: Context) -> None:
    """No recovery point reached the DR vault (eu-west-3) in the last 14 h and no copy
    job ran; the primary vault is fresh. Seen by the DR vault freshness check."""
    since = ctx.now - dt.timedelta(hours=14)
    ctx.delete_history(DR, "recovery-points", created_after=since)
    ctx.delete_history(PRIMARY, "copy-jobs", created_after=since)


@fault("last-job-14h")
def _last_job_14h(ctx: Context) -> None:
    """Backups stopped 14 h ago: no backup job, copy job or recovery point (in either
    vault) newer than 14 h. Seen by the backup job freshness check (6 h + grace) and,
    as a consequence, by the newest-recovery-point checks of both vaults."""
    since = ctx.now - dt.timedelta(hours=14)
    # A scheduled run is a backup job and, 13-31 min later, its copy job: a cut between the two
    # would leave a job without its copy, a pairing fault this one is not. A run that started
    # within the hour before the cut is stopped too (the newest job is then older than 14 h).
    backup = ctx.sim.client("backup", PRIMARY)
    near = [
        job["CreationDate"]
        for job in backup.list_backup_jobs(ByCreatedAfter=since - dt.timedelta(hours=1))["BackupJobs"]
        if job["CreationDate"] <= since
    ]
    if near:
        since = min(near) - dt.timedelta(seconds=1)
    ctx.delete_history(PRIMARY, "jobs", created_after=since)
    ctx.delete_history(PRIMARY, "copy-jobs", created_after=since)
    ctx.delete_history(PRIMARY, "recovery-points", created_after=since)
    ctx.delete_history(DR, "recovery-points", created_after=since)


@fault("failed-backup-job")
def _failed_backup_job(ctx: Context) -> None:
    """A FAILED backup job for the RDS instance 1 h ago (an extra run; the scheduled
    ones still completed). Seen by the backup job failures check."""
    ctx.sim.control(
        "/_sim/backup/jobs",
        {
            "region": PRIMARY,
            "jobs": [
                {
                    "BackupVaultName": estate.VAULT,
                    "ResourceArn": estate.RDS_ARN,
                    "ResourceType": "RDS",
                    "CreationDate": ctx.now - dt.timedelta(hours=1),
                    "CompletionDate": ctx.now - dt.timedelta(minutes=50),
                    "State": "FAILED",
                    "StatusMessage": "Backup job failed because the DB instance was in an incompatible state.",
                    "PercentDone": "0.0",
                    "IamRoleArn": estate.BACKUP_ROLE_ARN,
                    "CreatedBy": ctx.creator(),
                    "MessageCategory": "FAILURE",
                }
            ],
        },
    )


@fault("failed-copy-job")
def _failed_copy_job(ctx: Context) -> None:
    """A FAILED copy job to the DR vault 1 h ago. Seen by the copy job check (copies to
    eks-mnemonica-prod-vault-dr COMPLETED)."""
    points = ctx.sim.client("backup", PRIMARY).list_recovery_points_by_backup_vault(
        BackupVaultName=estate.VAULT, MaxResults=1
    )["RecoveryPoints"]
    ctx.sim.control(
        "/_sim/backup/copy-jobs",
        {
            "region": PRIMARY,
            "copy_jobs": [
                {
                    "SourceBackupVaultArn": estate.VAULT_ARN,
                    "SourceRecoveryPointArn": points[0]["RecoveryPointArn"] if points else None,
                    "DestinationBackupVaultArn": estate.DR_VAULT_ARN,
                    "ResourceArn": estate.RDS_ARN,
                    "ResourceType": "RDS",
                    "CreationDate": ctx.now - dt.timedelta(hours=1),
                    "CompletionDate": ctx.now - dt.timedelta(minutes=55),
                    "State": "FAILED",
                    "StatusMessage": "Copy job failed: access denied to the destination vault's key.",
                    "IamRoleArn": estate.BACKUP_ROLE_ARN,
                    "CreatedBy": ctx.creator(),
                    "MessageCategory": "FAILURE",
                }
            ],
        },
    )


@fault("coverage-gap")
def _coverage_gap(ctx: Context) -> None:
    """Recovery points of the primary vault are missing for 3 days around 60 days ago
    (12 snapshots). Seen by the recovery point coverage check (gaps larger than the
    schedule within the 180-day window)."""
    middle = ctx.now - dt.timedelta(days=60)
    ctx.delete_history(
        PRIMARY,
        "recovery-points",
        vault=estate.VAULT,
        created_after=middle - dt.timedelta(hours=36),
        created_before=middle + dt.timedelta(hours=36),
    )


@fault("no-restore-test")
def _no_restore_test(ctx: Context) -> None:
    """The newest restore jobs are 130 d (eu-west-1) and 150 d (eu-west-3) old: no
    restore was tested for over 120 days. Seen by the restore test check."""
    for region, vault, days in ((PRIMARY, estate.VAULT, 130), (DR, estate.DR_VAULT, 150)):
        ctx.delete_history(region, "restore-jobs")
        backup = ctx.sim.client("backup", region)
        when = ctx.now - dt.timedelta(days=days)
        points = backup.list_recovery_points_by_backup_vault(
            BackupVaultName=vault, ByCreatedBefore=when, MaxResults=1
        )["RecoveryPoints"]
        point = points[0]
        ctx.sim.control(
            "/_sim/backup/restore-jobs",
            {"region": region, "restore_jobs": [estate.restore_job(point, region, when, f"{estate.RDS_ID}-restore-{days}d")]},
        )


# ----------------------------------------------------------------- CloudWatch


def _replace_points(ctx: Context, pair: dict[str, str], metric: str, value: float, unit: str, marks: int) -> None:
    region = estate._metric_region(metric, pair)
    times = estate.five_minute_marks(ctx.now, count=marks)
    dims = estate.replication_dimensions(pair)
    ctx.sim.control(
        "/_sim/cloudwatch/delete-datapoints",
        {
            "region": region,
            "namespace": "AWS/S3",
            "metric_name": metric,
            "dimensions": dims,
            "after": min(times) - dt.timedelta(seconds=1),
        },
    )
    ctx.sim.client("cloudwatch", region).put_metric_data(
        Namespace="AWS/S3",
        MetricData=[{"MetricName": metric, "Dimensions": dims, "Timestamp": t, "Value": value, "Unit": unit} for t in times],
    )


@fault("replication-latency-30m")
def _replication_latency_30m(ctx: Context) -> None:
    """ReplicationLatency of media-prod -> media-replica is 1800 s for the last 15 min
    (promise: < 15 min), in eu-west-3 where S3 publishes it (the destination's region).
    The lag alarm's state is left alone (moto does not evaluate alarms). Seen by the
    replication latency check."""
    _replace_points(ctx, estate.REPLICATION[0], "ReplicationLatency", 1800, "Seconds", marks=3)


@fault("replication-failures")
def _replication_failures(ctx: Context) -> None:
    """OperationsFailedReplication of vault-prod -> vault-replica is 5 in each of the
    last two 5-min periods, in eu-west-1 where S3 publishes it (the source's region).
    Seen by the replication failures check."""
    _replace_points(ctx, estate.REPLICATION[1], "OperationsFailedReplication", 5, "Count", marks=2)


@fault("replica-count-drop-30pct")
def _replica_count_drop_30pct(ctx: Context) -> None:
    """The newest daily NumberOfObjects of mne-media-replica is 30 % below the day
    before (objects vanished from the replica). Seen by the replica object count check."""
    bucket = "mne-media-replica"
    region = estate._metric_region("NumberOfObjects", bucket=bucket)
    newest = estate.daily_marks(ctx.now, days=1)[0]
    dims = [{"Name": "BucketName", "Value": bucket}, {"Name": "StorageType", "Value": "AllStorageTypes"}]
    before = estate.STORAGE[bucket]["objects"] - estate.STORAGE[bucket]["growth_per_day"]
    ctx.sim.control(
        "/_sim/cloudwatch/delete-datapoints",
        {
            "region": region,
            "namespace": "AWS/S3",
            "metric_name": "NumberOfObjects",
            "dimensions": dims,
            "after": newest - dt.timedelta(seconds=1),
        },
    )
    ctx.sim.client("cloudwatch", region).put_metric_data(
        Namespace="AWS/S3",
        MetricData=[
            {"MetricName": "NumberOfObjects", "Dimensions": dims, "Timestamp": newest, "Value": round(before * 0.7), "Unit": "Count"}
        ],
    )


@fault("alarm-missing")
def _alarm_missing(ctx: Context) -> None:
    """The alarm mnemonica-vault-replication-failures (eu-west-1, where the source's
    failure metric is published) was deleted. Seen by the alert plumbing check (the six
    Phase 8 alarms exist)."""
    region = estate._metric_region("OperationsFailedReplication", estate.REPLICATION[1])
    ctx.sim.client("cloudwatch", region).delete_alarms(AlarmNames=["mnemonica-vault-replication-failures"])


@fault("alarm-in-alarm")
def _alarm_in_alarm(ctx: Context) -> None:
    """mnemonica-media-replication-lag (eu-west-3, where the latency metric is
    published) is in state ALARM. Seen by the alert plumbing check (no Phase 8 alarm in
    ALARM)."""
    region = estate._metric_region("ReplicationLatency", estate.REPLICATION[0])
    ctx.sim.client("cloudwatch", region).set_alarm_state(
        AlarmName="mnemonica-media-replication-lag",
        StateValue="ALARM",
        StateReason="Threshold Crossed: 2 datapoints [1800.0, 1750.0] were greater than the threshold (900.0).",
    )


# ------------------------------------------------------------ SNS, EventBridge


@fault("subscription-unconfirmed")
def _subscription_unconfirmed(ctx: Context) -> None:
    """The e-mail subscription of mnemonica-backup-alerts (eu-west-1) is
    PendingConfirmation: alerts reach nobody by mail. Seen by the alert plumbing check
    (confirmed e-mail and https subscriptions)."""
    ctx.sim.control("/_sim/sns/pending", {"topic_arn": estate.topic_arn(PRIMARY), "endpoint": estate.EMAIL})


@fault("eventbridge-disabled")
def _eventbridge_disabled(ctx: Context) -> None:
    """The EventBridge rule mnemonica-backup-job-failures (eu-west-1) is DISABLED. Seen
    by the alert plumbing check (rules ENABLED, targeting SNS)."""
    ctx.sim.client("events", PRIMARY).disable_rule(Name=estate.EVENT_RULES[PRIMARY])


# ------------------------------------------------------------------ IAM, STS


@fault("role-missing-deny-delete-version")
def _role_missing_deny_delete_version(ctx: Context) -> None:
    """The application role's policy lost its explicit Deny of s3:DeleteObjectVersion
    on the source buckets. Seen by the IAM application role check."""
    ctx.sim.client("iam", "us-east-1").put_role_policy(
        RoleName=estate.APP_ROLE,
        PolicyName=estate.APP_POLICY,
        PolicyDocument=json.dumps(estate.app_policy(deny_delete_version=False)),
    )


@fault("wrong-account")
def _wrong_account(ctx: Context) -> None:
    """STS GetCallerIdentity answers account 111122223333 (credentials of the wrong
    profile). Set through the control API, since moto pins the account. Seen by the
    account check (critical)."""
    ctx.sim.control("/_sim/sts/account", {"caller_account": OTHER_ACCOUNT})


# ------------------------------------------------------------------ recovery path
# The dependencies of the guide's restore procedures (Scenario 2/3), one fault each. Seen by
# the recovery-path checks, each by exactly one finding.


@fault("vault-key-policy-drops-backup-role")
def _vault_key_policy_drops_backup_role(ctx: Context) -> None:
    """The key policy of eks-mnemonica-prod-vault's KMS key (eu-west-1) no longer names
    AWSBackupDefaultServiceRole: backups into the vault and restores from it fail on
    kms:CreateGrant/Decrypt. Seen by recovery_path.vault_key (critical)."""
    arn = estate.vault_key_arn(ctx.sim, PRIMARY, estate.VAULT)
    ctx.sim.client("kms", PRIMARY).put_key_policy(
        KeyId=arn, PolicyName="default", Policy=json.dumps(estate.vault_key_policy(allow_backup_role=False))
    )


@fault("vault-key-disabled")
def _vault_key_disabled(ctx: Context) -> None:
    """The KMS key of eks-mnemonica-prod-vault (eu-west-1) is Disabled: no restore from
    the primary vault can decrypt. Seen by recovery_path.vault_key (critical)."""
    # moto's DisableKey/ScheduleKeyDeletion take the key ID only (AWS also accepts the ARN).
    key_id = estate.vault_key_arn(ctx.sim, PRIMARY, estate.VAULT).rsplit("/", 1)[-1]
    ctx.sim.client("kms", PRIMARY).disable_key(KeyId=key_id)


@fault("dr-vault-key-pending-deletion")
def _dr_vault_key_pending_deletion(ctx: Context) -> None:
    """The KMS key of eks-mnemonica-prod-vault-dr (eu-west-3) is scheduled for deletion
    in 7 days: every DR copy becomes unreadable then. Seen by recovery_path.vault_key
    (critical, with the deletion date)."""
    key_id = estate.vault_key_arn(ctx.sim, DR, estate.DR_VAULT).rsplit("/", 1)[-1]
    ctx.sim.client("kms", DR).schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)


@fault("backup-role-trust-changed")
def _backup_role_trust_changed(ctx: Context) -> None:
    """AWSBackupDefaultServiceRole trusts ec2.amazonaws.com instead of
    backup.amazonaws.com: AWS Backup can no longer assume it. Seen by
    recovery_path.service_role (critical)."""
    ctx.sim.client("iam", "us-east-1").update_assume_role_policy(
        RoleName=estate.BACKUP_ROLE, PolicyDocument=estate._trust("ec2.amazonaws.com")
    )


@fault("restore-policy-detached")
def _restore_policy_detached(ctx: Context) -> None:
    """AWSBackupServiceRolePolicyForRestores is detached from
    AWSBackupDefaultServiceRole, the --iam-role-arn of the guide's restore commands.
    Seen by recovery_path.service_role (critical)."""
    ctx.sim.client("iam", "us-east-1").detach_role_policy(
        RoleName=estate.BACKUP_ROLE, PolicyArn=estate.BACKUP_MANAGED_POLICIES[1]
    )


@fault("backup-role-deleted")
def _backup_role_deleted(ctx: Context) -> None:
    """AWSBackupDefaultServiceRole is deleted (its policies detached first, as IAM
    requires): neither the plan's selection nor a restore can run. Seen by
    recovery_path.service_role (critical)."""
    iam = ctx.sim.client("iam", "us-east-1")
    for attached in iam.list_attached_role_policies(RoleName=estate.BACKUP_ROLE)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=estate.BACKUP_ROLE, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=estate.BACKUP_ROLE)


@fault("dr-vault-denies-copies")
def _dr_vault_denies_copies(ctx: Context) -> None:
    """eks-mnemonica-prod-vault-dr (eu-west-3) gets an access policy denying
    backup:CopyIntoBackupVault to every principal: the plan's DR copies fail. Seen by
    recovery_path.copy (critical)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyCopies",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            }
        ],
    }
    ctx.sim.client("backup", DR).put_backup_vault_access_policy(
        BackupVaultName=estate.DR_VAULT, Policy=json.dumps(policy)
    )


@fault("dr-db-subnet-group-deleted")
def _dr_db_subnet_group_deleted(ctx: Context) -> None:
    """The DB subnet group eks-mnemonica-prod-db-subnets is deleted in eu-west-3:
    Scenario 3's restore of eks-mnemonica-prod-dr has no network to land in. Seen by
    recovery_path.dr_landing_zone (critical)."""
    ctx.sim.client("rds", DR).delete_db_subnet_group(DBSubnetGroupName=estate.DB_SUBNET_GROUP)


@fault("replica-key-disabled")
def _replica_key_disabled(ctx: Context) -> None:
    """The SSE-KMS key of mne-media-replica (eu-west-3) is Disabled: Scenario 2's
    restore-object and download of the objects it encrypts fail. Seen by
    recovery_path.replica_key (critical)."""
    key_id = estate.replica_key_arn(ctx.sim).rsplit("/", 1)[-1]
    ctx.sim.client("kms", estate.BUCKET_REGION[estate.REPLICA_KEY_BUCKET]).disable_key(KeyId=key_id)


@fault("recovery-operator-cannot-read-replica")
def _recovery_operator_cannot_read_replica(ctx: Context) -> None:
    """The recovery operator role gains an inline guard rail denying s3:GetObject and
    s3:RestoreObject on mne-media-replica's objects (copied from the application role's
    replica deny): nobody can run Scenario 2's restore from it. Seen by
    recovery_path.replica_access (critical) for mne-media-replica only."""
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyReplicaReads",
                "Effect": "Deny",
                "Action": ["s3:GetObject", "s3:RestoreObject"],
                "Resource": f"arn:aws:s3:::{estate.REPLICA_KEY_BUCKET}/*",
            }
        ],
    }
    ctx.sim.client("iam", "us-east-1").put_role_policy(
        RoleName=estate.RECOVERY_OPERATOR_ROLE, PolicyName="deny-replica-reads", PolicyDocument=json.dumps(deny)
    )


# ------------------------------------------------------------- topic policy


@fault("topic-policy-events-dropped")
def _topic_policy_events_dropped(ctx: Context) -> None:
    """The policy of mnemonica-backup-alerts (eu-west-1) lost its statement for
    events.amazonaws.com: EventBridge can no longer publish AWS Backup failures to it
    (CloudWatch alarms still can). Seen by the EventBridge rule check (topic policy)."""
    arn = estate.topic_arn(PRIMARY)
    sns = ctx.sim.client("sns", PRIMARY)
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    policy["Statement"] = [
        s for s in policy["Statement"] if (s.get("Principal") or {}).get("Service") != "events.amazonaws.com"
    ]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))


# ------------------------------------------------------------------------ API


# ------------------------------------------- recoverability ledger (issue 16)
# Faults for the per-scenario RPO, absence, pairing and retention checks. They work
# from the simulator's pinned clock (``--now``) so tests can assert exact values.


def _slots_at_or_before(at: dt.datetime, count: int, every_hours: int = 6) -> list[dt.datetime]:
    """The `count` newest instants of the 6-hourly schedule at or before `at`, newest first."""
    t = at.replace(minute=0, second=0, microsecond=0)
    t -= dt.timedelta(hours=t.hour % every_hours)
    return [t - dt.timedelta(hours=every_hours * i) for i in range(count)]


def _delete_activity_since(ctx: Context, since: dt.datetime) -> None:
    """No backup job, copy job or recovery point (either vault) created after `since`."""
    ctx.delete_history(PRIMARY, "jobs", created_after=since)
    ctx.delete_history(PRIMARY, "copy-jobs", created_after=since)
    ctx.delete_history(PRIMARY, "recovery-points", created_after=since)
    ctx.delete_history(DR, "recovery-points", created_after=since)


@fault("last-3-runs-missing")
def _last_3_runs_missing(ctx: Context) -> None:
    """The three newest scheduled runs (at or before now) left nothing: no job (not even
    a FAILED one), no copy, no recovery point — as after a deleted selection or a paused
    account. Seen by the schedule-aware absence check once each run's start window and
    grace have passed."""
    third = _slots_at_or_before(ctx.now, 3)[-1]
    _delete_activity_since(ctx, third - dt.timedelta(minutes=1))


@fault("points-expire-early")
def _points_expire_early(ctx: Context) -> None:
    """Three recovery points of the primary vault created about 20 days ago had their
    lifecycle shortened to 35 days (UpdateRecoveryPointLifecycle), so AWS deletes them
    long before the promised 180 days. Seen by the retention guard, which names them."""
    backup = ctx.sim.client("backup", PRIMARY)
    after = ctx.now - dt.timedelta(days=20, hours=18)
    before = ctx.now - dt.timedelta(days=20)
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName=estate.VAULT, ByCreatedAfter=after, ByCreatedBefore=before
    )["RecoveryPoints"]
    ctx.delete_history(PRIMARY, "recovery-points", vault=estate.VAULT, created_after=after, created_before=before)
    for point in points:
        point["Lifecycle"] = {"DeleteAfterDays": 35}
        point["CalculatedLifecycle"] = {"DeleteAt": point["CreationDate"] + dt.timedelta(days=35)}
    ctx.sim.control("/_sim/backup/recovery-points", {"region": PRIMARY, "recovery_points": points})


@fault("jobs-failing-179d")
def _jobs_failing_179d(ctx: Context) -> None:
    """Every scheduled backup job of the last 179 days FAILED (no recovery point, no
    copy): only the points of the retention window's first day remain, and the newest of
    them expires within a day. Seen by the retention guard ("last restorable point
    expires …", critical) besides the job and RPO checks."""
    since = ctx.now - dt.timedelta(days=179)
    _delete_activity_since(ctx, since)
    slots = [s for s in _slots_at_or_before(ctx.now, 179 * 4 + 1) if s > since]
    creator = ctx.creator()  # two API calls: once, not per job
    jobs = [
        {
            "BackupVaultName": estate.VAULT,
            "BackupVaultArn": estate.VAULT_ARN,
            "ResourceArn": estate.RDS_ARN,
            "ResourceType": "RDS",
            "CreationDate": slot,
            "CompletionDate": slot + dt.timedelta(minutes=3),
            "State": "FAILED",
            "StatusMessage": "Backup job failed because the DB instance was in an incompatible state.",
            "PercentDone": "0.0",
            "IamRoleArn": estate.BACKUP_ROLE_ARN,
            "CreatedBy": creator,
            "MessageCategory": "FAILURE",
        }
        for slot in slots
        if slot + dt.timedelta(minutes=3) <= ctx.now
    ]
    ctx.sim.control("/_sim/backup/jobs", {"region": PRIMARY, "jobs": jobs})


@fault("primary-gap-13h-90d")
def _primary_gap_13h_90d(ctx: Context) -> None:
    """About 90 days ago the primary vault holds no recovery point for 13 h: one
    6-hourly point is gone and the run after it started an hour late. Seen by the
    coverage check, which lists the gap with the points on either side."""
    backup = ctx.sim.client("backup", PRIMARY)
    first = _slots_at_or_before(ctx.now - dt.timedelta(days=90), 1)[0]
    after = first - dt.timedelta(minutes=1)
    before = first + dt.timedelta(hours=6, minutes=1)
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName=estate.VAULT, ByCreatedAfter=after, ByCreatedBefore=before
    )["RecoveryPoints"]
    ctx.delete_history(PRIMARY, "recovery-points", vault=estate.VAULT, created_after=after, created_before=before)
    late = [p for p in points if p["CreationDate"] >= first + dt.timedelta(hours=6)]
    for point in late:
        for key in ("CreationDate", "InitiationDate", "CompletionDate"):
            if point.get(key):
                point[key] = point[key] + dt.timedelta(hours=1)
        # A late run is still kept its full 180 days.
        point["CalculatedLifecycle"]["DeleteAt"] = point["CalculatedLifecycle"]["DeleteAt"] + dt.timedelta(hours=1)
    ctx.sim.control("/_sim/backup/recovery-points", {"region": PRIMARY, "recovery_points": late})


def describe(name: str) -> str:
    doc = (FAULTS[name].__doc__ or "").strip()
    return " ".join(doc.split())


def apply(
    endpoint: str,
    name: str,
    *,
    access_key_id: str = "AKIDSIMULATOR",
    secret_access_key: str = "simulator-secret",
) -> None:
    if name not in FAULTS:
        raise KeyError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    FAULTS[name](Context(estate.Sim(endpoint, access_key_id, secret_access_key)))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", help="the simulator's endpoint (required for apply)")
    p.add_argument("--access-key-id", default="AKIDSIMULATOR")
    p.add_argument("--secret-access-key", default="simulator-secret")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the fault names and what each breaks")
    ap = sub.add_parser("apply", help="apply one or more faults")
    ap.add_argument("names", nargs="+", metavar="NAME")
    args = p.parse_args(argv)
    if args.command == "list":
        for name in FAULTS:
            print(f"{name}\t{describe(name)}")
        return 0
    if not args.endpoint:
        p.error("apply needs --endpoint")
    for name in args.names:
        if name not in FAULTS:
            print(f"unknown fault {name!r}; try: list", file=sys.stderr)
            return 2
    for name in args.names:
        apply(args.endpoint, name, access_key_id=args.access_key_id, secret_access_key=args.secret_access_key)
        print(f"applied {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
