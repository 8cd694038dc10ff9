"""Tests of the AWS simulator: the launcher, the seeded estates, moto's extensions
(answers checked against botocore's shapes) and every named fault.

    python3 -m pytest Tests/Simulator -q
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any, Callable

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import estate  # noqa: E402
import faults  # noqa: E402

SIMULATOR = os.path.join(HERE, "simulator.py")
ACCOUNT = "828879644785"
UTC = dt.timezone.utc
FIXED_NOW = "2026-11-20T14:00:00Z"
READY_TIMEOUT = 40.0


class Simulator:
    """One launcher process, started at once and joined on first use so that several
    start in parallel. It forks from the warm template (template.py) unless `template=False` or
    the environment says MNEMOND_SIMULATOR_TEMPLATE=0; `--auth` starts cold either way."""

    def __init__(self, *args: str, template: bool | None = None):
        if template is None:
            template = os.environ.get("MNEMOND_SIMULATOR_TEMPLATE", "1") != "0"
        self.args = args
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, SIMULATOR, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=dict(os.environ, MNEMOND_SIMULATOR_TEMPLATE="1" if template else "0"),
        )
        self._info: dict[str, Any] | None = None
        self.started = time.monotonic()
        self.ready_after: float | None = None

    @property
    def info(self) -> dict[str, Any]:
        if self._info is None:
            self._info = json.loads(self._read_line())
            self.ready_after = time.monotonic() - self.started
        return self._info

    def _read_line(self) -> str:
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                self.fail("no ready line in time")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                self.fail("exited before its ready line")
            buf += chunk
        line, rest = buf.split(b"\n", 1)
        assert rest == b"", f"more than one line on stdout: {rest!r}"
        return line.decode()

    def fail(self, why: str) -> None:
        self.stderr.seek(0)
        log = self.stderr.read().decode(errors="replace")[-4000:]
        pytest.fail(f"simulator {self.args}: {why}\n{log}")

    @property
    def endpoint(self) -> str:
        return self.info["endpoint"]

    def client(self, service: str, region: str = "eu-west-1", secret: str | None = None, **config: Any) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=self.info["access_key_id"],
            aws_secret_access_key=secret or self.info["secret_access_key"],
            config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, **config),
        )

    def stop(self) -> int:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def sims() -> Any:
    started = {
        "target": Simulator("--state", "target"),
        "current": Simulator("--state", "current", "--now", FIXED_NOW),
        "auth": Simulator("--state", "target", "--auth"),
        "faults": Simulator("--state", "target"),
    }
    yield started
    for sim in started.values():
        sim.stop()


@pytest.fixture(scope="module")
def target(sims: dict[str, Simulator]) -> Simulator:
    return sims["target"]


@pytest.fixture(scope="module")
def current(sims: dict[str, Simulator]) -> Simulator:
    return sims["current"]


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def all_pages(client: Any, op: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token = None
    while True:
        page = getattr(client, op)(**kwargs, **({"NextToken": token} if token else {}))
        out += page[key]
        token = page.get("NextToken")
        if not token:
            return out


# ---------------------------------------------------------------- the launcher


def test_ready_line(target: Simulator) -> None:
    info = target.info
    assert set(info) == {"endpoint", "access_key_id", "secret_access_key", "account", "state"}
    assert info["endpoint"].startswith("http://127.0.0.1:")
    assert info["account"] == ACCOUNT and info["state"] == "target"
    assert (info["access_key_id"], info["secret_access_key"]) == ("AKIDSIMULATOR", "simulator-secret")
    # seeding takes ~2-3 s on an idle 2-core machine; this bound only catches hangs
    assert target.ready_after is not None and target.ready_after < 30


@pytest.mark.parametrize("template", [False, True], ids=["cold", "template"])
def test_exits_on_stdin_eof_and_sigterm(template: bool) -> None:
    for how in ("eof", "sigterm"):
        sim = Simulator("--state", "empty", template=template)
        assert sim.info["state"] == "empty"
        if how == "sigterm":
            sim.proc.send_signal(signal.SIGTERM)
        else:
            assert sim.proc.stdin is not None
            sim.proc.stdin.close()
        assert sim.proc.wait(timeout=10) == 0
        sim.stop()


PARENT_THAT_DIES = """
import os, subprocess, sys
child = subprocess.Popen([sys.executable, sys.argv[1], "--state", "empty"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
child.stdout.readline()
print(child.pid, flush=True)
os._exit(0)  # dies holding every pipe to the child, as a crashed test runner would
"""


def test_exits_when_parent_dies() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PARENT_THAT_DIES, SIMULATOR], capture_output=True, text=True, timeout=READY_TIMEOUT
    )
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    pytest.fail("simulator outlived its parent")


def estate_answers(sim: Simulator) -> dict[str, Any]:
    """What a check cycle reads, as plain data: buckets and their settings, the plan, the
    recovery points of both vaults, the database's restore window, alarms, topics, rules."""
    answers: dict[str, Any] = {}
    for bucket, region in estate.BUCKET_REGION.items():
        s3 = sim.client("s3", region)
        answers[f"s3 {bucket}"] = (
            s3.get_bucket_versioning(Bucket=bucket).get("Status"),
            s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"],
            # KMS key ids are random per simulator: only the key's region and account count.
            re.sub(r"key/[0-9a-f-]+", "key/ID", json.dumps(s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"])),
        )
    for region in (estate.PRIMARY, estate.DR):
        backup = sim.client("backup", region)
        for vault in backup.list_backup_vaults()["BackupVaultList"]:
            name = vault["BackupVaultName"]
            points = all_pages(backup, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=name)
            answers[f"points {name}"] = sorted((p["CreationDate"].isoformat(), p["Status"]) for p in points)
        answers[f"alarms {region}"] = sorted(a["AlarmName"] for a in sim.client("cloudwatch", region).describe_alarms()["MetricAlarms"])
        answers[f"topics {region}"] = sorted(t["TopicArn"] for t in sim.client("sns", region).list_topics()["Topics"])
        answers[f"rules {region}"] = sorted(r["Name"] for r in sim.client("events", region).list_rules()["Rules"])
    plans = sim.client("backup").list_backup_plans()["BackupPlansList"]
    answers["plans"] = sorted(p["BackupPlanName"] for p in plans)
    db = sim.client("rds").describe_db_instances()["DBInstances"][0]
    answers["rds"] = (db["DBInstanceIdentifier"], db["BackupRetentionPeriod"], db["LatestRestorableTime"].isoformat())
    return answers


def test_template_start_serves_what_a_cold_start_serves() -> None:
    """MNEMOND_SIMULATOR_TEMPLATE=1 forks the simulator from a warm template (template.py): the
    same estate, a fault applied the same way, and the launcher stops like a cold start."""
    args = ("--state", "target", "--now", FIXED_NOW, "--fault", "replication-disabled")
    cold = Simulator(*args, template=False)
    warm = Simulator(*args, template=True)
    try:
        assert estate_answers(warm) == estate_answers(cold)
        rules = warm.client("s3").get_bucket_replication(Bucket="mne-media-prod")["ReplicationConfiguration"]["Rules"]
        assert [r["Status"] for r in rules] == ["Disabled"]
        assert warm.stop() == 0
        assert cold.stop() == 0
    finally:
        for sim in (cold, warm):
            if sim.proc.poll() is None:
                sim.stop()
    # SIGTERM to the launcher reaches the child serving the endpoint.
    again = Simulator("--state", "empty", template=True)
    port = int(again.endpoint.rsplit(":", 1)[1])
    again.proc.send_signal(signal.SIGTERM)
    assert again.proc.wait(timeout=10) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def raw_lists(sim: Simulator) -> dict[str, Any]:
    """Every job and recovery point list of both vault regions, as the wire's JSON, every page."""
    def raw_get(region: str, path: str) -> Any:
        # botocore parses timestamps; the raw JSON is compared, through an unsigned GET (the
        # simulator checks no signatures without --auth; the header names the region).
        req = urllib.request.Request(f"{sim.endpoint}{path}", headers={"Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20260101/{region}/backup/aws4_request"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type"), json.loads(resp.read())

    out: dict[str, Any] = {}
    for region in (estate.PRIMARY, estate.DR):
        vaults = sim.client("backup", region).list_backup_vaults()["BackupVaultList"]
        paths = [f"/backup-vaults/{v['BackupVaultName']}/recovery-points/?maxResults=300" for v in vaults]
        paths += ["/backup-jobs/?maxResults=1000", "/copy-jobs/", "/restore-jobs/", "/backup-jobs/?state=FAILED"]
        for path in paths:
            page, token = 0, None
            while True:
                status, kind, body = raw_get(region, path + (("&" if "?" in path else "?") + f"nextToken={token}" if token else ""))
                out[f"{region} {path} {page}"] = (status, kind, body)
                token = body.get("NextToken")
                page += 1
                if not token:
                    break
    return out


def test_fast_list_json_is_what_motos_serializer_writes() -> None:
    """The simulator writes job and recovery point lists without moto's serializer (extensions
    `_list_result`): byte for byte the same JSON document, status and content type as moto's."""
    for args, least in ((("--state", "target", "--fault", "points-expire-early"), 500), (("--state", "current"), 30)):
        sim = Simulator(*args, "--now", FIXED_NOW)
        try:
            fast = raw_lists(sim)
            estate.Sim(sim.endpoint).control("/_sim/fast-json", {"on": False})
            moto = raw_lists(sim)
            assert sum(len(v[2].get("RecoveryPoints", [])) for v in moto.values()) >= least
            assert sum(len(v[2].get("BackupJobs", [])) for v in moto.values()) >= least
            assert fast == moto
        finally:
            sim.stop()


# ------------------------------------------------------------- target estate


def test_target_s3(target: Simulator) -> None:
    for bucket, region in estate.BUCKET_REGION.items():
        s3 = target.client("s3", region)
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        assert (s3.get_bucket_location(Bucket=bucket)["LocationConstraint"]) == region
        sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        algorithm = "aws:kms" if bucket == estate.REPLICA_KEY_BUCKET else "AES256"
        assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == algorithm and sse["BucketKeyEnabled"]
        with pytest.raises(ClientError):
            s3.get_object_lock_configuration(Bucket=bucket)
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert len(rules) == 1 and "Expiration" not in rules[0]
        days = rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"]
        if bucket in estate.SOURCES:
            assert days == 35 and rules[0]["Transitions"] == [{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}]
        else:
            assert days == 180
    vault_replica = target.client("s3", "eu-north-1").get_bucket_lifecycle_configuration(Bucket="mne-vault-replica")
    assert vault_replica["Rules"][0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 180}
    s3 = target.client("s3")
    for pair in estate.REPLICATION:
        config = s3.get_bucket_replication(Bucket=pair["source"])["ReplicationConfiguration"]
        assert config["Role"] == f"arn:aws:iam::{ACCOUNT}:role/service-role/{pair['role']}"
        (rule,) = config["Rules"]
        assert rule["ID"] == pair["rule_id"] and rule["Status"] == "Enabled"
        assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{pair['destination']}"
        assert rule["Destination"]["StorageClass"] == "DEEP_ARCHIVE"
        assert rule["Destination"]["Metrics"]["Status"] == "Enabled"
        assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
    iam = target.client("iam", "us-east-1")
    for pair in estate.REPLICATION:
        assert iam.get_role(RoleName=pair["role"])["Role"]["Path"] == "/service-role/"


def test_target_rds(target: Simulator) -> None:
    db = target.client("rds").describe_db_instances(DBInstanceIdentifier=estate.RDS_ID)["DBInstances"][0]
    assert db["Engine"] == "postgres" and db["DBInstanceArn"] == estate.RDS_ARN
    assert db["BackupRetentionPeriod"] == 35 and db["PreferredBackupWindow"] == "22:00-00:00"
    lag = (now() - db["LatestRestorableTime"]).total_seconds()
    assert 170 <= lag <= 190, lag


def test_target_backup_plan(target: Simulator) -> None:
    backup = checked_client(target)
    (listed,) = backup.list_backup_plans()["BackupPlansList"]
    plan = backup.get_backup_plan(BackupPlanId=listed["BackupPlanId"])["BackupPlan"]
    assert plan["BackupPlanName"] == estate.PLAN_NAME
    (rule,) = plan["Rules"]
    assert rule["RuleName"] == estate.RULE_NAME and rule["ScheduleExpression"] == "cron(0 */6 * * ? *)"
    assert rule["TargetBackupVaultName"] == estate.VAULT and rule["Lifecycle"] == {"DeleteAfterDays": 180}
    assert rule["EnableContinuousBackup"] is False
    assert rule["CopyActions"] == [
        {"DestinationBackupVaultArn": estate.DR_VAULT_ARN, "Lifecycle": {"DeleteAfterDays": 180}}
    ]
    (selection,) = backup.list_backup_selections(BackupPlanId=listed["BackupPlanId"])["BackupSelectionsList"]
    got = backup.get_backup_selection(BackupPlanId=listed["BackupPlanId"], SelectionId=selection["SelectionId"])
    assert got["BackupSelection"]["Resources"] == [estate.RDS_ARN]
    assert isinstance(got["CreationDate"], dt.datetime)
    assert [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]] == [estate.VAULT]
    assert {"ListBackupPlans", "GetBackupPlan", "ListBackupSelections", "GetBackupSelection"} <= set(backup.checked)
    dr = target.client("backup", "eu-west-3").describe_backup_vault(BackupVaultName=estate.DR_VAULT)
    assert dr["BackupVaultArn"] == estate.DR_VAULT_ARN and dr["NumberOfRecoveryPoints"] >= 700


# --------------------------------------------- backup extensions vs botocore


BACKUP_MODEL = botocore.session.get_session().get_service_model("backup")


def assert_parsed(raw: Any, parsed: Any, shape: Any, where: str) -> None:
    """Every field of the raw JSON answer is in botocore's shape and survives parsing;
    timestamps travel as epoch numbers and parse into datetimes."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(raw, dict), where
        for key, value in raw.items():
            assert key in shape.members, f"{where}.{key} is not in the model"
            assert key in parsed, f"{where}.{key} was dropped by the parser"
            assert_parsed(value, parsed[key], shape.members[key], f"{where}.{key}")
    elif kind == "list":
        assert isinstance(raw, list) and len(raw) == len(parsed), where
        for i, (r, p) in enumerate(zip(raw, parsed)):
            assert_parsed(r, p, shape.member, f"{where}[{i}]")
    elif kind == "timestamp":
        assert isinstance(raw, (int, float)), f"{where}: {raw!r} is not epoch seconds"
        assert isinstance(parsed, dt.datetime), where
    elif kind == "map":
        assert set(raw) == set(parsed), where
    else:
        assert raw == parsed, f"{where}: {raw!r} != {parsed!r}"


def checked_client(sim: Simulator, region: str = "eu-west-1") -> Any:
    client = sim.client("backup", region)
    seen: list[str] = []

    def after_call(http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        if http_response.status_code != 200 or not http_response.content:
            return
        raw = json.loads(http_response.content)
        body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        assert_parsed(raw, body, model.output_shape, model.name)
        seen.append(model.name)

    client.meta.events.register("after-call.backup", after_call)
    client.checked = seen
    return client


def test_backup_jobs(target: Simulator) -> None:
    backup = checked_client(target)
    jobs = all_pages(backup, "list_backup_jobs", "BackupJobs", MaxResults=250)
    assert 718 <= len(jobs) <= 721
    assert len({j["BackupJobId"] for j in jobs}) == len(jobs)
    assert all(j["State"] == "COMPLETED" and j["ResourceArn"] == estate.RDS_ARN for j in jobs)
    assert jobs[0]["CreatedBy"]["BackupRuleName"] == estate.RULE_NAME
    times = sorted(j["CreationDate"] for j in jobs)
    assert all(t.minute == 0 and t.hour % 6 == 0 for t in times)
    assert now() - times[-1] < dt.timedelta(hours=6, minutes=30)
    assert now() - times[0] < dt.timedelta(days=180)
    day = now() - dt.timedelta(days=1)
    recent = backup.list_backup_jobs(ByCreatedAfter=day)["BackupJobs"]
    assert 3 <= len(recent) <= 5 and all(j["CreationDate"] > day for j in recent)
    old = backup.list_backup_jobs(ByCreatedBefore=now() - dt.timedelta(days=179))["BackupJobs"]
    assert 1 <= len(old) <= 5
    assert backup.list_backup_jobs(ByState="FAILED")["BackupJobs"] == []
    assert backup.list_backup_jobs(ByBackupVaultName="Default")["BackupJobs"] == []
    assert len(backup.list_backup_jobs(ByBackupVaultName=estate.VAULT, MaxResults=7)["BackupJobs"]) == 7
    assert backup.list_backup_jobs(ByResourceType="S3")["BackupJobs"] == []
    assert backup.list_backup_jobs(ByResourceArn="arn:aws:rds:eu-west-1:1:db:other")["BackupJobs"] == []
    one = backup.list_backup_jobs(ByResourceType="RDS", ByResourceArn=estate.RDS_ARN, MaxResults=1)
    assert len(one["BackupJobs"]) == 1 and one["NextToken"]
    assert target.client("backup", "eu-west-3").list_backup_jobs()["BackupJobs"] == []
    described = backup.describe_backup_job(BackupJobId=jobs[5]["BackupJobId"])
    assert described["RecoveryPointArn"] == jobs[5]["RecoveryPointArn"]
    assert {"ListBackupJobs", "DescribeBackupJob"} <= set(backup.checked)


def test_copy_jobs(target: Simulator) -> None:
    backup = checked_client(target)
    copies = all_pages(backup, "list_copy_jobs", "CopyJobs")
    assert 715 <= len(copies) <= 721
    assert all(c["DestinationBackupVaultArn"] == estate.DR_VAULT_ARN and c["State"] == "COMPLETED" for c in copies)
    assert len(backup.list_copy_jobs(ByDestinationVaultArn=estate.DR_VAULT_ARN, MaxResults=5)["CopyJobs"]) == 5
    assert backup.list_copy_jobs(ByDestinationVaultArn=estate.VAULT_ARN)["CopyJobs"] == []
    assert backup.list_copy_jobs(ByState="FAILED")["CopyJobs"] == []
    week = now() - dt.timedelta(days=7)
    assert 27 <= len(backup.list_copy_jobs(ByCreatedAfter=week)["CopyJobs"]) <= 29
    assert len(backup.list_copy_jobs(ByResourceArn=estate.RDS_ARN, ByCreatedBefore=week)["CopyJobs"]) > 600
    assert "ListCopyJobs" in backup.checked


def test_recovery_points(target: Simulator) -> None:
    primary = checked_client(target)
    dr = checked_client(target, "eu-west-3")
    points = all_pages(primary, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=estate.VAULT)
    copies = all_pages(dr, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=estate.DR_VAULT)
    assert 718 <= len(points) <= 721 and 715 <= len(copies) <= 721
    assert all(p["Status"] == "COMPLETED" and p["Lifecycle"] == {"DeleteAfterDays": 180} for p in points + copies)
    assert all(c["SourceBackupVaultArn"] == estate.VAULT_ARN for c in copies)
    assert all(c["RecoveryPointArn"].startswith("arn:aws:rds:eu-west-3:") for c in copies)
    newest = max(p["CreationDate"] for p in copies)
    assert now() - newest < dt.timedelta(hours=7)
    recent = primary.list_recovery_points_by_backup_vault(
        BackupVaultName=estate.VAULT, ByCreatedAfter=now() - dt.timedelta(days=2), ByResourceArn=estate.RDS_ARN
    )["RecoveryPoints"]
    assert 7 <= len(recent) <= 9
    assert (
        primary.list_recovery_points_by_backup_vault(
            BackupVaultName=estate.VAULT, ByCreatedBefore=now() - dt.timedelta(days=181)
        )["RecoveryPoints"]
        == []
    )
    with pytest.raises(ClientError) as err:
        primary.list_recovery_points_by_backup_vault(BackupVaultName="no-such-vault")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    point = primary.describe_recovery_point(BackupVaultName=estate.VAULT, RecoveryPointArn=points[3]["RecoveryPointArn"])
    assert point["CreationDate"] == points[3]["CreationDate"] and point["CalculatedLifecycle"]["DeleteAt"]
    vault = primary.describe_backup_vault(BackupVaultName=estate.VAULT)
    assert vault["NumberOfRecoveryPoints"] == len(points)
    assert "ListRecoveryPointsByBackupVault" in primary.checked and "DescribeBackupVault" in primary.checked


def test_restore_jobs(target: Simulator) -> None:
    for region, days in (("eu-west-1", 10), ("eu-west-3", 40)):
        backup = checked_client(target, region)
        (job,) = backup.list_restore_jobs()["RestoreJobs"]
        assert job["Status"] == "COMPLETED"
        age = now() - job["CreationDate"]
        assert dt.timedelta(days=days) <= age < dt.timedelta(days=days, hours=1)
        assert job["CreatedResourceArn"].startswith(f"arn:aws:rds:{region}:{ACCOUNT}:db:")
        assert backup.list_restore_jobs(ByStatus="FAILED")["RestoreJobs"] == []
        assert backup.list_restore_jobs(ByCreatedAfter=now() - dt.timedelta(days=days - 1))["RestoreJobs"] == []
        assert len(backup.list_restore_jobs(ByCreatedBefore=now() - dt.timedelta(days=days - 1))["RestoreJobs"]) == 1
        assert backup.checked == ["ListRestoreJobs"] * 4


def test_target_alerting(target: Simulator) -> None:
    for region in ("eu-west-1", "eu-west-3", "eu-north-1"):
        sns = target.client("sns", region)
        arn = estate.topic_arn(region)
        subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        assert sorted((s["Protocol"], s["Endpoint"]) for s in subs) == [("email", estate.EMAIL), ("https", estate.WEBHOOK)]
        for sub in subs:
            attrs = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
            assert attrs["PendingConfirmation"] == "false"
    for region, name in estate.EVENT_RULES.items():
        events = target.client("events", region)
        rule = events.describe_rule(Name=name)
        assert rule["State"] == "ENABLED"
        pattern = json.loads(rule["EventPattern"])
        assert pattern["source"] == ["aws.backup"] and set(pattern["detail"]["state"]) == {"FAILED", "ABORTED", "EXPIRED"}
        assert events.list_targets_by_rule(Rule=name)["Targets"][0]["Arn"] == estate.topic_arn(region)
    alarms = {}
    for region in ("eu-west-1", "eu-west-3", "eu-north-1"):
        for alarm in target.client("cloudwatch", region).describe_alarms()["MetricAlarms"]:
            alarms[alarm["AlarmName"]] = (region, alarm)
    assert set(alarms) == {
        "mnemonica-media-replication-lag",
        "mnemonica-media-replication-failures",
        "mnemonica-vault-replication-lag",
        "mnemonica-vault-replication-failures",
        "mnemonica-media-replica-object-count-anomaly",
        "mnemonica-vault-replica-object-count-anomaly",
    }
    assert all(a["StateValue"] == "OK" and a["TreatMissingData"] == "notBreaching" for _, a in alarms.values())
    # ReplicationLatency is published in the destination bucket's region, failures in the source's
    region, lag = alarms["mnemonica-vault-replication-lag"]
    assert region == "eu-north-1" and lag["Threshold"] == 900 and lag["Statistic"] == "Maximum" and lag["Period"] == 300
    assert {d["Name"]: d["Value"] for d in lag["Dimensions"]}["RuleId"] == "vault-replica-rule"
    assert lag["AlarmActions"] == [estate.topic_arn("eu-north-1")]
    assert alarms["mnemonica-media-replication-lag"][0] == "eu-west-3"
    region, fails = alarms["mnemonica-media-replication-failures"]
    assert region == "eu-west-1"
    assert fails["Statistic"] == "Sum" and fails["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert fails["AlarmActions"] == [estate.topic_arn("eu-west-1")]
    region, anomaly = alarms["mnemonica-vault-replica-object-count-anomaly"]
    assert region == "eu-north-1" and anomaly["ThresholdMetricId"] == "ad1"
    assert anomaly["AlarmActions"] == [estate.topic_arn("eu-north-1")]
    assert alarms["mnemonica-media-replica-object-count-anomaly"][0] == "eu-west-3"
    # Guide Step 8.2 grants EventBridge publish on the eu-west-1 topic only.
    assert _events_may_publish(target, "eu-west-1")
    assert not _events_may_publish(target, "eu-west-3")


def metric_values(sim: Simulator, region: str, name: str, dims: list[dict[str, str]], stat: str, period: int, since: dt.timedelta) -> list[float]:
    result = sim.client("cloudwatch", region).get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {"Metric": {"Namespace": "AWS/S3", "MetricName": name, "Dimensions": dims}, "Period": period, "Stat": stat},
            }
        ],
        StartTime=now() - since,
        EndTime=now() + dt.timedelta(minutes=1),
    )
    return result["MetricDataResults"][0]["Values"]


def count_dims(bucket: str) -> list[dict[str, str]]:
    return [{"Name": "BucketName", "Value": bucket}, {"Name": "StorageType", "Value": "AllStorageTypes"}]


def test_target_metrics(target: Simulator) -> None:
    for pair in estate.REPLICATION:
        dims = estate.replication_dimensions(pair)
        destination = estate.BUCKET_REGION[pair["destination"]]
        latency = metric_values(target, destination, "ReplicationLatency", dims, "Maximum", 300, dt.timedelta(hours=1, minutes=5))
        assert 11 <= len(latency) <= 13 and all(30 <= v <= 120 for v in latency)
        assert metric_values(target, "eu-west-1", "ReplicationLatency", dims, "Maximum", 300, dt.timedelta(hours=1)) == []
        assert metric_values(target, destination, "OperationsPendingReplication", dims, "Maximum", 300, dt.timedelta(hours=1)) != []
        assert metric_values(target, "eu-west-1", "OperationsFailedReplication", dims, "Sum", 300, dt.timedelta(hours=1)) != []
        assert max(metric_values(target, "eu-west-1", "OperationsFailedReplication", dims, "Sum", 3600, dt.timedelta(hours=1))) == 0
    vault = metric_values(target, "eu-north-1", "NumberOfObjects", count_dims("mne-vault-replica"), "Average", 86400, dt.timedelta(days=25))
    assert len(vault) == 20 and max(vault) == 57_551
    source = metric_values(target, "eu-west-1", "NumberOfObjects", count_dims("mne-vault-prod"), "Average", 86400, dt.timedelta(days=25))
    assert sorted(source) == sorted(vault)
    # no invented "today" datapoint (moto's own S3 storage metrics are switched off)
    stats = target.client("cloudwatch", "eu-west-3").get_metric_statistics(
        Namespace="AWS/S3",
        MetricName="NumberOfObjects",
        Dimensions=count_dims("mne-media-replica"),
        StartTime=now() - dt.timedelta(days=3),
        EndTime=now(),
        Period=86400,
        Statistics=["Average"],
    )["Datapoints"]
    today = now().replace(hour=0, minute=0, second=0, microsecond=0)
    assert stats and all(p["Timestamp"] < today and p["Average"] > 4_000_000 for p in stats)
    sizes = metric_values(
        target,
        "eu-west-1",
        "BucketSizeBytes",
        [{"Name": "BucketName", "Value": "mne-media-prod"}, {"Name": "StorageType", "Value": "IntelligentTieringAIAStorage"}],
        "Average",
        86400,
        dt.timedelta(days=3),
    )
    assert sizes and max(sizes) == int(100.2 * 10**12)


def test_list_metrics_names_each_seeded_storage_metric_once(target: Simulator) -> None:
    """ListMetrics in a bucket's region names its BucketSizeBytes storage types, each once (as
    AWS lists a metric, not its datapoints), and nothing of buckets in other regions."""
    listed: dict[str, list[tuple[str, str]]] = {}
    for region in sorted(set(estate.BUCKET_REGION.values())):
        metrics = all_pages(
            target.client("cloudwatch", region), "list_metrics", "Metrics", Namespace="AWS/S3", MetricName="BucketSizeBytes"
        )
        dims = [{d["Name"]: d["Value"] for d in m["Dimensions"]} for m in metrics]
        listed[region] = sorted((d["BucketName"], d["StorageType"]) for d in dims)
    expected: dict[str, list[tuple[str, str]]] = {}
    for bucket, info in estate.STORAGE.items():
        types = list(info["bytes"]) + (list(estate.DEEP_ARCHIVE_OVERHEAD) if "DeepArchiveStorage" in info["bytes"] else [])
        expected.setdefault(estate.BUCKET_REGION[bucket], []).extend((bucket, t) for t in types)
    assert listed == {region: sorted(pairs) for region, pairs in expected.items()}
    assert len(listed["eu-west-3"]) == 3  # mne-media-replica: DeepArchiveStorage and its two overheads


def test_target_iam_and_sts(target: Simulator) -> None:
    iam = target.client("iam", "us-east-1")
    doc = iam.get_role_policy(RoleName=estate.APP_ROLE, PolicyName=estate.APP_POLICY)["PolicyDocument"]
    denies = {a for s in doc["Statement"] if s["Effect"] == "Deny" for a in s["Action"]}
    assert denies == {"s3:DeleteObjectVersion", "s3:*", "s3:BypassGovernanceRetention"}
    assert target.client("sts").get_caller_identity()["Account"] == ACCOUNT


def test_target_recovery_path(target: Simulator) -> None:
    for region, vault in (("eu-west-1", estate.VAULT), ("eu-west-3", estate.DR_VAULT)):
        key = _vault_key(target, region, vault)
        assert key["KeyState"] == "Enabled" and key["KeyManager"] == "CUSTOMER" and key["Arn"].split(":")[3] == region
        policy = json.loads(_vault_key_policy(target, region, vault))
        grant = [st for st in policy["Statement"] if st["Principal"] == {"AWS": estate.BACKUP_ROLE_ARN}]
        assert grant and grant[0]["Action"] == estate.VAULT_KEY_ACTIONS
        assert _access_policy(target, region, vault) is None
    role = _backup_role(target)
    assert role is not None and role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}
    assert sorted(p["PolicyArn"] for p in _attached(target)) == sorted(estate.BACKUP_MANAGED_POLICIES)
    db = _db(target)
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == estate.DB_SUBNET_GROUP
    assert db["DBParameterGroups"][0]["DBParameterGroupName"] == estate.DB_PARAMETER_GROUP
    assert db["OptionGroupMemberships"][0]["OptionGroupName"] == estate.DB_OPTION_GROUP
    assert db["BackupRetentionPeriod"] == 35 and db["PreferredBackupWindow"] == "22:00-00:00"
    dr = target.client("rds", "eu-west-3")
    assert [g["DBSubnetGroupName"] for g in dr.describe_db_subnet_groups()["DBSubnetGroups"]] == [estate.DB_SUBNET_GROUP]
    groups = dr.describe_db_parameter_groups(DBParameterGroupName=estate.DB_PARAMETER_GROUP)["DBParameterGroups"]
    assert groups[0]["DBParameterGroupFamily"] == estate.DB_PARAMETER_FAMILY
    options = dr.describe_option_groups(OptionGroupName=estate.DB_OPTION_GROUP)["OptionGroupsList"]
    assert options[0]["MajorEngineVersion"] == "16"
    replica_key = _replica_key(target)
    assert replica_key["KeyState"] == "Enabled" and replica_key["KeyManager"] == "CUSTOMER"
    assert replica_key["Arn"].split(":")[3] == estate.BUCKET_REGION[estate.REPLICA_KEY_BUCKET]
    iam = target.client("iam", "us-east-1")
    attached = iam.list_attached_role_policies(RoleName=estate.RECOVERY_OPERATOR_ROLE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [estate.RECOVERY_OPERATOR_POLICY_ARN]
    assert _operator_denies(target) == []


def test_unimplemented_action_answers_501_not_implemented(target: Simulator) -> None:
    iam = target.client("iam", "us-east-1")
    with pytest.raises(ClientError) as raised:
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/{estate.RECOVERY_OPERATOR_ROLE}", ActionNames=["s3:GetObject"]
        )
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


# ------------------------------------------------------------ current estate


def test_current_estate(current: Simulator) -> None:
    at = dt.datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    s3w3 = current.client("s3", "eu-west-3")
    media_replica = s3w3.get_bucket_lifecycle_configuration(Bucket="mne-media-replica")["Rules"][0]
    assert media_replica["NoncurrentVersionExpiration"]["NoncurrentDays"] == 15
    with pytest.raises(ClientError) as err:
        current.client("s3", "eu-north-1").get_bucket_lifecycle_configuration(Bucket="mne-vault-replica")
    assert err.value.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
    for bucket in estate.SOURCES:
        rule = current.client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
        assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 180
    db = current.client("rds").describe_db_instances()["DBInstances"][0]
    assert db["LatestRestorableTime"] == at - dt.timedelta(minutes=3)
    backup = current.client("backup")
    (listed,) = backup.list_backup_plans()["BackupPlansList"]
    assert listed["BackupPlanName"] == "Daily-35d-retention"
    (rule,) = backup.get_backup_plan(BackupPlanId=listed["BackupPlanId"])["BackupPlan"]["Rules"]
    assert rule["ScheduleExpression"] == "cron(0 5 ? * * *)" and rule["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rule["TargetBackupVaultName"] == "Default" and "CopyActions" not in rule
    assert backup.list_backup_selections(BackupPlanId=listed["BackupPlanId"])["BackupSelectionsList"]
    jobs = all_pages(backup, "list_backup_jobs", "BackupJobs")
    assert len(jobs) == 35 and jobs[0]["CreationDate"] == dt.datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert len(all_pages(backup, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName="Default")) == 35
    assert backup.list_copy_jobs()["CopyJobs"] == []
    # The monthly restore test of the primary region counts as done; the DR region has none.
    (restore,) = backup.list_restore_jobs()["RestoreJobs"]
    assert restore["Status"] == "COMPLETED" and restore["CreationDate"] == at - dt.timedelta(days=12)
    assert current.client("backup", "eu-west-3").list_restore_jobs()["RestoreJobs"] == []
    assert current.client("backup", "eu-west-3").list_backup_vaults()["BackupVaultList"] == []
    with pytest.raises(ClientError):
        current.client("iam", "us-east-1").get_role(RoleName=estate.APP_ROLE)
    for region in ("eu-west-1", "eu-west-3", "eu-north-1"):
        assert current.client("sns", region).list_topics()["Topics"] == []
        assert current.client("cloudwatch", region).describe_alarms()["MetricAlarms"] == []
        assert current.client("events", region).list_rules()["Rules"] == []
    assert current.client("s3").get_bucket_replication(Bucket="mne-vault-prod")["ReplicationConfiguration"]["Rules"][0][
        "DeleteMarkerReplication"
    ] == {"Status": "Enabled"}


# ---------------------------------------------------------------------- auth


def test_auth_signatures(sims: dict[str, Simulator]) -> None:
    auth = sims["auth"]
    assert auth.info["access_key_id"].startswith("AKIA") and auth.info["state"] == "target"
    arn = auth.client("sts").get_caller_identity()["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:user/mnemond"
    assert "mne-vault-prod" in [b["Name"] for b in auth.client("s3").list_buckets()["Buckets"]]
    # rest-json GET without body (needs the simulator's fix of moto's payload hash)
    assert auth.client("backup").list_backup_jobs(MaxResults=1)["BackupJobs"]
    # gzip-compressed CloudWatch request, signed over the compressed bytes
    auth.client("cloudwatch", request_min_compression_size_bytes=1).put_metric_data(
        Namespace="Simulator/Test", MetricData=[{"MetricName": "probe", "Value": 1}]
    )
    for service, call in (
        ("s3", lambda c: c.list_buckets()),
        ("sts", lambda c: c.get_caller_identity()),
        ("rds", lambda c: c.describe_db_instances()),
    ):
        with pytest.raises(ClientError) as err:
            call(auth.client(service, secret="wrong-secret"))
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch", service
    for service, call in (
        ("backup", lambda c: c.list_backup_jobs()),
        ("cloudwatch", lambda c: c.describe_alarms()),
    ):
        with pytest.raises(ClientError) as err:
            call(auth.client(service, secret="wrong-secret"))
        assert err.value.response["Error"]["Code"] == "InvalidSignatureException", service


# -------------------------------------------------------------------- faults


def _lifecycle(sim: Simulator, bucket: str) -> dict[str, Any]:
    return sim.client("s3", estate.BUCKET_REGION[bucket]).get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]


def _media_rule(sim: Simulator, source: str = "mne-media-prod") -> dict[str, Any]:
    return sim.client("s3").get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"][0]


def _no_encryption(sim: Simulator) -> bool:
    try:
        sim.client("s3", "eu-north-1").get_bucket_encryption(Bucket="mne-vault-replica")
        return False
    except ClientError as err:
        return err.response["Error"]["Code"] == "ServerSideEncryptionConfigurationNotFoundError"


def _db(sim: Simulator) -> dict[str, Any]:
    return sim.client("rds").describe_db_instances(DBInstanceIdentifier=estate.RDS_ID)["DBInstances"][0]


def _plan(sim: Simulator) -> tuple[str, dict[str, Any]]:
    backup = sim.client("backup")
    plan_id = backup.list_backup_plans()["BackupPlansList"][0]["BackupPlanId"]
    return plan_id, backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]


def _newest(sim: Simulator, region: str, vault: str) -> dt.datetime:
    points = sim.client("backup", region).list_recovery_points_by_backup_vault(BackupVaultName=vault, MaxResults=1)
    return points["RecoveryPoints"][0]["CreationDate"]


def _newest_completed_job(sim: Simulator) -> dt.datetime:
    return sim.client("backup").list_backup_jobs(ByState="COMPLETED", MaxResults=1)["BackupJobs"][0]["CreationDate"]


def _max_gap(sim: Simulator) -> dt.timedelta:
    points = all_pages(sim.client("backup"), "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=estate.VAULT)
    times = sorted(p["CreationDate"] for p in points)
    return max(b - a for a, b in zip(times, times[1:]))


def _newest_restore(sim: Simulator, region: str) -> dt.datetime:
    return max(j["CreationDate"] for j in sim.client("backup", region).list_restore_jobs()["RestoreJobs"])


def _alarm(sim: Simulator, name: str, region: str = "eu-west-1") -> list[dict[str, Any]]:
    return sim.client("cloudwatch", region).describe_alarms(AlarmNames=[name])["MetricAlarms"]


def _replica_count_dropped(sim: Simulator) -> bool:
    """Newest daily NumberOfObjects of the media replica at most 75 % of the day before."""
    result = sim.client("cloudwatch", "eu-west-3").get_metric_statistics(
        Namespace="AWS/S3",
        MetricName="NumberOfObjects",
        Dimensions=count_dims("mne-media-replica"),
        StartTime=now() - dt.timedelta(days=4),
        EndTime=now(),
        Period=86400,
        Statistics=["Average"],
    )
    points = sorted(result["Datapoints"], key=lambda p: p["Timestamp"])
    return points[-1]["Average"] <= 0.75 * points[-2]["Average"]


def _events_may_publish(sim: Simulator, region: str) -> bool:
    attrs = sim.client("sns", region).get_topic_attributes(TopicArn=estate.topic_arn(region))["Attributes"]
    return any(
        s["Effect"] == "Allow" and (s.get("Principal") or {}).get("Service") == "events.amazonaws.com"
        for s in json.loads(attrs["Policy"])["Statement"]
    )


HOURS_14 = dt.timedelta(hours=14)

# fault name -> "is the fault visible?"; each must be False before and True after.
FAULT_VISIBLE: dict[str, Callable[[Simulator], bool]] = {
    "lifecycle-noncurrent-15d": lambda s: _lifecycle(s, "mne-media-replica")["NoncurrentVersionExpiration"]["NoncurrentDays"] == 15,
    "replica-current-expiration": lambda s: _lifecycle(s, "mne-media-replica").get("Expiration") == {"Days": 30},
    "encryption-removed": _no_encryption,
    "replication-disabled": lambda s: _media_rule(s)["Status"] == "Disabled",
    "replication-storage-standard": lambda s: _media_rule(s)["Destination"]["StorageClass"] == "STANDARD",
    "replication-delete-markers-off": lambda s: _media_rule(s)["DeleteMarkerReplication"]["Status"] == "Disabled",
    "replication-metrics-off": lambda s: _media_rule(s, "mne-vault-prod")["Destination"]["Metrics"]["Status"] == "Disabled",
    "versioning-suspended": lambda s: s.client("s3").get_bucket_versioning(Bucket="mne-vault-prod")["Status"] == "Suspended",
    "pitr-stale-40m": lambda s: dt.timedelta(minutes=39) < now() - _db(s)["LatestRestorableTime"] < dt.timedelta(minutes=41),
    "retention-7d": lambda s: _db(s)["BackupRetentionPeriod"] == 7,
    "backup-window-moved": lambda s: _db(s)["PreferredBackupWindow"] == "04:00-06:00",
    "copy-action-missing": lambda s: "CopyActions" not in _plan(s)[1] and _plan(s)[1]["ScheduleExpression"] == estate.SCHEDULE,
    "backup-plan-daily": lambda s: _plan(s)[1]["ScheduleExpression"] == "cron(0 5 ? * * *)"
    and _plan(s)[1]["Lifecycle"]["DeleteAfterDays"] == 35,
    "backup-selection-missing": lambda s: s.client("backup").list_backup_selections(BackupPlanId=_plan(s)[0])["BackupSelectionsList"] == [],
    "dr-vault-stale": lambda s: now() - _newest(s, "eu-west-3", estate.DR_VAULT) > HOURS_14
    and now() - _newest(s, "eu-west-1", estate.VAULT) < dt.timedelta(hours=7),
    "last-job-14h": lambda s: now() - _newest_completed_job(s) > HOURS_14 and now() - _newest(s, "eu-west-1", estate.VAULT) > HOURS_14,
    "failed-backup-job": lambda s: len(s.client("backup").list_backup_jobs(ByState="FAILED")["BackupJobs"]) == 1,
    "failed-copy-job": lambda s: len(s.client("backup").list_copy_jobs(ByState="FAILED")["CopyJobs"]) == 1,
    "coverage-gap": lambda s: _max_gap(s) >= dt.timedelta(days=3),
    "no-restore-test": lambda s: min(now() - _newest_restore(s, r) for r in ("eu-west-1", "eu-west-3")) > dt.timedelta(days=120),
    "replication-latency-30m": lambda s: max(
        metric_values(s, "eu-west-3", "ReplicationLatency", estate.replication_dimensions(estate.REPLICATION[0]), "Maximum", 300, dt.timedelta(minutes=15))
    )
    >= 1800,
    "replication-failures": lambda s: sum(
        metric_values(s, "eu-west-1", "OperationsFailedReplication", estate.replication_dimensions(estate.REPLICATION[1]), "Sum", 300, dt.timedelta(minutes=15))
    )
    >= 5,
    "replica-count-drop-30pct": _replica_count_dropped,
    "alarm-missing": lambda s: _alarm(s, "mnemonica-vault-replication-failures") == [],
    "alarm-in-alarm": lambda s: _alarm(s, "mnemonica-media-replication-lag", "eu-west-3")[0]["StateValue"] == "ALARM",
    "subscription-unconfirmed": lambda s: [
        x["SubscriptionArn"]
        for x in s.client("sns").list_subscriptions_by_topic(TopicArn=estate.topic_arn("eu-west-1"))["Subscriptions"]
        if x["Protocol"] == "email"
    ]
    == ["PendingConfirmation"],
    "eventbridge-disabled": lambda s: s.client("events").describe_rule(Name=estate.EVENT_RULES["eu-west-1"])["State"] == "DISABLED",
    "role-missing-deny-delete-version": lambda s: not any(
        st["Effect"] == "Deny" and "s3:DeleteObjectVersion" in st["Action"]
        for st in s.client("iam", "us-east-1").get_role_policy(RoleName=estate.APP_ROLE, PolicyName=estate.APP_POLICY)["PolicyDocument"]["Statement"]
    ),
    "wrong-account": lambda s: s.client("sts").get_caller_identity()["Account"] == faults.OTHER_ACCOUNT,
    "vault-key-policy-drops-backup-role": lambda s: estate.BACKUP_ROLE_ARN
    not in _vault_key_policy(s, "eu-west-1", estate.VAULT),
    "vault-key-disabled": lambda s: _vault_key(s, "eu-west-1", estate.VAULT)["KeyState"] == "Disabled",
    "dr-vault-key-pending-deletion": lambda s: _vault_key(s, "eu-west-3", estate.DR_VAULT)["KeyState"] == "PendingDeletion"
    and dt.timedelta(days=6) < _vault_key(s, "eu-west-3", estate.DR_VAULT)["DeletionDate"] - now() <= dt.timedelta(days=7),
    "backup-role-trust-changed": lambda s: _backup_role(s) is not None
    and _backup_role(s)["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"},
    "restore-policy-detached": lambda s: _backup_role(s) is not None
    and [p["PolicyName"] for p in _attached(s)] == ["AWSBackupServiceRolePolicyForBackup"],
    "backup-role-deleted": lambda s: _backup_role(s) is None,
    "dr-vault-denies-copies": lambda s: _access_policy(s, "eu-west-3", estate.DR_VAULT) is not None
    and '"Deny"' in _access_policy(s, "eu-west-3", estate.DR_VAULT),
    "dr-db-subnet-group-deleted": lambda s: not s.client("rds", "eu-west-3").describe_db_subnet_groups()["DBSubnetGroups"],
    "replica-key-disabled": lambda s: _replica_key(s)["KeyState"] == "Disabled",
    "recovery-operator-cannot-read-replica": lambda s: _operator_denies(s) == ["s3:GetObject", "s3:RestoreObject"],
    "topic-policy-events-dropped": lambda s: not _events_may_publish(s, "eu-west-1"),
}


def _replica_key(sim: Simulator) -> dict[str, Any]:
    region = estate.BUCKET_REGION[estate.REPLICA_KEY_BUCKET]
    return sim.client("kms", region).describe_key(KeyId=estate.replica_key_arn(_sim(sim)))["KeyMetadata"]


def _operator_denies(sim: Simulator) -> list[str]:
    iam = sim.client("iam", "us-east-1")
    denied: list[str] = []
    for name in iam.list_role_policies(RoleName=estate.RECOVERY_OPERATOR_ROLE)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=estate.RECOVERY_OPERATOR_ROLE, PolicyName=name)["PolicyDocument"]
        denied += [a for st in doc["Statement"] if st["Effect"] == "Deny" for a in st["Action"]]
    return sorted(denied)


def _sim(sim: Simulator) -> estate.Sim:
    return estate.Sim(sim.endpoint, sim.info["access_key_id"], sim.info["secret_access_key"])


def _vault_key(sim: Simulator, region: str, vault: str) -> dict[str, Any]:
    return sim.client("kms", region).describe_key(KeyId=estate.vault_key_arn(_sim(sim), region, vault))["KeyMetadata"]


def _vault_key_policy(sim: Simulator, region: str, vault: str) -> str:
    arn = estate.vault_key_arn(_sim(sim), region, vault)
    return sim.client("kms", region).get_key_policy(KeyId=arn, PolicyName="default")["Policy"]


def _backup_role(sim: Simulator) -> dict[str, Any] | None:
    try:
        return sim.client("iam", "us-east-1").get_role(RoleName=estate.BACKUP_ROLE)["Role"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchEntity":
            return None
        raise


def _attached(sim: Simulator) -> list[dict[str, Any]]:
    return sim.client("iam", "us-east-1").list_attached_role_policies(RoleName=estate.BACKUP_ROLE)["AttachedPolicies"]


def _access_policy(sim: Simulator, region: str, vault: str) -> str | None:
    try:
        return sim.client("backup", region).get_backup_vault_access_policy(BackupVaultName=vault)["Policy"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def test_every_fault_has_a_check() -> None:
    assert list(FAULT_VISIBLE) + list(LEDGER_VISIBLE) == list(faults.FAULTS)
    assert all(faults.FAULTS[name].__doc__ for name in faults.FAULTS)


@pytest.mark.parametrize("name", list(FAULT_VISIBLE))
def test_fault(sims: dict[str, Simulator], name: str) -> None:
    # One simulator takes all faults in registration order: each is checked absent
    # before and present after, so no fault leans on one applied before it.
    sim = sims["faults"]
    visible = FAULT_VISIBLE[name]
    assert not visible(sim), f"{name} visible before it was applied"
    faults.apply(sim.endpoint, name)
    assert visible(sim), f"{name} not visible after it was applied"


def test_pending_subscription_details(sims: dict[str, Simulator]) -> None:
    sim = sims["faults"]
    sns = sim.client("sns", "eu-west-3")
    arn = estate.topic_arn("eu-west-3")
    sim_control = estate.Sim(sim.endpoint)
    sim_control.control("/_sim/sns/pending", {"topic_arn": arn, "endpoint": estate.WEBHOOK})
    subs = {s["Protocol"]: s for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
    assert subs["https"]["SubscriptionArn"] == "PendingConfirmation" and subs["email"]["SubscriptionArn"].startswith(arn)
    listed = [s for s in sns.list_subscriptions()["Subscriptions"] if s["Endpoint"] == estate.WEBHOOK]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    sim_control.control("/_sim/sns/pending", {"topic_arn": arn, "endpoint": estate.WEBHOOK, "pending": False})
    subs = {s["Protocol"]: s for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
    attrs = sns.get_subscription_attributes(SubscriptionArn=subs["https"]["SubscriptionArn"])["Attributes"]
    assert attrs["PendingConfirmation"] == "false"
    # messages for the fictitious webhook are kept, not sent
    sns.publish(TopicArn=arn, Message="hello")
    deliveries = sim_control.control("/_sim/sns/deliveries")["deliveries"]
    assert [d["endpoint"] for d in deliveries] == [estate.WEBHOOK]


def test_control_single_record_and_reset(sims: dict[str, Simulator]) -> None:
    sim = sims["faults"]
    control = estate.Sim(sim.endpoint).control
    added = control(
        "/_sim/backup/jobs",
        {"region": "eu-north-1", "ResourceArn": estate.RDS_ARN, "State": "ABORTED", "CreationDate": "2026-01-02T03:04:05Z"},
    )
    assert added["added"] == 1
    backup = checked_client(sim, "eu-north-1")
    (job,) = backup.list_backup_jobs(ByState="ABORTED")["BackupJobs"]
    assert job["BackupJobId"] == added["ids"][0] and job["CreationDate"] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert job["BackupVaultName"] == "Default" and job["AccountId"] == ACCOUNT
    control("/_sim/reset-backup-history", {"region": "eu-north-1"})
    assert backup.list_backup_jobs()["BackupJobs"] == []


def test_control_api_errors(target: Simulator) -> None:
    control = estate.Sim(target.endpoint).control
    with pytest.raises(RuntimeError, match="404"):
        control("/_sim/nothing-here", {})
    with pytest.raises(RuntimeError, match="region is required"):
        control("/_sim/backup/jobs", {"jobs": []})
    with pytest.raises(RuntimeError, match="404"):
        control("/_sim/rds/latest-restorable-time", {"region": "eu-west-1", "db": "nope", "lag_seconds": 1})
    assert control("/_sim/health", method="GET")["ok"] is True


def _query_metric_count(sim: Simulator, region: str, bucket: str) -> tuple[int, str]:
    """GetMetricData over the query protocol, as mnemond sends it (boto3 speaks CBOR to
    CloudWatch): the HTTP status and the body."""
    import urllib.error
    import urllib.parse
    import urllib.request

    form = {
        "Action": "GetMetricData",
        "Version": "2010-08-01",
        "MetricDataQueries.member.1.Id": "q0",
        "MetricDataQueries.member.1.MetricStat.Metric.Namespace": "AWS/S3",
        "MetricDataQueries.member.1.MetricStat.Metric.MetricName": "NumberOfObjects",
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name": "BucketName",
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value": bucket,
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name": "StorageType",
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value": "AllStorageTypes",
        "MetricDataQueries.member.1.MetricStat.Period": "86400",
        "MetricDataQueries.member.1.MetricStat.Stat": "Average",
        "StartTime": (now() - dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "EndTime": now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    stamp = now().strftime("%Y%m%d")
    request = urllib.request.Request(
        sim.endpoint + "/",
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={sim.info['access_key_id']}/{stamp}/{region}/monitoring/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_fail_requests_fails_only_matching_requests(target: Simulator) -> None:
    control = estate.Sim(target.endpoint).control
    try:
        control(
            "/_sim/fail-requests",
            {"action": "GetMetricData", "region": "eu-west-3", "contains": ["mne-media-replica"], "times": 1},
        )
        status, body = _query_metric_count(target, "eu-west-3", "mne-media-replica")
        assert status == 500 and "<Code>InternalFailure</Code>" in body
        # `times: 1` is used up: the same request is answered again.
        status, body = _query_metric_count(target, "eu-west-3", "mne-media-replica")
        assert status == 200 and body.count("<member>") >= 19
        control(
            "/_sim/fail-requests",
            {"action": "GetMetricData", "region": "eu-west-3", "contains": ["mne-media-replica"], "status": 400, "code": "Throttling"},
        )
        # Another region, or a body without the string, is not matched.
        assert _query_metric_count(target, "eu-north-1", "mne-media-replica")[0] == 200
        assert _query_metric_count(target, "eu-west-3", "mne-vault-replica")[0] == 200
        for _ in range(2):
            status, body = _query_metric_count(target, "eu-west-3", "mne-media-replica")
            assert status == 400 and "<Code>Throttling</Code>" in body
    finally:
        assert control("/_sim/fail-requests", {"clear": True}) == {"rules": 0}
    assert _query_metric_count(target, "eu-west-3", "mne-media-replica")[0] == 200
    with pytest.raises(RuntimeError, match="action is required"):
        control("/_sim/fail-requests", {"contains": ["x"]})


# ------------------------------------------- recoverability ledger faults (issue 16)
# These work from the pinned clock and change history that earlier faults of the shared
# fault simulator already touch, so each gets a fresh simulator seeded at FIXED_NOW.

FIXED = dt.datetime.fromisoformat(FIXED_NOW.replace("Z", "+00:00"))


def _points(sim: Simulator, region: str = "eu-west-1", vault: str = estate.VAULT) -> list[dict[str, Any]]:
    return all_pages(sim.client("backup", region), "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=vault)


def _gaps(sim: Simulator) -> list[dt.timedelta]:
    times = sorted(p["CreationDate"] for p in _points(sim))
    return [b - a for a, b in zip(times, times[1:])]


def _early(sim: Simulator) -> list[dict[str, Any]]:
    return [p for p in _points(sim) if p["CalculatedLifecycle"]["DeleteAt"] - p["CreationDate"] < dt.timedelta(days=180)]


def _failed_jobs(sim: Simulator) -> list[dict[str, Any]]:
    return all_pages(sim.client("backup"), "list_backup_jobs", "BackupJobs", ByState="FAILED")


LEDGER_VISIBLE: dict[str, Callable[[Simulator], bool]] = {
    # 14:00: the runs of 12:00, 06:00 and 00:00 left nothing; the newest is 18:00 the day before.
    "last-3-runs-missing": lambda s: max(p["CreationDate"] for p in _points(s)) == FIXED - dt.timedelta(hours=20)
    and max(j["CreationDate"] for j in all_pages(s.client("backup"), "list_backup_jobs", "BackupJobs")) == FIXED - dt.timedelta(hours=20)
    and _failed_jobs(s) == [],
    "points-expire-early": lambda s: sorted(p["CreationDate"] for p in _early(s))
    == [FIXED - dt.timedelta(days=20, hours=h) for h in (14, 8, 2)],
    "jobs-failing-179d": lambda s: max(p["CreationDate"] for p in _points(s)) <= FIXED - dt.timedelta(days=179)
    and len(_failed_jobs(s)) == 179 * 4,
    "primary-gap-13h-90d": lambda s: max(_gaps(s)) == dt.timedelta(hours=13)
    and sorted(_gaps(s)).count(dt.timedelta(hours=5)) == 1,
}


@pytest.mark.parametrize("name", list(LEDGER_VISIBLE))
def test_ledger_fault(name: str) -> None:
    sim = Simulator("--state", "target", "--now", FIXED_NOW)
    try:
        visible = LEDGER_VISIBLE[name]
        assert not visible(sim), f"{name} visible before it was applied"
        faults.apply(sim.endpoint, name)
        assert visible(sim), f"{name} not visible after it was applied"
    finally:
        sim.stop()
