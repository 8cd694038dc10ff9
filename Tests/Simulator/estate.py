"""The customer's AWS estate (the backup guide's), seeded into a running simulator.

    seed(endpoint, state, now=None, access_key_id=..., secret_access_key=...)

states:
  target   every phase of the guide done, with its monitoring mistakes corrected
           (alarms live in the region of the metric they watch — the lag alarms in the
           destination bucket's region, the failure alarms in eu-west-1, the object-count
           alarms in the replica's region; the replication-lag threshold is 900 s because
           ReplicationLatency is published in seconds)
  current  the guide's "Current Infrastructure Status", before any of its changes
  empty    nothing

Configuration goes through boto3 against the simulator; AWS Backup history and other
things no AWS API can create go through the simulator's control API (``/_sim/...``).
``now=None`` means the wall clock, and PITR lag then stays constant while the
simulator runs; a given ``now`` pins every seeded time to it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.config import Config

UTC = dt.timezone.utc
ACCOUNT = "828879644785"
PRIMARY = "eu-west-1"
DR = "eu-west-3"
NORTH = "eu-north-1"

BUCKET_REGION = {
    "mne-media-prod": PRIMARY,
    "mne-vault-prod": PRIMARY,
    "mne-media-replica": DR,
    "mne-vault-replica": NORTH,
}
SOURCES = ("mne-media-prod", "mne-vault-prod")
REPLICAS = ("mne-media-replica", "mne-vault-replica")

REPLICATION = (
    {
        "source": "mne-media-prod",
        "destination": "mne-media-replica",
        "rule_id": "paris-replica",
        "role": "s3crr_role_for_mne-media-prod_to_crr-media-prod",
        "name": "media",
    },
    {
        "source": "mne-vault-prod",
        "destination": "mne-vault-replica",
        "rule_id": "vault-replica-rule",
        "role": "s3crr_role_for_mne-vault-prod_to_mne-vault-replica",
        "name": "vault",
    },
)

# Where each S3 CloudWatch metric is published, in one place so it can be changed
# here alone: "source" / "destination" = the region of that bucket of a replication
# pair, "bucket" = the region of the bucket the storage metric describes.
# AWS, "Using S3 Replication metrics" (docs.aws.amazon.com/AmazonS3/latest/userguide/
# repl-metrics.html): BytesPendingReplication, ReplicationLatency and
# OperationsPendingReplication are "published in the Region of the destination bucket",
# OperationsFailedReplication "in the Region of the source bucket". Storage metrics are
# daily, in the bucket's own region.
METRIC_REGION = {
    "ReplicationLatency": "destination",
    "OperationsFailedReplication": "source",
    "OperationsPendingReplication": "destination",
    "BytesPendingReplication": "destination",
    "NumberOfObjects": "bucket",
    "BucketSizeBytes": "bucket",
}

# ReplicationLatency is in seconds; the guide's 900000 would be ~10 days, not 15 min.
REPLICATION_LAG_THRESHOLD_SECONDS = 900

RDS_ID = "eks-mnemonica-prod"
RDS_ARN = f"arn:aws:rds:{PRIMARY}:{ACCOUNT}:db:{RDS_ID}"
PITR_LAG = dt.timedelta(minutes=3)

VAULT = "eks-mnemonica-prod-vault"
DR_VAULT = "eks-mnemonica-prod-vault-dr"
VAULT_ARN = f"arn:aws:backup:{PRIMARY}:{ACCOUNT}:backup-vault:{VAULT}"
DR_VAULT_ARN = f"arn:aws:backup:{DR}:{ACCOUNT}:backup-vault:{DR_VAULT}"
PLAN_NAME = "eks-mnemonica-6h-snapshots-180d"
RULE_NAME = "6-Hour-Snapshots-180-Day-Retention-DR-Copy"
SCHEDULE = "cron(0 */6 * * ? *)"
RETENTION_DAYS = 180
SELECTION_NAME = "eks-mnemonica-prod-rds"

CURRENT_PLAN_NAME = "Daily-35d-retention"
CURRENT_RULE_NAME = "DailyBackups"
CURRENT_SCHEDULE = "cron(0 5 ? * * *)"
CURRENT_RETENTION_DAYS = 35
DEFAULT_VAULT = "Default"

BACKUP_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
APP_ROLE = "eks-mnemonica-prod-s3-role"
APP_POLICY = "eks-mnemonica-prod-s3-access"

TOPICS = {
    PRIMARY: "mnemonica-backup-alerts",
    DR: "mnemonica-backup-alerts-dr",
    NORTH: "mnemonica-backup-alerts-north",
}
EMAIL = "ops@example.com"
WEBHOOK = "https://hooks.example.com/sns"  # fictitious; the simulator never POSTs it
EVENT_RULES = {PRIMARY: "mnemonica-backup-job-failures", DR: "mnemonica-backup-job-failures-dr"}
BACKUP_FAILURE_PATTERN = {
    "source": ["aws.backup"],
    "detail-type": ["Backup Job State Change", "Copy Job State Change"],
    "detail": {"state": ["FAILED", "ABORTED", "EXPIRED"]},
}

# Storage per bucket (bytes per S3 storage type) and object count on the newest day,
# from the guide's "Current Metrics"; the media object count is not in the guide.
TB = 10**12
STORAGE = {
    "mne-media-prod": {
        "objects": 4_812_340,
        "bytes": {
            "StandardStorage": int(0.711 * TB),
            "IntelligentTieringFAStorage": int(21.7 * TB),
            "IntelligentTieringIAStorage": int(32.3 * TB),
            "IntelligentTieringAIAStorage": int(100.2 * TB),
        },
        "growth_per_day": 1_200,
    },
    "mne-media-replica": {
        "objects": 4_812_340,
        "bytes": {"DeepArchiveStorage": int(92.3 * TB)},
        "growth_per_day": 1_200,
    },
    "mne-vault-prod": {
        "objects": 57_551,
        "bytes": {
            "IntelligentTieringFAStorage": int(3.2 * TB),
            "IntelligentTieringIAStorage": int(7.4 * TB),
            "IntelligentTieringAIAStorage": int(30.5 * TB),
        },
        "growth_per_day": 35,
    },
    "mne-vault-replica": {
        "objects": 57_551,
        "bytes": {"DeepArchiveStorage": int(41.1 * TB)},
        "growth_per_day": 35,
    },
}
# Deep Archive objects carry per-object overhead that S3 reports as its own types.
DEEP_ARCHIVE_OVERHEAD = {"DeepArchiveObjectOverhead": 32 * 1024, "DeepArchiveS3ObjectOverhead": 8 * 1024}
STORAGE_DAYS = 20


# ----------------------------------------------------------------------- plumbing


_SESSION: Any = None


def _session() -> Any:
    """One boto3 session per process: each new session reads botocore's service models (and its
    1 MB endpoints.json) again. Keys are given per client, never set on the session."""
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


class Sim:
    """boto3 clients and control-API calls against one simulator endpoint."""

    def __init__(self, endpoint: str, access_key_id: str = "AKIDSIMULATOR", secret_access_key: str = "simulator-secret"):
        self.endpoint = endpoint.rstrip("/")
        self.session = _session()
        self.keys = {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret_access_key}
        self.config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str = PRIMARY) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint, config=self.config, **self.keys
            )
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def control(self, path: str, payload: dict[str, Any] | None = None, method: str = "POST") -> dict[str, Any]:
        data = json.dumps(payload or {}, default=_json_default).encode() if method == "POST" else None
        req = urllib.request.Request(
            f"{self.endpoint}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            raise RuntimeError(f"control {path}: HTTP {err.code} {err.read().decode(errors='replace')}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"not JSON: {value!r}")


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


# -------------------------------------------------------------------------- seed


def seed(
    endpoint: str,
    state: str,
    now: dt.datetime | None = None,
    *,
    access_key_id: str = "AKIDSIMULATOR",
    secret_access_key: str = "simulator-secret",
) -> None:
    if state not in ("target", "current", "empty"):
        raise ValueError(f"unknown state {state!r}")
    sim = Sim(endpoint, access_key_id, secret_access_key)
    at = _now(now)
    sim.control("/_sim/meta", {"state": state, "now": at, "clock": now is None})
    if state == "empty":
        return
    target = state == "target"
    seed_iam(sim, target)
    seed_s3(sim, target)
    seed_rds(sim, at, follow_clock=now is None)
    if target:
        seed_backup_target(sim, at)
        seed_alerting(sim)
        seed_recovery_path(sim)
    else:
        seed_backup_current(sim, at)
        seed_backup_role_policies(sim)
    seed_metrics(sim, at)


# --------------------------------------------------------------------------- IAM


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def app_policy(*, deny_delete_version: bool = True) -> dict[str, Any]:
    src_objects = [f"arn:aws:s3:::{b}/*" for b in SOURCES]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowSourceObjectAccess",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": src_objects,
        },
        {
            "Sid": "AllowSourceBucketListing",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{b}" for b in SOURCES],
        },
    ]
    if deny_delete_version:
        statements.append(
            {"Sid": "DenyVersionDeletion", "Effect": "Deny", "Action": ["s3:DeleteObjectVersion"], "Resource": src_objects}
        )
    statements += [
        {
            "Sid": "DenyReplicaAccess",
            "Effect": "Deny",
            "Action": ["s3:*"],
            "Resource": [r for b in REPLICAS for r in (f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*")],
        },
        {"Sid": "DenyGovernanceBypass", "Effect": "Deny", "Action": ["s3:BypassGovernanceRetention"], "Resource": "*"},
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def seed_iam(sim: Sim, target: bool) -> None:
    iam = sim.client("iam", "us-east-1")
    for pair in REPLICATION:
        iam.create_role(
            RoleName=pair["role"],
            Path="/service-role/",
            AssumeRolePolicyDocument=_trust("s3.amazonaws.com"),
            Description=f"S3 replication {pair['source']} -> {pair['destination']}",
        )
        iam.put_role_policy(
            RoleName=pair["role"],
            PolicyName=f"{pair['role']}-policy",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                            "Resource": f"arn:aws:s3:::{pair['source']}",
                        },
                        {
                            "Effect": "Allow",
                            "Action": [
                                "s3:GetObjectVersionForReplication",
                                "s3:GetObjectVersionAcl",
                                "s3:GetObjectVersionTagging",
                            ],
                            "Resource": f"arn:aws:s3:::{pair['source']}/*",
                        },
                        {
                            "Effect": "Allow",
                            "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                            "Resource": f"arn:aws:s3:::{pair['destination']}/*",
                        },
                    ],
                }
            ),
        )
    iam.create_role(
        RoleName="AWSBackupDefaultServiceRole",
        Path="/service-role/",
        AssumeRolePolicyDocument=_trust("backup.amazonaws.com"),
        Description="Provides AWS Backup permission to create backups and perform restores on your behalf",
    )
    if not target:
        return  # Phase 4 (the application role) is not done yet
    iam.create_role(
        RoleName=APP_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{PRIMARY}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
                        },
                        "Action": "sts:AssumeRoleWithWebIdentity",
                    }
                ],
            }
        ),
        Description="Restricted S3 access for eks-mnemonica-prod application",
    )
    iam.put_role_policy(RoleName=APP_ROLE, PolicyName=APP_POLICY, PolicyDocument=json.dumps(app_policy()))


# ---------------------------------------------------------------------------- S3


def lifecycle(bucket: str, target: bool) -> dict[str, Any] | None:
    """The bucket's lifecycle configuration, None for no lifecycle at all."""
    everything: dict[str, Any] = {"Prefix": ""}
    if bucket in SOURCES:
        days = 35 if target else 180
        return {
            "Rules": [
                {
                    "ID": f"intelligent-tiering-noncurrent-{days}d",
                    "Status": "Enabled",
                    "Filter": everything,
                    "Transitions": [{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}],
                    "NoncurrentVersionExpiration": {"NoncurrentDays": days},
                }
            ]
        }
    if bucket == "mne-media-replica":
        if target:
            return {
                "Rules": [
                    {
                        "ID": "replica-noncurrent-180d-mirror",
                        "Status": "Enabled",
                        "Filter": everything,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 180},
                    }
                ]
            }
        # Before Phase 2: 15-day noncurrent retention and a current-version expiration
        # that the guide removes ("mirror the source"); the guide gives no day count.
        return {
            "Rules": [
                {
                    "ID": "replica-noncurrent-15d",
                    "Status": "Enabled",
                    "Filter": everything,
                    "Expiration": {"Days": 180},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 15},
                }
            ]
        }
    if bucket == "mne-vault-replica":
        if not target:
            return None  # "No lifecycle policy currently configured"
        return {
            "Rules": [
                {
                    "ID": "vault-replica-noncurrent-180d-mirror",
                    "Status": "Enabled",
                    "Filter": everything,
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 180},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 180},
                }
            ]
        }
    raise KeyError(bucket)


def replication(pair: dict[str, str]) -> dict[str, Any]:
    return {
        "Role": f"arn:aws:iam::{ACCOUNT}:role/service-role/{pair['role']}",
        "Rules": [
            {
                "ID": pair["rule_id"],
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Destination": {
                    "Bucket": f"arn:aws:s3:::{pair['destination']}",
                    "StorageClass": "DEEP_ARCHIVE",
                    "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
                },
                "DeleteMarkerReplication": {"Status": "Enabled"},
            }
        ],
    }


ENCRYPTION = {
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]
}


def seed_s3(sim: Sim, target: bool) -> None:
    for bucket, region in BUCKET_REGION.items():
        s3 = sim.client("s3", region)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=ENCRYPTION)
        rules = lifecycle(bucket, target)
        if rules is not None:
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=rules)
    for pair in REPLICATION:
        sim.client("s3", BUCKET_REGION[pair["source"]]).put_bucket_replication(
            Bucket=pair["source"], ReplicationConfiguration=replication(pair)
        )


# --------------------------------------------------------------------------- RDS


def seed_rds(sim: Sim, at: dt.datetime, *, follow_clock: bool) -> None:
    rds = sim.client("rds", PRIMARY)
    rds.create_db_instance(
        DBInstanceIdentifier=RDS_ID,
        Engine="postgres",
        EngineVersion="16.8",
        DBInstanceClass="db.m7g.xlarge",
        AllocatedStorage=100,
        MasterUsername="mnemonica",
        MasterUserPassword="not-a-real-password-0",
        BackupRetentionPeriod=35,
        PreferredBackupWindow="22:00-00:00",
        PreferredMaintenanceWindow="sun:02:00-sun:03:00",
        StorageEncrypted=True,
        MultiAZ=True,
    )
    payload: dict[str, Any] = {"region": PRIMARY, "db": RDS_ID}
    if follow_clock:
        payload["lag_seconds"] = PITR_LAG.total_seconds()
    else:
        payload["time"] = at - PITR_LAG
    sim.control("/_sim/rds/latest-restorable-time", payload)


# ------------------------------------------------------------------- AWS Backup


def _slots(at: dt.datetime, *, every_hours: int, first_hour: int, days: int) -> list[dt.datetime]:
    """Schedule instants within the last `days` days, oldest first."""
    start = at - dt.timedelta(days=days)
    t = start.replace(hour=first_hour % every_hours, minute=0, second=0, microsecond=0)
    out = []
    while t <= at:
        if t > start:
            out.append(t)
        t += dt.timedelta(hours=every_hours)
    return out


def _creator(plan: dict[str, Any], rule_name: str, cron: str) -> dict[str, Any]:
    rule = next(r for r in plan["BackupPlan"]["Rules"] if r["RuleName"] == rule_name)
    return {
        "BackupPlanId": plan["BackupPlanId"],
        "BackupPlanArn": plan["BackupPlanArn"],
        "BackupPlanName": plan["BackupPlan"]["BackupPlanName"],
        "BackupPlanVersion": plan["VersionId"],
        "BackupRuleId": rule["RuleId"],
        "BackupRuleName": rule_name,
        "BackupRuleCron": cron,
        "BackupRuleTimezone": "Etc/UTC",
    }


def backup_history(
    at: dt.datetime,
    creator: dict[str, Any],
    *,
    every_hours: int,
    first_hour: int,
    days: int,
    vault: str,
    retention_days: int,
    dr_vault_arn: str | None,
    seed_value: int = 6,
) -> dict[str, list[dict[str, Any]]]:
    """Jobs and recovery points of a schedule that always succeeded. Only work that
    has finished by `at` is included, so the newest job is between its run time and
    one schedule period old."""
    rng = random.Random(seed_value)
    vault_arn = f"arn:aws:backup:{PRIMARY}:{ACCOUNT}:backup-vault:{vault}"
    out: dict[str, list[dict[str, Any]]] = {"jobs": [], "copy_jobs": [], "primary_points": [], "dr_points": []}
    size = 38 * 10**9
    for slot in _slots(at, every_hours=every_hours, first_hour=first_hour, days=days):
        started = slot + dt.timedelta(seconds=rng.randint(20, 240))
        done = started + dt.timedelta(minutes=rng.randint(12, 24))
        if done > at:
            continue
        size += rng.randint(1, 40) * 10**6
        job_id = f"{rng.getrandbits(128):032X}"
        job_id = f"{job_id[:8]}-{job_id[8:12]}-{job_id[12:16]}-{job_id[16:20]}-{job_id[20:]}"
        point_arn = f"arn:aws:rds:{PRIMARY}:{ACCOUNT}:snapshot:awsbackup:job-{job_id.lower()}"
        out["jobs"].append(
            {
                "BackupJobId": job_id,
                "BackupVaultName": vault,
                "BackupVaultArn": vault_arn,
                "RecoveryPointArn": point_arn,
                "RecoveryPointLifecycle": {"DeleteAfterDays": retention_days},
                "ResourceArn": RDS_ARN,
                "ResourceType": "RDS",
                "ResourceName": RDS_ID,
                "CreationDate": slot,
                "InitiationDate": started,
                "StartBy": slot + dt.timedelta(hours=1),
                "CompletionDate": done,
                "State": "COMPLETED",
                "PercentDone": "100.0",
                "BackupSizeInBytes": size,
                "IamRoleArn": BACKUP_ROLE_ARN,
                "CreatedBy": creator,
                "IsEncrypted": True,
                "VaultType": "BACKUP_VAULT",
                "MessageCategory": "SUCCESS",
            }
        )
        out["primary_points"].append(
            {
                "RecoveryPointArn": point_arn,
                "BackupVaultName": vault,
                "BackupVaultArn": vault_arn,
                "ResourceArn": RDS_ARN,
                "ResourceType": "RDS",
                "ResourceName": RDS_ID,
                "CreatedBy": creator,
                "IamRoleArn": BACKUP_ROLE_ARN,
                "Status": "COMPLETED",
                "CreationDate": slot,
                "InitiationDate": started,
                "CompletionDate": done,
                "BackupSizeInBytes": size,
                "Lifecycle": {"DeleteAfterDays": retention_days},
                "CalculatedLifecycle": {"DeleteAt": slot + dt.timedelta(days=retention_days)},
                "IsEncrypted": True,
                "VaultType": "BACKUP_VAULT",
            }
        )
        if dr_vault_arn is None:
            continue
        copy_start = done + dt.timedelta(seconds=rng.randint(30, 180))
        copy_done = copy_start + dt.timedelta(minutes=rng.randint(15, 35))
        if copy_done > at:
            continue
        copy_id = f"{rng.getrandbits(128):032X}"
        copy_id = f"{copy_id[:8]}-{copy_id[8:12]}-{copy_id[12:16]}-{copy_id[16:20]}-{copy_id[20:]}"
        dr_region = dr_vault_arn.split(":")[3]
        dr_point_arn = f"arn:aws:rds:{dr_region}:{ACCOUNT}:snapshot:awsbackup:copyjob-{copy_id.lower()}"
        out["copy_jobs"].append(
            {
                "CopyJobId": copy_id,
                "SourceBackupVaultArn": vault_arn,
                "SourceRecoveryPointArn": point_arn,
                "DestinationBackupVaultArn": dr_vault_arn,
                "DestinationRecoveryPointArn": dr_point_arn,
                "DestinationRecoveryPointLifecycle": {"DeleteAfterDays": retention_days},
                "ResourceArn": RDS_ARN,
                "ResourceType": "RDS",
                "ResourceName": RDS_ID,
                "CreationDate": copy_start,
                "CompletionDate": copy_done,
                "State": "COMPLETED",
                "BackupSizeInBytes": size,
                "IamRoleArn": BACKUP_ROLE_ARN,
                "CreatedBy": creator,
                "CreatedByBackupJobId": job_id,
                "MessageCategory": "SUCCESS",
            }
        )
        out["dr_points"].append(
            {
                "RecoveryPointArn": dr_point_arn,
                "BackupVaultName": dr_vault_arn.rsplit(":", 1)[-1],
                "BackupVaultArn": dr_vault_arn,
                "SourceBackupVaultArn": vault_arn,
                "ResourceArn": RDS_ARN,
                "ResourceType": "RDS",
                "ResourceName": RDS_ID,
                "CreatedBy": creator,
                "IamRoleArn": BACKUP_ROLE_ARN,
                "Status": "COMPLETED",
                "CreationDate": copy_start,
                "InitiationDate": copy_start,
                "CompletionDate": copy_done,
                "BackupSizeInBytes": size,
                "Lifecycle": {"DeleteAfterDays": retention_days},
                "CalculatedLifecycle": {"DeleteAt": copy_start + dt.timedelta(days=retention_days)},
                "IsEncrypted": True,
                "VaultType": "BACKUP_VAULT",
            }
        )
    return out


def _point_near(points: list[dict[str, Any]], when: dt.datetime) -> dict[str, Any]:
    older = [p for p in points if p["CreationDate"] <= when]
    return max(older, key=lambda p: p["CreationDate"]) if older else points[0]


def restore_job(point: dict[str, Any], region: str, when: dt.datetime, created_db: str) -> dict[str, Any]:
    return {
        "RecoveryPointArn": point["RecoveryPointArn"],
        "SourceResourceArn": RDS_ARN,
        "BackupVaultArn": point["BackupVaultArn"],
        "CreationDate": when,
        "CompletionDate": when + dt.timedelta(minutes=42),
        "Status": "COMPLETED",
        "PercentDone": "100.0",
        "BackupSizeInBytes": point["BackupSizeInBytes"],
        "IamRoleArn": BACKUP_ROLE_ARN,
        "CreatedResourceArn": f"arn:aws:rds:{region}:{ACCOUNT}:db:{created_db}",
        "ResourceType": "RDS",
        "RecoveryPointCreationDate": point["CreationDate"],
    }


def seed_restore_test(sim: Sim, region: str, points: list[dict[str, Any]], at: dt.datetime, days_ago: int, name: str) -> None:
    """One COMPLETED restore test `days_ago`, from the recovery point taken just before it."""
    when = at - dt.timedelta(days=days_ago)
    sim.control(
        "/_sim/backup/restore-jobs",
        {
            "region": region,
            "restore_jobs": [
                restore_job(_point_near(points, when - dt.timedelta(hours=3)), region, when, f"{RDS_ID}-{name}")
            ],
        },
    )


def seed_backup_target(sim: Sim, at: dt.datetime) -> None:
    primary = sim.client("backup", PRIMARY)
    sim.client("backup", DR).create_backup_vault(BackupVaultName=DR_VAULT)
    primary.create_backup_vault(BackupVaultName=VAULT)
    created = primary.create_backup_plan(
        BackupPlan={
            "BackupPlanName": PLAN_NAME,
            "Rules": [
                {
                    "RuleName": RULE_NAME,
                    "TargetBackupVaultName": VAULT,
                    "ScheduleExpression": SCHEDULE,
                    "ScheduleExpressionTimezone": "Etc/UTC",
                    "StartWindowMinutes": 60,
                    "CompletionWindowMinutes": 360,
                    "Lifecycle": {"DeleteAfterDays": RETENTION_DAYS},
                    "EnableContinuousBackup": False,
                    "CopyActions": [
                        {"DestinationBackupVaultArn": DR_VAULT_ARN, "Lifecycle": {"DeleteAfterDays": RETENTION_DAYS}}
                    ],
                }
            ],
        }
    )
    primary.create_backup_selection(
        BackupPlanId=created["BackupPlanId"],
        BackupSelection={"SelectionName": SELECTION_NAME, "IamRoleArn": BACKUP_ROLE_ARN, "Resources": [RDS_ARN]},
    )
    plan = primary.get_backup_plan(BackupPlanId=created["BackupPlanId"])
    hist = backup_history(
        at,
        _creator(plan, RULE_NAME, SCHEDULE),
        every_hours=6,
        first_hour=0,
        days=RETENTION_DAYS,
        vault=VAULT,
        retention_days=RETENTION_DAYS,
        dr_vault_arn=DR_VAULT_ARN,
    )
    sim.control("/_sim/backup/jobs", {"region": PRIMARY, "jobs": hist["jobs"]})
    sim.control("/_sim/backup/copy-jobs", {"region": PRIMARY, "copy_jobs": hist["copy_jobs"]})
    sim.control("/_sim/backup/recovery-points", {"region": PRIMARY, "recovery_points": hist["primary_points"]})
    sim.control("/_sim/backup/recovery-points", {"region": DR, "recovery_points": hist["dr_points"]})
    seed_restore_test(sim, PRIMARY, hist["primary_points"], at, days_ago=10, name="restore-test")
    seed_restore_test(sim, DR, hist["dr_points"], at, days_ago=40, name="dr-test")


def seed_backup_current(sim: Sim, at: dt.datetime) -> None:
    primary = sim.client("backup", PRIMARY)
    primary.create_backup_vault(BackupVaultName=DEFAULT_VAULT)
    created = primary.create_backup_plan(
        BackupPlan={
            "BackupPlanName": CURRENT_PLAN_NAME,
            "Rules": [
                {
                    "RuleName": CURRENT_RULE_NAME,
                    "TargetBackupVaultName": DEFAULT_VAULT,
                    "ScheduleExpression": CURRENT_SCHEDULE,
                    "ScheduleExpressionTimezone": "Etc/UTC",
                    "StartWindowMinutes": 480,
                    "CompletionWindowMinutes": 10080,
                    "Lifecycle": {"DeleteAfterDays": CURRENT_RETENTION_DAYS},
                    "EnableContinuousBackup": False,
                }
            ],
        }
    )
    primary.create_backup_selection(
        BackupPlanId=created["BackupPlanId"],
        BackupSelection={"SelectionName": SELECTION_NAME, "IamRoleArn": BACKUP_ROLE_ARN, "Resources": [RDS_ARN]},
    )
    plan = primary.get_backup_plan(BackupPlanId=created["BackupPlanId"])
    hist = backup_history(
        at,
        _creator(plan, CURRENT_RULE_NAME, CURRENT_SCHEDULE),
        every_hours=24,
        first_hour=5,
        days=CURRENT_RETENTION_DAYS,
        vault=DEFAULT_VAULT,
        retention_days=CURRENT_RETENTION_DAYS,
        dr_vault_arn=None,
    )
    sim.control("/_sim/backup/jobs", {"region": PRIMARY, "jobs": hist["jobs"]})
    sim.control("/_sim/backup/recovery-points", {"region": PRIMARY, "recovery_points": hist["primary_points"]})
    # The guide counts the existing backups as working, so the monthly restore test of the
    # primary region is taken as done; a DR-region restore cannot exist before Phase 6's copy.
    seed_restore_test(sim, PRIMARY, hist["primary_points"], at, days_ago=12, name="restore-test")


# ---------------------------------------------------- Phase 8: alert plumbing


def topic_arn(region: str) -> str:
    return f"arn:aws:sns:{region}:{ACCOUNT}:{TOPICS[region]}"


def _topic_policy(arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowEventBridgePublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": arn,
                },
                {
                    "Sid": "AllowCloudWatchAlarms",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": arn,
                    "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}},
                },
            ],
        }
    )


# Guide Step 8.2 sets the topic policy that lets EventBridge publish ("Grant EventBridge
# permission to publish to SNS": aws sns set-topic-attributes … --attribute-name Policy) on
# mnemonica-backup-alerts in eu-west-1 only. "Repeat for DR region (eu-west-3)" creates the DR
# rule, topic, subscription and target but no policy: the DR topic keeps the default policy
# (the owning account may publish, EventBridge may not). The target estate follows the guide
# to the letter, so the DR rule's failures reach nobody — mnemond's finding, not a seeding gap.
GUIDE_TOPIC_POLICY_REGIONS = (PRIMARY,)


def replication_alarms() -> list[dict[str, Any]]:
    alarms = []
    for pair in REPLICATION:
        dims = [
            {"Name": "SourceBucket", "Value": pair["source"]},
            {"Name": "DestinationBucket", "Value": pair["destination"]},
            {"Name": "RuleId", "Value": pair["rule_id"]},
        ]
        region = _metric_region("ReplicationLatency", pair)
        alarms.append(
            {
                "region": region,
                "AlarmName": f"mnemonica-{pair['name']}-replication-lag",
                "AlarmDescription": f"Alert when {pair['name']} bucket replication takes more than 15 minutes",
                "MetricName": "ReplicationLatency",
                "Namespace": "AWS/S3",
                "Statistic": "Maximum",
                "Period": 300,
                "EvaluationPeriods": 2,
                "Threshold": REPLICATION_LAG_THRESHOLD_SECONDS,
                "ComparisonOperator": "GreaterThanThreshold",
                "Dimensions": dims,
                "AlarmActions": [topic_arn(region)],
                "TreatMissingData": "notBreaching",
            }
        )
        region = _metric_region("OperationsFailedReplication", pair)
        alarms.append(
            {
                "region": region,
                "AlarmName": f"mnemonica-{pair['name']}-replication-failures",
                "AlarmDescription": f"Alert when {pair['name']} bucket replication operations fail",
                "MetricName": "OperationsFailedReplication",
                "Namespace": "AWS/S3",
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Dimensions": dims,
                "AlarmActions": [topic_arn(region)],
                "TreatMissingData": "notBreaching",
            }
        )
    return alarms


def anomaly_alarms() -> list[dict[str, Any]]:
    alarms = []
    for pair in REPLICATION:
        bucket = pair["destination"]
        # An alarm sees only its own region's metrics: it lives where the count is published.
        region = _metric_region("NumberOfObjects", bucket=bucket)
        label = pair["name"].capitalize()
        alarms.append(
            {
                "region": region,
                "AlarmName": f"mnemonica-{pair['name']}-replica-object-count-anomaly",
                "AlarmDescription": f"Alert when {pair['name']} replica bucket object count deviates from expected baseline",
                "ComparisonOperator": "LessThanLowerThreshold",
                "EvaluationPeriods": 1,
                "Metrics": [
                    {
                        "Id": "m1",
                        "ReturnData": True,
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/S3",
                                "MetricName": "NumberOfObjects",
                                "Dimensions": [
                                    {"Name": "BucketName", "Value": bucket},
                                    {"Name": "StorageType", "Value": "AllStorageTypes"},
                                ],
                            },
                            "Period": 86400,
                            "Stat": "Average",
                        },
                    },
                    {
                        "Id": "ad1",
                        "Expression": "ANOMALY_DETECTION_BAND(m1, 2)",
                        "Label": f"{label} Replica Object Count Anomaly Detection",
                        "ReturnData": True,
                    },
                ],
                "ThresholdMetricId": "ad1",
                "AlarmActions": [topic_arn(region)],
                "TreatMissingData": "notBreaching",
            }
        )
    return alarms


def seed_alerting(sim: Sim) -> None:
    for region in TOPICS:
        sns = sim.client("sns", region)
        arn = sns.create_topic(Name=TOPICS[region])["TopicArn"]
        if region in GUIDE_TOPIC_POLICY_REGIONS:
            sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=_topic_policy(arn))
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=EMAIL)
        sns.subscribe(TopicArn=arn, Protocol="https", Endpoint=WEBHOOK)
    for region, name in EVENT_RULES.items():
        events = sim.client("events", region)
        events.put_rule(
            Name=name,
            EventPattern=json.dumps(BACKUP_FAILURE_PATTERN),
            State="ENABLED",
            Description="Alert on AWS Backup job failures" + (" in DR region" if region == DR else ""),
        )
        events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": topic_arn(region)}])
    for alarm in replication_alarms() + anomaly_alarms():
        spec = dict(alarm)
        cw = sim.client("cloudwatch", spec.pop("region"))
        cw.put_metric_alarm(**spec)
        cw.set_alarm_state(AlarmName=spec["AlarmName"], StateValue="OK", StateReason="Seeded: within thresholds")


# ------------------------------------------------------------------ CloudWatch


def _metric_region(metric: str, pair: dict[str, str] | None = None, bucket: str | None = None) -> str:
    where = METRIC_REGION[metric]
    if where == "source":
        return BUCKET_REGION[pair["source"]]  # type: ignore[index]
    if where == "destination":
        return BUCKET_REGION[pair["destination"]]  # type: ignore[index]
    if where == "bucket":
        return BUCKET_REGION[bucket]  # type: ignore[index]
    return where  # an explicit region name


def replication_dimensions(pair: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"Name": "SourceBucket", "Value": pair["source"]},
        {"Name": "DestinationBucket", "Value": pair["destination"]},
        {"Name": "RuleId", "Value": pair["rule_id"]},
    ]


def five_minute_marks(at: dt.datetime, count: int = 12) -> list[dt.datetime]:
    base = at.replace(second=0, microsecond=0)
    base -= dt.timedelta(minutes=base.minute % 5)
    return [base - dt.timedelta(minutes=5 * i) for i in range(count)]


def daily_marks(at: dt.datetime, days: int = STORAGE_DAYS) -> list[dt.datetime]:
    """Midnights of the last `days` complete days, newest first (S3 storage metrics are
    daily and arrive late, so today has none yet)."""
    today = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - dt.timedelta(days=i) for i in range(1, days + 1)]


def _put(sim: Sim, region: str, data: list[dict[str, Any]]) -> None:
    cw = sim.client("cloudwatch", region)
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace="AWS/S3", MetricData=data[i : i + 500])


def replication_points(dims: list[dict[str, str]], at: dt.datetime, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """One replication rule's 5-minute datapoints (metric name, datum), newest hour."""
    out = []
    for ts in five_minute_marks(at):
        for metric, value, unit in (
            ("ReplicationLatency", rng.randint(30, 120), "Seconds"),
            ("OperationsFailedReplication", 0, "Count"),
            ("OperationsPendingReplication", rng.randint(0, 6), "Count"),
            ("BytesPendingReplication", rng.randint(0, 40) * 1_048_576, "Bytes"),
        ):
            out.append((metric, {"MetricName": metric, "Dimensions": dims, "Timestamp": ts, "Value": value, "Unit": unit}))
    return out


def storage_points(bucket: str, info: dict[str, Any], at: dt.datetime) -> list[dict[str, Any]]:
    """One bucket's daily NumberOfObjects and BucketSizeBytes per storage type, shaped by `info`."""
    out = []
    for i, ts in enumerate(daily_marks(at)):
        objects = info["objects"] - i * info["growth_per_day"]
        scale = objects / info["objects"]
        out.append(
            {
                "MetricName": "NumberOfObjects",
                "Dimensions": [
                    {"Name": "BucketName", "Value": bucket},
                    {"Name": "StorageType", "Value": "AllStorageTypes"},
                ],
                "Timestamp": ts,
                "Value": objects,
                "Unit": "Count",
            }
        )
        sizes = {k: int(v * scale) for k, v in info["bytes"].items()}
        if "DeepArchiveStorage" in sizes:
            sizes.update({k: v * objects for k, v in DEEP_ARCHIVE_OVERHEAD.items()})
        for storage_type, value in sizes.items():
            out.append(
                {
                    "MetricName": "BucketSizeBytes",
                    "Dimensions": [
                        {"Name": "BucketName", "Value": bucket},
                        {"Name": "StorageType", "Value": storage_type},
                    ],
                    "Timestamp": ts,
                    "Value": value,
                    "Unit": "Bytes",
                }
            )
    return out


def seed_metrics(sim: Sim, at: dt.datetime) -> None:
    rng = random.Random(8)
    by_region: dict[str, list[dict[str, Any]]] = {}
    for pair in REPLICATION:
        for metric, datum in replication_points(replication_dimensions(pair), at, rng):
            by_region.setdefault(_metric_region(metric, pair), []).append(datum)
    for bucket, info in STORAGE.items():
        # Both storage metrics are published in the bucket's region.
        by_region.setdefault(_metric_region("NumberOfObjects", bucket=bucket), []).extend(
            storage_points(bucket, info, at)
        )
    for region, data in by_region.items():
        _put(sim, region, data)


# ------------------------------------------------------------------ recovery path
#
# What the guide's restore procedures (Scenario 2/3: `aws backup start-restore-job
# --iam-role-arn .../AWSBackupDefaultServiceRole`) depend on besides the recovery points:
# the vaults' customer-managed KMS keys, whose policies let the backup role copy and restore;
# the role's trust in backup.amazonaws.com and its AWS managed backup and restore policies;
# and, in the DR region, the DB subnet group, parameter group and option group the restored
# `eks-mnemonica-prod-dr` instance lands in (the same names as the instance uses in eu-west-1).

BACKUP_ROLE = "AWSBackupDefaultServiceRole"
BACKUP_MANAGED_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)
# AWS Backup's documented key-policy grant for a customer-managed vault key.
VAULT_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey", "kms:ReEncrypt*"]
DB_SUBNET_GROUP = "eks-mnemonica-prod-db-subnets"
DB_PARAMETER_GROUP = "eks-mnemonica-prod-postgres16"
DB_PARAMETER_FAMILY = "postgres16"
DB_OPTION_GROUP = "eks-mnemonica-prod-postgres16"
DR_DB_INSTANCE = "eks-mnemonica-prod-dr"


def vault_key_policy(*, allow_backup_role: bool = True) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "EnableIAMUserPermissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if allow_backup_role:
        statements.append(
            {
                "Sid": "AllowAWSBackupCopyAndRestore",
                "Effect": "Allow",
                "Principal": {"AWS": BACKUP_ROLE_ARN},
                "Action": VAULT_KEY_ACTIONS,
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Id": "mnemonica-backup-vault-key", "Statement": statements}


def vault_key_arn(sim: Sim, region: str, vault: str) -> str:
    arn = sim.client("backup", region).describe_backup_vault(BackupVaultName=vault).get("EncryptionKeyArn")
    if not arn:
        raise RuntimeError(f"vault {vault} ({region}) has no customer-managed key: is this a target-state simulator?")
    return arn


def seed_vault_keys(sim: Sim) -> None:
    for region, vault in ((PRIMARY, VAULT), (DR, DR_VAULT)):
        key = sim.client("kms", region).create_key(
            Description=f"AWS Backup vault {vault}", Policy=json.dumps(vault_key_policy())
        )["KeyMetadata"]
        sim.client("kms", region).create_alias(AliasName=f"alias/{vault}", TargetKeyId=key["KeyId"])
        sim.control("/_sim/backup/vault-key", {"region": region, "vault": vault, "key_arn": key["Arn"]})


def seed_backup_role_policies(sim: Sim) -> None:
    iam = sim.client("iam", "us-east-1")
    for arn in BACKUP_MANAGED_POLICIES:
        iam.attach_role_policy(RoleName=BACKUP_ROLE, PolicyArn=arn)


def seed_db_landing_zone(sim: Sim, region: str) -> None:
    ec2 = sim.client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{n}.0/24", AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
        for n, zone in ((1, "a"), (2, "b"))
    ]
    rds = sim.client("rds", region)
    rds.create_db_subnet_group(
        DBSubnetGroupName=DB_SUBNET_GROUP, DBSubnetGroupDescription="eks-mnemonica-prod database", SubnetIds=subnets
    )
    rds.create_db_parameter_group(
        DBParameterGroupName=DB_PARAMETER_GROUP, DBParameterGroupFamily=DB_PARAMETER_FAMILY,
        Description="eks-mnemonica-prod parameters",
    )
    rds.create_option_group(
        OptionGroupName=DB_OPTION_GROUP, EngineName="postgres", MajorEngineVersion="16",
        OptionGroupDescription="eks-mnemonica-prod options",
    )


# Scenario 2's S3 restore (`aws s3api restore-object` + download on mne-media-replica): the
# replica's SSE-KMS customer key in its own region, and the role the on-call engineer assumes to
# restore, with a managed policy allowing s3:GetObject and s3:RestoreObject on the replicas.
REPLICA_KEY_BUCKET = "mne-media-replica"
RECOVERY_OPERATOR_ROLE = "mnemonica-recovery-operator"
RECOVERY_OPERATOR_POLICY = "mnemonica-s3-replica-restore"
RECOVERY_OPERATOR_POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/{RECOVERY_OPERATOR_POLICY}"


def recovery_operator_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RestoreAndReadReplicaObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:RestoreObject"],
                "Resource": [f"arn:aws:s3:::{b}/*" for b in REPLICAS],
            },
            {
                "Sid": "ListReplicas",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
                "Resource": [f"arn:aws:s3:::{b}" for b in REPLICAS],
            },
        ],
    }


def replica_key_arn(sim: Sim, bucket: str = REPLICA_KEY_BUCKET) -> str:
    s3 = sim.client("s3", BUCKET_REGION[bucket])
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    arn = rule["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID")
    if not arn:
        raise RuntimeError(f"{bucket} has no SSE-KMS key: is this a target-state simulator?")
    return arn


def seed_replica_key(sim: Sim) -> None:
    region = BUCKET_REGION[REPLICA_KEY_BUCKET]
    kms = sim.client("kms", region)
    key = kms.create_key(Description=f"S3 default encryption of {REPLICA_KEY_BUCKET}")["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{REPLICA_KEY_BUCKET}", TargetKeyId=key["KeyId"])
    sim.client("s3", region).put_bucket_encryption(
        Bucket=REPLICA_KEY_BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )


def seed_recovery_operator(sim: Sim) -> None:
    iam = sim.client("iam", "us-east-1")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(
        RoleName=RECOVERY_OPERATOR_ROLE,
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="Assumed by on-call engineers to restore S3 objects from the replicas",
    )
    iam.create_policy(PolicyName=RECOVERY_OPERATOR_POLICY, PolicyDocument=json.dumps(recovery_operator_policy()))
    iam.attach_role_policy(RoleName=RECOVERY_OPERATOR_ROLE, PolicyArn=RECOVERY_OPERATOR_POLICY_ARN)


def seed_recovery_path(sim: Sim) -> None:
    seed_vault_keys(sim)
    seed_backup_role_policies(sim)
    seed_replica_key(sim)
    seed_recovery_operator(sim)
    for region in (PRIMARY, DR):
        seed_db_landing_zone(sim, region)
    sim.client("rds", PRIMARY).modify_db_instance(
        DBInstanceIdentifier=RDS_ID, DBSubnetGroupName=DB_SUBNET_GROUP, DBParameterGroupName=DB_PARAMETER_GROUP,
        OptionGroupName=DB_OPTION_GROUP, ApplyImmediately=True,
    )


def warm_up(sim: Sim) -> None:
    """One read call per service and region the estates use, changing nothing: what a fresh
    simulator would otherwise do on its first seeding call (load the service's model, create
    its backend and routes). Used by the simulator template (template.py) before it forks."""
    sim.client("sts", "us-east-1").get_caller_identity()
    sim.client("iam", "us-east-1").list_roles()
    sim.client("s3", PRIMARY).list_buckets()
    for region in (PRIMARY, DR, NORTH, "us-east-1"):
        sim.client("rds", region).describe_db_instances()
        sim.client("rds", region).describe_db_subnet_groups()
        sim.client("ec2", region).describe_security_groups()
        sim.client("backup", region).list_backup_vaults()
        sim.client("backup", region).list_backup_plans()
        sim.client("cloudwatch", region).describe_alarms()
        sim.client("cloudwatch", region).list_metrics(Namespace="AWS/S3")
        sim.client("sns", region).list_topics()
        sim.client("events", region).list_rules()
        sim.client("kms", region).list_keys()
