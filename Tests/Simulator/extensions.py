"""In-process extensions to moto 5.2.1 for what the mnemond estate needs.

moto lacks AWS Backup job history (backup, copy and restore jobs, recovery points),
backup selections and plan updates; it answers "now" for every RDS
LatestRestorableTime, auto-confirms every SNS subscription and POSTs SNS messages to
any https endpoint. A few of its answers are wrong in ways a monitor would act on
(replication delete-marker status, invented S3 storage metrics, auth errors of JSON
services, signature checks of body-less and gzip requests). This module patches all of
that into moto's own classes and adds a small JSON control API (``/_sim/...``) for
state that no AWS API can set. README.md lists each change.

Answers of the added AWS operations go through moto's ``ActionResult``, i.e. through
botocore's output shapes for the ``backup`` service, so field names, nesting and
timestamp encoding (epoch seconds for rest-json) are the model's, not ours.

``install()`` must run after moto is imported and before the server app is built.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import gzip
import io
import ipaddress
import json
import os
import re
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

UTC = dt.timezone.utc
DEFAULT_ACCOUNT = os.environ.get("MOTO_ACCOUNT_ID", "123456789012")
BACKUP_SERVICE_ROLE = "role/service-role/AWSBackupDefaultServiceRole"

# One lock for everything the control API and the added operations mutate: moto's
# server is threaded and these lists are shared between request threads.
LOCK = threading.RLock()

# Per request thread (werkzeug serves each request on its own thread): the body as it
# came over the wire, kept for signature checks when moto only sees it decompressed.
_REQUEST = threading.local()

# Flags that the control API sets and the patched operations read.
STATE: dict[str, Any] = {
    "caller_account": None,  # STS GetCallerIdentity answers this account when set
    "meta": {},  # what the seeder recorded (state, now)
    "sns_deliveries": [],  # messages that would have gone to non-loopback http(s)
    "fail_requests": [],  # rules: AWS requests answered with an error instead of by moto
}


# --------------------------------------------------------------------------- time


def parse_time(value: Any) -> dt.datetime:
    """Accepts epoch seconds, ISO 8601 (with Z or offset) or a datetime; gives aware UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return dt.datetime.fromtimestamp(float(text), tz=UTC)
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        parsed = dt.datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"not a time: {value!r}")


def iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _naive_utc(value: dt.datetime) -> dt.datetime:
    # moto keeps naive UTC datetimes internally (its utcnow()); mixing aware ones in
    # breaks its comparisons and serialisers.
    return value.astimezone(UTC).replace(tzinfo=None)


# ----------------------------------------------------------------- backup storage

TIME_FIELDS = {
    "CreationDate",
    "CompletionDate",
    "ExpectedCompletionDate",
    "StartBy",
    "InitiationDate",
    "LastRestoreTime",
    "RecoveryPointCreationDate",
}


class BackupHistory:
    """What AWS Backup remembers in one account and region."""

    def __init__(self) -> None:
        self.backup_jobs: list[dict[str, Any]] = []
        self.copy_jobs: list[dict[str, Any]] = []
        self.recovery_points: list[dict[str, Any]] = []
        self.restore_jobs: list[dict[str, Any]] = []
        # plan id -> selection id -> record
        self.selections: dict[str, dict[str, dict[str, Any]]] = {}

    def clear_history(self) -> None:
        self.backup_jobs.clear()
        self.copy_jobs.clear()
        self.recovery_points.clear()
        self.restore_jobs.clear()


def _backup_backend(account: str, region: str) -> Any:
    from moto.backup.models import backup_backends

    return backup_backends[account][region]


def history(account: str, region: str) -> BackupHistory:
    # Hung on moto's own per-account, per-region backend so that moto's reset
    # (POST /moto-api/reset) forgets it together with plans and vaults.
    backend = _backup_backend(account, region)
    hist = getattr(backend, "_sim_history", None)
    if hist is None:
        hist = BackupHistory()
        backend._sim_history = hist
    return hist


def _vault_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def _vault_name_from_arn(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _normalise_times(record: dict[str, Any]) -> None:
    for key in list(record):
        if key in TIME_FIELDS and record[key] is not None:
            record[key] = parse_time(record[key])
    calc = record.get("CalculatedLifecycle")
    if isinstance(calc, dict):
        for key in ("MoveToColdStorageAt", "DeleteAt"):
            if calc.get(key) is not None:
                calc[key] = parse_time(calc[key])


def _rds_snapshot_arn(region: str, account: str, prefix: str, ident: str) -> str:
    return f"arn:aws:rds:{region}:{account}:snapshot:awsbackup:{prefix}-{ident.lower()}"


def _resource_type(resource_arn: str | None) -> str:
    if not resource_arn:
        return "RDS"
    service = resource_arn.split(":")[2] if resource_arn.count(":") >= 2 else ""
    return {"rds": "RDS", "s3": "S3", "dynamodb": "DynamoDB", "ec2": "EC2"}.get(
        service, service.upper() or "RDS"
    )


def make_backup_job(account: str, region: str, fields: dict[str, Any]) -> dict[str, Any]:
    job = copy.deepcopy(fields)
    _normalise_times(job)
    job.setdefault("BackupJobId", str(uuid.uuid4()).upper())
    job.setdefault("AccountId", account)
    job.setdefault("State", "COMPLETED")
    if "BackupVaultName" not in job and "BackupVaultArn" in job:
        job["BackupVaultName"] = _vault_name_from_arn(job["BackupVaultArn"])
    job.setdefault("BackupVaultName", "Default")
    job.setdefault("BackupVaultArn", _vault_arn(account, region, job["BackupVaultName"]))
    job.setdefault("ResourceType", _resource_type(job.get("ResourceArn")))
    job.setdefault("IamRoleArn", f"arn:aws:iam::{account}:{BACKUP_SERVICE_ROLE}")
    job.setdefault("CreationDate", dt.datetime.now(UTC))
    if job["State"] == "COMPLETED":
        job.setdefault("RecoveryPointArn", _rds_snapshot_arn(region, account, "job", job["BackupJobId"]))
        job.setdefault("PercentDone", "100.0")
        job.setdefault("CompletionDate", job["CreationDate"] + dt.timedelta(minutes=20))
    if "ResourceArn" in job and "ResourceName" not in job:
        job["ResourceName"] = job["ResourceArn"].rsplit(":", 1)[-1]
    return job


def make_copy_job(account: str, region: str, fields: dict[str, Any]) -> dict[str, Any]:
    job = copy.deepcopy(fields)
    _normalise_times(job)
    job.setdefault("CopyJobId", str(uuid.uuid4()).upper())
    job.setdefault("AccountId", account)
    job.setdefault("State", "COMPLETED")
    job.setdefault("ResourceType", _resource_type(job.get("ResourceArn")))
    job.setdefault("IamRoleArn", f"arn:aws:iam::{account}:{BACKUP_SERVICE_ROLE}")
    job.setdefault("CreationDate", dt.datetime.now(UTC))
    if job["State"] == "COMPLETED":
        job.setdefault("CompletionDate", job["CreationDate"] + dt.timedelta(minutes=25))
    if "ResourceArn" in job and "ResourceName" not in job:
        job["ResourceName"] = job["ResourceArn"].rsplit(":", 1)[-1]
    return job


def make_recovery_point(account: str, region: str, fields: dict[str, Any]) -> dict[str, Any]:
    rp = copy.deepcopy(fields)
    _normalise_times(rp)
    if "BackupVaultName" not in rp and "BackupVaultArn" in rp:
        rp["BackupVaultName"] = _vault_name_from_arn(rp["BackupVaultArn"])
    if "BackupVaultName" not in rp:
        raise ValueError("a recovery point needs BackupVaultName or BackupVaultArn")
    rp.setdefault("BackupVaultArn", _vault_arn(account, region, rp["BackupVaultName"]))
    rp.setdefault("CreationDate", dt.datetime.now(UTC))
    rp.setdefault("RecoveryPointArn", _rds_snapshot_arn(region, account, "job", str(uuid.uuid4())))
    rp.setdefault("ResourceType", _resource_type(rp.get("ResourceArn")))
    rp.setdefault("IamRoleArn", f"arn:aws:iam::{account}:{BACKUP_SERVICE_ROLE}")
    rp.setdefault("Status", "COMPLETED")
    rp.setdefault("IsEncrypted", True)
    rp.setdefault("EncryptionKeyType", "AWS_OWNED_KMS_KEY")
    rp.setdefault("VaultType", "BACKUP_VAULT")
    if rp["Status"] == "COMPLETED":
        rp.setdefault("CompletionDate", rp["CreationDate"] + dt.timedelta(minutes=20))
    lifecycle = rp.get("Lifecycle") or {}
    if lifecycle.get("DeleteAfterDays") and "CalculatedLifecycle" not in rp:
        rp["CalculatedLifecycle"] = {
            "DeleteAt": rp["CreationDate"] + dt.timedelta(days=int(lifecycle["DeleteAfterDays"]))
        }
    if "ResourceArn" in rp and "ResourceName" not in rp:
        rp["ResourceName"] = rp["ResourceArn"].rsplit(":", 1)[-1]
    return rp


def make_restore_job(account: str, region: str, fields: dict[str, Any]) -> dict[str, Any]:
    job = copy.deepcopy(fields)
    _normalise_times(job)
    job.setdefault("RestoreJobId", str(uuid.uuid4()).upper())
    job.setdefault("AccountId", account)
    job.setdefault("Status", "COMPLETED")
    job.setdefault("CreationDate", dt.datetime.now(UTC))
    job.setdefault("ResourceType", _resource_type(job.get("SourceResourceArn")))
    job.setdefault("IamRoleArn", f"arn:aws:iam::{account}:{BACKUP_SERVICE_ROLE}")
    if job["Status"] == "COMPLETED":
        job.setdefault("PercentDone", "100.0")
        job.setdefault("CompletionDate", job["CreationDate"] + dt.timedelta(minutes=45))
    return job


KINDS = {
    "jobs": ("backup_jobs", make_backup_job),
    "copy-jobs": ("copy_jobs", make_copy_job),
    "recovery-points": ("recovery_points", make_recovery_point),
    "restore-jobs": ("restore_jobs", make_restore_job),
}


# The job and recovery point histories are plain dicts keyed by the API's member names. moto's
# generic serializer looks every member of every item up under half a dozen aliases, which made
# these lists (1,440 recovery points, 180 days of jobs) most of a check cycle's cost in the
# simulator. This writes the same JSON from the output shape directly; `FAST_JSON["off"]` turns
# it off, and test_simulator.py compares both for every list of both estates.
FAST_JSON = {"off": False}


def _json_member(shape: Any, value: Any, timestamps: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return value
        return _json_structure(shape, value, timestamps)
    if kind == "list":
        return [_json_member(shape.member, item, timestamps) for item in value]
    if kind == "map":
        return {key: _json_member(shape.value, item, timestamps) for key, item in value.items()}
    if kind == "timestamp":
        return timestamps._convert_timestamp_to_str(value, shape.serialization.get("timestampFormat", "unixtimestamp"))
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    return value


def _json_structure(shape: Any, value: dict[str, Any], timestamps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        item = value.get(name)
        if item is not None:
            out[member.serialization.get("name", name)] = _json_member(member, item, timestamps)
    return out


def _list_result(resp: Any, result: dict[str, Any]) -> Any:
    """What `ActionResult(result)` answers for a rest-json list of our own dicts, built faster."""
    from moto.core.responses import ActionResult
    from moto.core.serialize import TimestampSerializer
    from moto.core.utils import get_service_model

    shape = get_service_model(resp.boto3_service_name).operation_model(resp._get_action()).output_shape
    plain = all(isinstance(v, (dict, list, str, type(None))) for v in result.values())
    if FAST_JSON["off"] or shape is None or not plain or any(m.serialization.get("location") for m in shape.members.values()):
        return ActionResult(result)
    body = _json_structure(shape, result, TimestampSerializer("unixtimestamp"))
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def _sorted_newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda r: r["CreationDate"], reverse=True)


# ------------------------------------------------------ backup response handlers


def _query(resp: Any) -> dict[str, str]:
    parsed = parse_qs(urlparse(resp.uri).query, keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _time_filter(q: dict[str, str], key: str) -> dt.datetime | None:
    return parse_time(q[key]) if q.get(key) else None


def _paginate(resp: Any, items: list[Any], default_max: int = 1000) -> tuple[list[Any], str | None]:
    q = _query(resp)
    try:
        limit = int(q.get("maxResults") or default_max)
    except ValueError:
        limit = default_max
    limit = max(1, min(limit, 1000))
    start = 0
    token = q.get("nextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except Exception:  # noqa: BLE001 - any garbage token is the client's error
            from moto.backup.exceptions import InvalidParameterValueException

            raise InvalidParameterValueException(msg="Invalid NextToken")
    page = items[start : start + limit]
    nxt = None
    if start + limit < len(items):
        nxt = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
    return page, nxt


def _common_filters(items: list[dict[str, Any]], q: dict[str, str], *, state_key: str, state_param: str) -> list[dict[str, Any]]:
    after = _time_filter(q, "createdAfter")
    before = _time_filter(q, "createdBefore")
    complete_after = _time_filter(q, "completeAfter")
    complete_before = _time_filter(q, "completeBefore")
    out = []
    for item in items:
        if q.get("resourceArn") and item.get("ResourceArn") != q["resourceArn"]:
            continue
        if q.get(state_param) and item.get(state_key) != q[state_param]:
            continue
        if q.get("resourceType") and item.get("ResourceType") != q["resourceType"]:
            continue
        if q.get("accountId") and q["accountId"] != "*" and item.get("AccountId") != q["accountId"]:
            continue
        if after and not item["CreationDate"] > after:
            continue
        if before and not item["CreationDate"] < before:
            continue
        if complete_after and not (item.get("CompletionDate") and item["CompletionDate"] > complete_after):
            continue
        if complete_before and not (item.get("CompletionDate") and item["CompletionDate"] < complete_before):
            continue
        out.append(item)
    return out


def _plan_and_selection_from_path(path: str) -> tuple[str, str | None]:
    m = re.match(r"^/backup/plans/([^/]+)/selections/?([^/]*)/?$", path)
    if not m:
        from moto.backup.exceptions import InvalidRequestException

        raise InvalidRequestException(msg="Unexpected selection path")
    return unquote(m.group(1)), (unquote(m.group(2)) or None)


def list_backup_jobs(self: Any) -> Any:
    q = _query(self)
    with LOCK:
        items = list(history(self.current_account, self.region).backup_jobs)
    items = _common_filters(items, q, state_key="State", state_param="state")
    if q.get("backupVaultName"):
        items = [j for j in items if j.get("BackupVaultName") == q["backupVaultName"]]
    if q.get("parentJobId"):
        items = [j for j in items if j.get("ParentJobId") == q["parentJobId"]]
    page, nxt = _paginate(self, _sorted_newest_first(items))
    return _list_result(self, {"BackupJobs": page, "NextToken": nxt})


def describe_backup_job(self: Any) -> Any:
    from moto.backup.exceptions import ResourceNotFoundException
    from moto.core.responses import ActionResult

    job_id = unquote(self.path.rstrip("/").rsplit("/", 1)[-1])
    with LOCK:
        for job in history(self.current_account, self.region).backup_jobs:
            if job["BackupJobId"] == job_id:
                return ActionResult(dict(job))
    raise ResourceNotFoundException(msg=f"Cannot find job with id {job_id}")


def list_copy_jobs(self: Any) -> Any:
    q = _query(self)
    with LOCK:
        items = list(history(self.current_account, self.region).copy_jobs)
    items = _common_filters(items, q, state_key="State", state_param="state")
    if q.get("destinationVaultArn"):
        items = [j for j in items if j.get("DestinationBackupVaultArn") == q["destinationVaultArn"]]
    if q.get("sourceRecoveryPointArn"):
        items = [j for j in items if j.get("SourceRecoveryPointArn") == q["sourceRecoveryPointArn"]]
    page, nxt = _paginate(self, _sorted_newest_first(items))
    return _list_result(self, {"CopyJobs": page, "NextToken": nxt})


def list_recovery_points_by_backup_vault(self: Any) -> Any:
    m = re.match(r"^/backup-vaults/([^/]+)/recovery-points/?$", self.path)
    vault_name = unquote(m.group(1)) if m else ""
    backend = _backup_backend(self.current_account, self.region)
    backend.describe_backup_vault(vault_name)  # AWS answers 404 for an unknown vault
    q = _query(self)
    with LOCK:
        items = [r for r in history(self.current_account, self.region).recovery_points if r["BackupVaultName"] == vault_name]
    items = _common_filters(items, q, state_key="Status", state_param="status")
    if q.get("backupPlanId"):
        items = [r for r in items if (r.get("CreatedBy") or {}).get("BackupPlanId") == q["backupPlanId"]]
    if q.get("parentRecoveryPointArn"):
        items = [r for r in items if r.get("ParentRecoveryPointArn") == q["parentRecoveryPointArn"]]
    page, nxt = _paginate(self, _sorted_newest_first(items))
    return _list_result(self, {"RecoveryPoints": page, "NextToken": nxt})


def describe_recovery_point(self: Any) -> Any:
    from moto.backup.exceptions import ResourceNotFoundException
    from moto.core.responses import ActionResult

    m = re.match(r"^/backup-vaults/([^/]+)/recovery-points/(.+?)/?$", self.path)
    if not m:
        raise ResourceNotFoundException(msg="Recovery point not found")
    vault_name, arn = unquote(m.group(1)), unquote(m.group(2))
    with LOCK:
        for rp in history(self.current_account, self.region).recovery_points:
            if rp["BackupVaultName"] == vault_name and rp["RecoveryPointArn"] == arn:
                return ActionResult(dict(rp))
    raise ResourceNotFoundException(msg=f"Recovery point {arn} not found")


def list_restore_jobs(self: Any) -> Any:
    q = _query(self)
    with LOCK:
        items = list(history(self.current_account, self.region).restore_jobs)
    items = _common_filters(items, q, state_key="Status", state_param="status")
    page, nxt = _paginate(self, _sorted_newest_first(items))
    return _list_result(self, {"RestoreJobs": page, "NextToken": nxt})


def create_backup_selection(self: Any) -> Any:
    from moto.backup.exceptions import InvalidParameterValueException
    from moto.core.responses import ActionResult

    plan_id, _ = _plan_and_selection_from_path(self.path)
    backend = _backup_backend(self.current_account, self.region)
    plan = backend.get_backup_plan(backup_plan_id=plan_id, version_id=None)
    body = json.loads(self.body or "{}")
    selection = body.get("BackupSelection") or {}
    if not selection.get("SelectionName") or not selection.get("IamRoleArn"):
        raise InvalidParameterValueException(msg="SelectionName and IamRoleArn are required")
    record = {
        "SelectionId": str(uuid.uuid4()),
        "SelectionName": selection["SelectionName"],
        "BackupPlanId": plan.backup_plan_id,
        "CreationDate": dt.datetime.now(UTC),
        "CreatorRequestId": body.get("CreatorRequestId"),
        "IamRoleArn": selection["IamRoleArn"],
        "BackupSelection": selection,
    }
    with LOCK:
        history(self.current_account, self.region).selections.setdefault(plan.backup_plan_id, {})[
            record["SelectionId"]
        ] = record
    return ActionResult(
        {"SelectionId": record["SelectionId"], "BackupPlanId": record["BackupPlanId"], "CreationDate": record["CreationDate"]}
    )


def list_backup_selections(self: Any) -> Any:
    from moto.core.responses import ActionResult

    plan_id, _ = _plan_and_selection_from_path(self.path)
    backend = _backup_backend(self.current_account, self.region)
    backend.get_backup_plan(backup_plan_id=plan_id, version_id=None)
    with LOCK:
        records = list(history(self.current_account, self.region).selections.get(plan_id, {}).values())
    members = [{k: v for k, v in r.items() if k != "BackupSelection"} for r in records]
    page, nxt = _paginate(self, members)
    return ActionResult({"BackupSelectionsList": page, "NextToken": nxt})


def get_backup_selection(self: Any) -> Any:
    from moto.backup.exceptions import ResourceNotFoundException
    from moto.core.responses import ActionResult

    plan_id, selection_id = _plan_and_selection_from_path(self.path)
    with LOCK:
        record = history(self.current_account, self.region).selections.get(plan_id, {}).get(selection_id or "")
    if record is None:
        raise ResourceNotFoundException(msg=f"Failed reading backup selection {selection_id}")
    return ActionResult(
        {
            "BackupSelection": record["BackupSelection"],
            "SelectionId": record["SelectionId"],
            "BackupPlanId": record["BackupPlanId"],
            "CreationDate": record["CreationDate"],
            "CreatorRequestId": record.get("CreatorRequestId"),
        }
    )


def delete_backup_selection(self: Any) -> Any:
    from moto.backup.exceptions import ResourceNotFoundException
    from moto.core.responses import EmptyResult

    plan_id, selection_id = _plan_and_selection_from_path(self.path)
    with LOCK:
        selections = history(self.current_account, self.region).selections.get(plan_id, {})
        if selection_id not in selections:
            raise ResourceNotFoundException(msg=f"Failed reading backup selection {selection_id}")
        del selections[selection_id]
    return EmptyResult()


def update_backup_plan(self: Any) -> Any:
    from moto.backup.exceptions import InvalidParameterValueException
    from moto.core.responses import ActionResult

    plan_id = self.path.rstrip("/").rsplit("/", 1)[-1]
    backend = _backup_backend(self.current_account, self.region)
    plan = backend.get_backup_plan(backup_plan_id=plan_id, version_id=None)
    body = json.loads(self.body or "{}")
    new_plan = body.get("BackupPlan")
    if not new_plan or not new_plan.get("Rules"):
        raise InvalidParameterValueException(msg="BackupPlan with at least one rule is required")
    # Same defaults moto applies on create, so GetBackupPlan looks alike either way.
    for rule in new_plan["Rules"]:
        rule.setdefault("ScheduleExpression", "cron(0 5 ? * * *)")
        rule.setdefault("StartWindowMinutes", 480)
        rule.setdefault("CompletionWindowMinutes", 10080)
        rule.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        rule["RuleId"] = str(uuid.uuid4())
    with LOCK:
        plan.backup_plan = new_plan
        plan.advanced_backup_settings = new_plan.get("AdvancedBackupSettings") or []
        plan.version_id = base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()[:48]
    return ActionResult(
        {
            "BackupPlanId": plan.backup_plan_id,
            "BackupPlanArn": plan.backup_plan_arn,
            "CreationDate": dt.datetime.fromtimestamp(plan.creation_date, tz=UTC),
            "VersionId": plan.version_id,
        }
    )


def _count_recovery_points(account: str, region: str, vault_name: str) -> int:
    with LOCK:
        return sum(1 for r in history(account, region).recovery_points if r["BackupVaultName"] == vault_name)


def _install_backup() -> None:
    from moto.backup import urls as backup_urls
    from moto.backup.responses import BackupResponse

    original_describe = BackupResponse.describe_backup_vault
    original_list_vaults = BackupResponse.list_backup_vaults

    def describe_backup_vault(self: Any) -> Any:
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        vault = _backup_backend(self.current_account, self.region).describe_backup_vault(name)
        # moto keeps the count as num_of_recovery_points, which the serialiser (looking
        # for number_of_recovery_points) never finds.
        vault.num_of_recovery_points = _count_recovery_points(self.current_account, self.region, name)
        vault.number_of_recovery_points = vault.num_of_recovery_points
        return original_describe(self)

    def list_backup_vaults(self: Any) -> Any:
        for vault in _backup_backend(self.current_account, self.region).vaults.values():
            vault.num_of_recovery_points = _count_recovery_points(
                self.current_account, self.region, vault.backup_vault_name
            )
        return original_list_vaults(self)

    handlers = {
        "list_backup_jobs": list_backup_jobs,
        "describe_backup_job": describe_backup_job,
        "list_copy_jobs": list_copy_jobs,
        "list_recovery_points_by_backup_vault": list_recovery_points_by_backup_vault,
        "describe_recovery_point": describe_recovery_point,
        "list_restore_jobs": list_restore_jobs,
        "create_backup_selection": create_backup_selection,
        "list_backup_selections": list_backup_selections,
        "get_backup_selection": get_backup_selection,
        "delete_backup_selection": delete_backup_selection,
        "update_backup_plan": update_backup_plan,
        "describe_backup_vault": describe_backup_vault,
        "list_backup_vaults": list_backup_vaults,
    }
    for name, fn in handlers.items():
        setattr(BackupResponse, name, fn)

    # Routes moto has none for; the operation itself is then found from botocore's
    # model by method + URI, as for every other rest-json call.
    dispatch = BackupResponse.dispatch
    backup_urls.url_paths.update(
        {
            "{0}/backup-jobs/$": dispatch,
            "{0}/backup-jobs/(?P<backupJobId>[^/]+)$": dispatch,
            "{0}/copy-jobs/$": dispatch,
            "{0}/restore-jobs/$": dispatch,
            "{0}/backup-vaults/(?P<vaultname>[^/]+)/recovery-points/$": dispatch,
            "{0}/backup-vaults/(?P<vaultname>[^/]+)/recovery-points/(?P<recoveryPointArn>.+)$": dispatch,
        }
    )


# -------------------------------------------------------------------------- RDS


def _install_rds() -> None:
    from moto.core.utils import utcnow
    from moto.rds.models import DBInstance

    def latest_restorable_time(self: Any) -> dt.datetime:
        setting = getattr(self, "_sim_latest_restorable", None)
        if setting is None:
            return utcnow()
        kind, value = setting
        if kind == "lag":
            return utcnow() - dt.timedelta(seconds=value)
        return value

    DBInstance.latest_restorable_time = property(latest_restorable_time)


def set_latest_restorable_time(account: str, region: str, db: str, *, time: Any = None, lag_seconds: float | None = None) -> dict[str, Any]:
    from moto.rds.models import rds_backends

    backend = rds_backends[account][region]
    instance = backend.databases.get(db)
    if instance is None:
        raise LookupError(f"no DB instance {db} in {region}")
    if lag_seconds is not None:
        instance._sim_latest_restorable = ("lag", float(lag_seconds))
    elif time is not None:
        instance._sim_latest_restorable = ("fixed", _naive_utc(parse_time(time)))
    else:
        instance._sim_latest_restorable = None
    return {"db": db, "region": region, "LatestRestorableTime": iso(instance.latest_restorable_time.replace(tzinfo=UTC))}


# -------------------------------------------------------------------------- SNS


def _is_loopback_url(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _pending_view(sub: Any) -> dict[str, Any]:
    return {
        "SubscriptionArn": "PendingConfirmation",
        "Owner": sub.account_id,
        "Protocol": sub.protocol,
        "Endpoint": sub.endpoint,
        "TopicArn": sub.topic.arn,
    }


def _install_sns() -> None:
    from moto.sns.models import Subscription
    from moto.sns.responses import SNSResponse

    original_publish = Subscription.publish

    def publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_sim_pending", False):
            return  # AWS delivers nothing to an unconfirmed subscription
        if self.protocol in ("http", "https") and not _is_loopback_url(self.endpoint):
            # The estate's webhook is fictitious: keep the message instead of letting
            # moto POST it to the internet.
            with LOCK:
                STATE["sns_deliveries"].append(
                    {"endpoint": self.endpoint, "topic_arn": self.topic.arn, "message_id": message_id, "message": message}
                )
            return
        original_publish(self, message, message_id, *args, **kwargs)

    Subscription.publish = publish

    def wrap_listing(name: str) -> None:
        original = getattr(SNSResponse, name)

        def listing(self: Any) -> Any:
            result = original(self)
            body = getattr(result, "_result", None)
            if isinstance(body, dict) and body.get("Subscriptions"):
                body["Subscriptions"] = [
                    _pending_view(s) if getattr(s, "_sim_pending", False) else s for s in body["Subscriptions"]
                ]
            return result

        setattr(SNSResponse, name, listing)

    wrap_listing("list_subscriptions")
    wrap_listing("list_subscriptions_by_topic")


def set_subscription_pending(account: str, topic_arn: str, endpoint: str, pending: bool = True, protocol: str | None = None) -> list[str]:
    from moto.sns.models import sns_backends

    region = topic_arn.split(":")[3]
    backend = sns_backends[account][region]
    changed = []
    for sub in backend.subscriptions.values():
        if sub.topic.arn != topic_arn or sub.endpoint != endpoint:
            continue
        if protocol and sub.protocol != protocol:
            continue
        sub._sim_pending = pending
        sub.confirmed = not pending
        sub.attributes["PendingConfirmation"] = "true" if pending else "false"
        sub.attributes["ConfirmationWasAuthenticated"] = "false" if pending else "true"
        changed.append(sub.arn)
    if not changed:
        raise LookupError(f"no subscription of {endpoint} on {topic_arn}")
    return changed


# -------------------------------------------------------------------------- STS


def _install_sts() -> None:
    from moto.sts.responses import TokenResponse as STSResponse

    original = STSResponse.get_caller_identity

    def get_caller_identity(self: Any) -> Any:
        result = original(self)
        other = STATE.get("caller_account")
        body = getattr(result, "_result", None)
        if other and isinstance(body, dict):
            real = body.get("Account")
            body["Account"] = other
            if real and isinstance(body.get("Arn"), str):
                body["Arn"] = body["Arn"].replace(f":{real}:", f":{other}:")
        return result

    STSResponse.get_caller_identity = get_caller_identity


# ------------------------------------------------------------------ auth checking


def _install_auth_fix() -> None:
    """moto rebuilds the request to verify a SigV4 signature with ``data=body or
    parsed-params``. For a request without a body that is not a form post (a rest-json
    GET such as ListBackupJobs, a query-protocol GET) the fallback makes moto hash a
    re-encoded parameter dict instead of the empty payload, so a correct signature is
    rejected unless the client happens to send x-amz-content-sha256. An empty body is
    hashed as empty here, which is what AWS does."""
    from moto.iam.access_control import IAMRequestBase

    original = IAMRequestBase._create_aws_request

    def create_aws_request(self: Any) -> Any:
        request = original(self)
        content_type = ""
        for key, value in self._headers.items():
            if key.lower() == "content-type":
                content_type = value or ""
        wire_body = getattr(_REQUEST, "wire_body", None)
        if wire_body is not None:
            # A gzip-compressed request (botocore compresses CloudWatch PutMetricData)
            # is signed over the compressed bytes, not the text moto parsed.
            request.data = wire_body
        elif not self._body and not content_type.startswith("application/x-www-form-urlencoded"):
            request.data = b""
        # botocore canonicalises a URL's query as it stands, without re-encoding; moto hands it
        # a decoded query (``resourceArn=arn:aws:...``), so every correctly signed request with
        # an encoded parameter (ListBackupJobs byResourceArn) failed. Sign over the query as sent.
        wire_query = getattr(_REQUEST, "wire_query", None)
        if wire_query:
            request.url = request.url.split("?", 1)[0] + "?" + wire_query
        return request

    IAMRequestBase._create_aws_request = create_aws_request


def _install_iam_fidelity() -> None:
    """Make moto's IAM enforcement judge the actions AWS's IAM judges, so a least-privilege
    policy can be proven against the simulator:
    - moto names the action after the signing name (``monitoring:DescribeAlarms``); IAM uses the
      service prefix ``cloudwatch:``.
    - moto's S3 action map lacks the encryption, replication and object-lock subresources and
      falls back to ``s3:ListBucket`` for them.
    - moto evaluates non-S3 actions against resource ``*`` only, so a statement scoped to an ARN
      (``arn:aws:rds:…:db:x``) never matched. moto cannot name the real resource, so a scoped
      statement is taken to apply to it."""
    from moto.iam.access_control import IAMPolicyStatement, IAMRequestBase
    from moto.s3 import responses as s3_responses

    prefixes = {"monitoring": "cloudwatch"}
    original_init = IAMRequestBase.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        service, _, action = self._action.partition(":")
        if service in prefixes:
            self._action = f"{prefixes[service]}:{action}"

    IAMRequestBase.__init__ = init

    get_map = s3_responses.ACTION_MAP["BUCKET"]["GET"]
    get_map.setdefault("encryption", "GetEncryptionConfiguration")
    get_map.setdefault("replication", "GetReplicationConfiguration")
    get_map.setdefault("object-lock", "GetBucketObjectLockConfiguration")

    original_matches = IAMPolicyStatement._check_element_matches

    def matches(self: Any, element: Any, value: str) -> bool:
        if element == "Resource" and value == "*":
            return True
        return original_matches(self, element, value)

    IAMPolicyStatement._check_element_matches = matches


def _install_gzip_fix() -> None:
    """moto's server app inflates a gzip request body before the handler runs, and the
    handler then inflates it again and fails (500 BadGzipFile) — every compressed
    PutMetricData from botocore. Inflate only what is still compressed."""
    import gzip

    import moto.core.responses as core_responses

    def gzip_decompress(body: Any) -> Any:
        raw = body.encode("latin-1") if isinstance(body, str) else body
        if isinstance(raw, (bytes, bytearray)) and raw[:2] == b"\x1f\x8b":
            return gzip.decompress(raw)
        return body

    core_responses.gzip_decompress = gzip_decompress


def _blank_nones(value: Any) -> Any:
    # xmltodict turns an empty element (<Prefix></Prefix>) into None.
    if value is None:
        return ""
    if isinstance(value, dict):
        return {k: _blank_nones(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_nones(v) for v in value]
    return value


def _install_s3_replication() -> None:
    """moto stores the whole replication rule but answers GetBucketReplication with a
    hard-coded ``DeleteMarkerReplication: Disabled`` and ``Filter: {Prefix: ""}``; answer
    what was put instead, as S3 does."""
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    def get_bucket_replication(self: Any) -> Any:
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        rules = []
        for stored in replication["Rule"]:
            rule: dict[str, Any] = {"ID": stored["ID"], "Priority": stored.get("Priority", 1), "Status": stored["Status"]}
            if "Filter" in stored:
                rule["Filter"] = _blank_nones(stored["Filter"]) or {"Prefix": ""}
            elif "Prefix" in stored:
                rule["Prefix"] = stored["Prefix"] or ""
            else:
                rule["Filter"] = {"Prefix": ""}
            for key in ("SourceSelectionCriteria", "ExistingObjectReplication"):
                if key in stored:
                    rule[key] = _blank_nones(stored[key])
            rule["Destination"] = _blank_nones(stored["Destination"])
            if "DeleteMarkerReplication" in stored:
                rule["DeleteMarkerReplication"] = _blank_nones(stored["DeleteMarkerReplication"])
            elif "Filter" in rule:
                rule["DeleteMarkerReplication"] = {"Status": "Disabled"}
            rules.append(rule)
        return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}))

    S3Response.get_bucket_replication = get_bucket_replication


# How AWS names the authentication failures in its JSON protocols (awsJson, rest-json),
# where moto only has the query/XML names and renders them as XML.
JSON_AUTH_ERRORS = {
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "AccessDenied": "AccessDeniedException",
}


def _install_json_auth_errors() -> None:
    """With signature checking on, moto answers a JSON-protocol service (AWS Backup,
    CloudWatch's JSON protocol) with an XML error body that a JSON client cannot read:
    the error code is lost. Answer those in JSON with AWS's JSON-protocol names."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import JsonRESTError
    from moto.core.exceptions import _RESTError as RESTError
    from moto.core.responses import get_service_model

    class JsonAuthError(JsonRESTError):
        code = 403

    original = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action

    def authenticate(self: Any, resource: str = "*") -> None:
        try:
            original(self, resource)
        except RESTError as err:
            name = getattr(err, "error_type", "")
            if name not in JSON_AUTH_ERRORS:
                raise
            content_type = ""
            for key, value in (self.headers or {}).items():
                if key.lower() == "content-type":
                    content_type = value or ""
            try:
                protocol = get_service_model(self.boto3_service_name).protocol
            except Exception:  # noqa: BLE001 - unknown model: keep moto's answer
                raise err from None
            if "json" in content_type or protocol in ("json", "rest-json"):
                raise JsonAuthError(JSON_AUTH_ERRORS[name], err.message) from None
            raise

    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = authenticate


def _install_not_implemented() -> None:
    """moto raises NotImplementedError for an action it does not implement (e.g. IAM
    SimulatePrincipalPolicy), which its server turns into an HTML 500 page: a client reads
    that as a transient internal error and retries it. Answer as AWS-compatible services do
    for an action they do not offer: HTTP 501 with error code ``NotImplemented``, in the
    service's protocol (a JSON body for JSON services, an XML ``ErrorResponse`` otherwise)."""
    from moto.core.responses import BaseResponse, get_service_model

    original = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        try:
            return original(self)
        except NotImplementedError as err:
            message = str(err) or "not implemented"
            try:
                protocol = get_service_model(self.boto3_service_name).protocol
            except Exception:  # noqa: BLE001 - unknown model: answer XML
                protocol = "query"
            request_id = str(uuid.uuid4())
            if protocol in ("json", "rest-json"):
                body = json.dumps({"__type": "NotImplemented", "message": message})
                headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}
            else:
                body = (
                    "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code>"
                    f"<Message>{_xml_escape(message)}</Message></Error>"
                    f"<RequestId>{request_id}</RequestId></ErrorResponse>"
                )
                headers = {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}
            return 501, headers, body

    BaseResponse.call_action = call_action


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _install_no_synthetic_s3_metrics() -> None:
    """moto invents today's NumberOfObjects/BucketSizeBytes for every bucket from the
    objects it holds (none here), and in every region rather than the bucket's own. To
    a monitor that reads as "the replica lost all its objects today". The estate seeds
    the storage metrics it means; moto adds none."""
    from moto.s3.models import S3Backend

    S3Backend.get_cloudwatch_metrics = classmethod(lambda cls, account_id, region: [])



def _install_list_metrics_once() -> None:
    """AWS's ListMetrics names each metric (namespace, name, dimensions) once. moto lists it
    once per datapoint put: its duplicate check compares every dimension with every other, so
    a metric with two dimensions (BucketName and StorageType) never matches itself, and the
    check is quadratic in the datapoints. Here: once per metric, first-put order, in one pass."""
    from moto.cloudwatch.models import CloudWatchBackend

    def get_filtered_metrics(self: Any, metric_name: str, namespace: str, dimensions: list[dict[str, str]]) -> list[Any]:
        wanted = [(d["Name"], d.get("Value")) for d in dimensions or []]
        seen: set[tuple[Any, ...]] = set()
        listed: list[Any] = []
        for datum in self.get_all_metrics():
            if namespace and datum.namespace != namespace:
                continue
            if metric_name and datum.name != metric_name:
                continue
            have = [(d.name, d.value) for d in datum.dimensions]
            if any(not any(n == name and (value is None or v == value) for n, v in have) for name, value in wanted):
                continue
            key = (datum.namespace, datum.name, tuple(sorted(have)))
            if key in seen:
                continue
            seen.add(key)
            listed.append(datum)
        return listed

    CloudWatchBackend.get_filtered_metrics = get_filtered_metrics


# ---------------------------------------------------------------- recovery path


# The AWS managed policies the backup service role carries (guide Step 4.1); moto loads AWS
# managed policies only all at once (MOTO_IAM_LOAD_MANAGED_POLICIES, ~1,000 of them, slow).
BACKUP_MANAGED_POLICIES = ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")


def get_backup_vault_access_policy(self: Any) -> Any:
    from moto.backup.exceptions import ResourceNotFoundException
    from moto.core.responses import ActionResult

    name = self.path.rstrip("/").split("/")[-2]
    vault = _backup_backend(self.current_account, self.region).describe_backup_vault(name)
    policy = getattr(vault, "_sim_access_policy", None)
    if policy is None:
        raise ResourceNotFoundException(msg=f"Backup vault {name} has no access policy")
    return ActionResult({"BackupVaultName": name, "BackupVaultArn": vault.backup_vault_arn, "Policy": policy})


def put_backup_vault_access_policy(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    name = self.path.rstrip("/").split("/")[-2]
    vault = _backup_backend(self.current_account, self.region).describe_backup_vault(name)
    vault._sim_access_policy = json.loads(self.body or "{}").get("Policy")
    return EmptyResult()


def delete_backup_vault_access_policy(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    name = self.path.rstrip("/").split("/")[-2]
    vault = _backup_backend(self.current_account, self.region).describe_backup_vault(name)
    vault._sim_access_policy = None
    return EmptyResult()


def set_vault_key(account: str, region: str, vault: str, key_arn: str | None) -> dict[str, Any]:
    """AWS fixes a vault's key at creation (CreateBackupVault EncryptionKeyArn) and has no call
    to change it; the seeder sets it here so the estate's vault creation stays as it is."""
    backend = _backup_backend(account, region)
    if vault not in backend.vaults:
        raise LookupError(f"no vault {vault} in {region}")
    backend.vaults[vault].encryption_key_arn = key_arn
    return {"vault": vault, "encryption_key_arn": key_arn}


def _install_recovery_path() -> None:
    from moto.backup import urls as backup_urls
    from moto.backup.responses import BackupResponse
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, IAMBackend
    from moto.rds.models import RDSBackend

    setattr(BackupResponse, "get_backup_vault_access_policy", get_backup_vault_access_policy)
    setattr(BackupResponse, "put_backup_vault_access_policy", put_backup_vault_access_policy)
    setattr(BackupResponse, "delete_backup_vault_access_policy", delete_backup_vault_access_policy)
    backup_urls.url_paths["{0}/backup-vaults/(?P<name>[^/]+)/access-policy$"] = BackupResponse.dispatch

    original_policies = IAMBackend._init_aws_policies

    def init_aws_policies(self: Any) -> list[Any]:
        loaded = original_policies(self)
        if loaded:
            return loaded
        data = json.loads(aws_managed_policies_data)
        return [
            AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data[name])
            for name in BACKUP_MANAGED_POLICIES
        ]

    IAMBackend._init_aws_policies = init_aws_policies

    # moto's option-group engine table stops at PostgreSQL 13; AWS offers option groups (with
    # no options) for every supported major version, and the estate runs 16.
    original_option_group = RDSBackend.create_option_group

    def create_option_group(self: Any, option_group_kwargs: dict[str, Any]) -> Any:
        kwargs = dict(option_group_kwargs)
        wanted = kwargs.get("major_engine_version")
        if kwargs.get("engine_name") == "postgres" and wanted in ("14", "15", "16", "17"):
            kwargs["major_engine_version"] = "13"
            group = original_option_group(self, kwargs)
            group.major_engine_version = wanted
            return group
        return original_option_group(self, kwargs)

    RDSBackend.create_option_group = create_option_group


def install() -> None:
    _install_gzip_fix()
    _install_not_implemented()
    _install_no_synthetic_s3_metrics()
    _install_list_metrics_once()
    _install_json_auth_errors()
    _install_s3_replication()
    _install_backup()
    _install_rds()
    _install_sns()
    _install_sts()
    _install_auth_fix()
    _install_iam_fidelity()
    _install_recovery_path()


# -------------------------------------------------------------------- control API


def _delete_matching(items: list[dict[str, Any]], spec: dict[str, Any]) -> int:
    after = parse_time(spec["created_after"]) if spec.get("created_after") else None
    before = parse_time(spec["created_before"]) if spec.get("created_before") else None
    vault = spec.get("vault")
    state = spec.get("state")

    def in_vault(item: dict[str, Any]) -> bool:
        # Backup jobs and recovery points name their vault; copy jobs match on the
        # destination vault (by name or ARN).
        if "BackupVaultName" in item:
            return item["BackupVaultName"] == vault or item.get("BackupVaultArn") == vault
        dest = item.get("DestinationBackupVaultArn") or item.get("BackupVaultArn") or ""
        return dest == vault or dest.endswith(f":{vault}")

    def matches(item: dict[str, Any]) -> bool:
        if after and not item["CreationDate"] > after:
            return False
        if before and not item["CreationDate"] < before:
            return False
        if vault and not in_vault(item):
            return False
        if state and state not in (item.get("State"), item.get("Status")):
            return False
        return True

    keep = [item for item in items if not matches(item)]
    removed = len(items) - len(keep)
    items[:] = keep
    return removed


def _records(payload: dict[str, Any], plural: str) -> list[dict[str, Any]]:
    if isinstance(payload.get(plural), list):
        return payload[plural]
    if isinstance(payload.get("items"), list):
        return payload["items"]
    single = {k: v for k, v in payload.items() if k not in ("region", "account")}
    return [single]


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def control(method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One control API call; returns the JSON answer or raises ControlError."""
    account = str(payload.get("account") or DEFAULT_ACCOUNT)
    route = path.rstrip("/")

    if route == "/_sim/health":
        return {"ok": True, "account": DEFAULT_ACCOUNT}
    if route == "/_sim/meta":
        if method == "POST":
            with LOCK:
                STATE["meta"].update(payload)
        with LOCK:
            return dict(STATE["meta"])
    if route == "/_sim/sns/deliveries":
        with LOCK:
            return {"deliveries": list(STATE["sns_deliveries"])}
    if method != "POST":
        raise ControlError(405, f"{route} takes POST")

    def region() -> str:
        if not payload.get("region"):
            raise ControlError(400, "region is required")
        return str(payload["region"])

    if route == "/_sim/rds/latest-restorable-time":
        try:
            return set_latest_restorable_time(
                account, region(), str(payload["db"]), time=payload.get("time"), lag_seconds=payload.get("lag_seconds")
            )
        except KeyError:
            raise ControlError(400, "db is required")
        except LookupError as err:
            raise ControlError(404, str(err))

    if route == "/_sim/sns/pending":
        try:
            arns = set_subscription_pending(
                account,
                str(payload["topic_arn"]),
                str(payload["endpoint"]),
                pending=bool(payload.get("pending", True)),
                protocol=payload.get("protocol"),
            )
        except KeyError:
            raise ControlError(400, "topic_arn and endpoint are required")
        except LookupError as err:
            raise ControlError(404, str(err))
        return {"subscriptions": arns, "pending": bool(payload.get("pending", True))}

    if route == "/_sim/sts/account":
        with LOCK:
            STATE["caller_account"] = payload.get("caller_account") or None
        return {"caller_account": STATE["caller_account"] or account}

    if route.startswith("/_sim/backup/") and route.rsplit("/", 1)[-1] in KINDS:
        kind = route.rsplit("/", 1)[-1]
        attr, maker = KINDS[kind]
        reg = region()
        plural = {"jobs": "jobs", "copy-jobs": "copy_jobs", "recovery-points": "recovery_points", "restore-jobs": "restore_jobs"}[kind]
        try:
            made = [maker(account, reg, r) for r in _records(payload, plural)]
        except (ValueError, TypeError) as err:
            raise ControlError(400, str(err))
        with LOCK:
            getattr(history(account, reg), attr).extend(made)
        id_key = {"jobs": "BackupJobId", "copy-jobs": "CopyJobId", "recovery-points": "RecoveryPointArn", "restore-jobs": "RestoreJobId"}[kind]
        return {"added": len(made), "ids": [m[id_key] for m in made]}

    if route == "/_sim/backup/delete":
        reg = region()
        kind = payload.get("kind")
        if kind not in KINDS:
            raise ControlError(400, f"kind must be one of {sorted(KINDS)}")
        try:
            with LOCK:
                removed = _delete_matching(getattr(history(account, reg), KINDS[kind][0]), payload)
        except ValueError as err:
            raise ControlError(400, str(err))
        return {"deleted": removed}

    if route == "/_sim/reset-backup-history":
        reg = region()
        with LOCK:
            history(account, reg).clear_history()
        return {"reset": reg}

    if route == "/_sim/backup/vault-key":
        try:
            return set_vault_key(account, region(), str(payload["vault"]), payload.get("key_arn"))
        except KeyError:
            raise ControlError(400, "vault is required")
        except LookupError as err:
            raise ControlError(404, str(err))

    if route == "/_sim/cloudwatch/delete-datapoints":
        return _delete_datapoints(account, region(), payload)

    if route == "/_sim/fail-requests":
        return _set_fail_rule(payload)

    if route == "/_sim/fast-json":
        FAST_JSON["off"] = not bool(payload.get("on", True))
        return {"on": not FAST_JSON["off"]}

    raise ControlError(404, f"unknown control route {route}")


def _delete_datapoints(account: str, region: str, payload: dict[str, Any]) -> dict[str, Any]:
    from moto.cloudwatch.models import cloudwatch_backends

    backend = cloudwatch_backends[account][region]
    namespace = payload.get("namespace")
    name = payload.get("metric_name")
    dims = {d["Name"]: d["Value"] for d in payload.get("dimensions") or []}
    after = _naive_utc(parse_time(payload["after"])) if payload.get("after") else None
    before = _naive_utc(parse_time(payload["before"])) if payload.get("before") else None

    def matches(datum: Any) -> bool:
        if namespace and datum.namespace != namespace:
            return False
        if name and datum.name != name:
            return False
        have = {d.name: d.value for d in datum.dimensions}
        if any(have.get(k) != v for k, v in dims.items()):
            return False
        ts = datum.timestamp if datum.timestamp.tzinfo is None else _naive_utc(datum.timestamp)
        if after and not ts > after:
            return False
        if before and not ts < before:
            return False
        return True

    with LOCK:
        kept = [d for d in backend.metric_data if not matches(d)]
        removed = len(backend.metric_data) - len(kept)
        backend.metric_data[:] = kept
    return {"deleted": removed}


def _set_fail_rule(payload: dict[str, Any]) -> dict[str, Any]:
    """Adds a rule that answers matching AWS requests with an error (``{"clear": true}``
    removes every rule). A request matches when its action is ``action``, its SigV4
    credential scope names ``region`` (if given) and its body contains every string of
    ``contains``; ``times`` limits how many requests the rule fails (default: all)."""
    if payload.get("clear"):
        with LOCK:
            STATE["fail_requests"] = []
        return {"rules": 0}
    try:
        rule = {
            "action": str(payload["action"]),
            "region": payload.get("region"),
            "contains": [str(text) for text in payload.get("contains") or []],
            "status": int(payload.get("status", 500)),
            "code": str(payload.get("code", "InternalFailure")),
            "message": str(payload.get("message", "The request processing has failed because of an unknown error.")),
            "times": None if payload.get("times") is None else int(payload["times"]),
            "failed": 0,
        }
    except KeyError:
        raise ControlError(400, "action is required")
    except (TypeError, ValueError) as err:
        raise ControlError(400, str(err))
    with LOCK:
        STATE["fail_requests"].append(rule)
        return {"rules": len(STATE["fail_requests"])}


def _failing_rule(environ: dict[str, Any], body: bytes) -> dict[str, Any] | None:
    """The first fail rule this request matches (and counts it), or None."""
    if not STATE["fail_requests"]:
        return None
    text = body.decode("utf-8", "replace")
    form = parse_qs(text) if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "") else {}
    query = parse_qs(environ.get("QUERY_STRING", ""))
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    action = (form.get("Action") or query.get("Action") or [target.rsplit(".", 1)[-1]])[0]
    scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    region = scope.group(1) if scope else None
    with LOCK:
        for rule in STATE["fail_requests"]:
            if rule["action"] != action or (rule["region"] and rule["region"] != region):
                continue
            if not all(needle in text for needle in rule["contains"]):
                continue
            if rule["times"] is not None and rule["failed"] >= rule["times"]:
                continue
            rule["failed"] += 1
            return rule
    return None


def _fail_response(rule: dict[str, Any], json_protocol: bool, start_response: Any) -> list[bytes]:
    request_id = str(uuid.uuid4())
    if json_protocol:
        data = json.dumps({"__type": rule["code"], "message": rule["message"]}).encode("utf-8")
        content_type = "application/x-amz-json-1.1"
    else:
        data = (
            f"<ErrorResponse><Error><Type>Receiver</Type><Code>{_xml_escape(rule['code'])}</Code>"
            f"<Message>{_xml_escape(rule['message'])}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode("utf-8")
        content_type = "text/xml"
    start_response(
        f"{rule['status']} Simulated Failure",
        [("Content-Type", content_type), ("Content-Length", str(len(data))), ("x-amzn-RequestId", request_id)],
    )
    return [data]


class ControlApp:
    """WSGI front: ``/_sim/...`` is the control API, everything else is moto."""

    def __init__(self, moto_app: Any):
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not (path == "/_sim" or path.startswith("/_sim/")):
            _REQUEST.wire_body = None
            _REQUEST.wire_query = environ.get("QUERY_STRING", "")
            if "gzip" in environ.get("HTTP_CONTENT_ENCODING", ""):
                try:
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = 0
                wire = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
                _REQUEST.wire_body = wire
                environ["wsgi.input"] = io.BytesIO(wire)
            if STATE["fail_requests"]:
                if _REQUEST.wire_body is not None:
                    body = gzip.decompress(_REQUEST.wire_body)
                else:
                    try:
                        length = int(environ.get("CONTENT_LENGTH") or 0)
                    except ValueError:
                        length = 0
                    body = environ["wsgi.input"].read(length) if length else b""
                    environ["wsgi.input"] = io.BytesIO(body)
                rule = _failing_rule(environ, body)
                if rule is not None:
                    return _fail_response(rule, bool(environ.get("HTTP_X_AMZ_TARGET")), start_response)
            return self.moto_app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length else b""
        status, body = 200, {}
        try:
            payload = json.loads(raw.decode("utf-8")) if raw.strip() else {}
            if not isinstance(payload, dict):
                raise ControlError(400, "body must be a JSON object")
            body = control(method, path, payload)
        except ControlError as err:
            status, body = err.status, {"error": str(err)}
        except json.JSONDecodeError as err:
            status, body = 400, {"error": f"invalid JSON: {err}"}
        except Exception as err:  # noqa: BLE001 - a control call must answer, not kill the thread
            status, body = 500, {"error": f"{type(err).__name__}: {err}"}
        data = json.dumps(body, default=_json_default).encode("utf-8")
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}
        start_response(
            f"{status} {reason.get(status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=UTC))
    return str(value)
