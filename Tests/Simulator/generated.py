#!/usr/bin/env python3
"""Generated S3 estates: the guide's bucket shapes, repeated, seeded into a simulator, and the
mnemond configuration that watches them. For scale measurements (scripts/bench); the tests do
not use it.

    python3 Tests/Simulator/generated.py --endpoint URL [--buckets 1000] [--prefix gen-]
        [--copies 1] [--config FILE] [--now ISO8601]

seeds a running simulator (Tests/Simulator/simulator.py, any --state) over its AWS API. The
same is available at start-up as `simulator.py --generate 1000 --generate-prefix gen-
--generate-config FILE`, which also installs an indexed GetMetricData (below): moto's own scans
every datapoint of the window for every query and period, which takes minutes at this size.

Buckets come in CRR pairs (so --buckets must be even), alternating the guide's two shapes:
  media  source in eu-west-1 (lifecycle: Intelligent-Tiering day 0, noncurrent 35 days) ->
         replica in eu-west-3 (noncurrent 180 days), rule `paris-replica`
  vault  source in eu-west-1 (the same lifecycle, AES256 with bucket key) -> replica in
         eu-north-1 (noncurrent 180 days, abort multipart 180 days, AES256 with bucket key),
         rule `vault-replica-rule`
Every bucket is versioned and encrypted; every rule replicates to DEEP_ARCHIVE with delete
markers and replication metrics (15 minutes), as the guide's target estate. Names:
PREFIX{media|vault}-{prod|replica}-NNNN, NNNN the pair's number within its shape. The
replication roles are named in the rules but not created (mnemond does not read them). Metrics
as the target estate's: per pair 12 five-minute points of the four replication metrics, per
bucket 20 days of NumberOfObjects and BucketSizeBytes of the guide bucket's storage types.

--copies K seeds K estates of --buckets each, prefixes PREFIX001-, PREFIX002-, ...; with 4
buckets that is K copies of the guide's S3 part (mne-media-prod, mne-vault-prod and their
replicas) under distinct names. --config FILE writes one mnemond configuration for everything
seeded; a FILE containing `{k}` writes one per copy (k = 001, 002, ...) instead. The
configuration has account_id, buckets and the guide's accepted Object Lock risk only: no RDS,
AWS Backup, alarms or recovery path, so a cycle measures the S3 side alone.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import os
import random
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import estate  # noqa: E402

SHAPES = (
    {"name": "media", "source": "mne-media-prod", "replica": "mne-media-replica"},
    {"name": "vault", "source": "mne-vault-prod", "replica": "mne-vault-replica"},
)
GUIDE_PAIR = {pair["source"]: pair for pair in estate.REPLICATION}
# The guide's configuration of each bucket (etc/mnemond.yaml), by the guide bucket it copies.
CONFIG_EXTRA = {
    "mne-media-prod": {"noncurrent_days": 35, "guide": "Phase 1", "intelligent_tiering_day0": True},
    "mne-vault-prod": {
        "noncurrent_days": 35,
        "guide": "Phase 2A",
        "intelligent_tiering_day0": True,
        "encryption": '{algorithm: AES256, bucket_key: true, guide: "Step 2A.1"}',
    },
    "mne-media-replica": {
        "noncurrent_days": 180,
        "guide": "Phase 2",
        "object_lock": "{mode: GOVERNANCE, days: 180}",
    },
    "mne-vault-replica": {
        "noncurrent_days": 180,
        "guide": "Phase 2B",
        "abort_multipart_days": 180,
        "encryption": '{algorithm: AES256, bucket_key: true, guide: "Step 2B.1"}',
        "object_lock": "{mode: GOVERNANCE, days: 180}",
    },
}


def pairs(buckets: int, prefix: str) -> list[dict[str, str]]:
    """The CRR pairs of one generated estate: each a copy of a guide pair under new names."""
    if buckets < 2 or buckets % 2:
        raise ValueError(f"--buckets must be an even number >= 2, not {buckets}")
    out = []
    for i in range(buckets // 2):
        shape = SHAPES[i % 2]
        n = i // 2
        guide = GUIDE_PAIR[shape["source"]]
        source = f"{prefix}{shape['name']}-prod-{n:04d}"
        replica = f"{prefix}{shape['name']}-replica-{n:04d}"
        for name in (source, replica):
            if len(name) > 63:
                raise ValueError(f"bucket name {name!r} is longer than 63 characters")
        out.append(
            {
                "source": source,
                "destination": replica,
                "rule_id": guide["rule_id"],
                "role": f"s3crr_role_for_{source}"[:64],
                "name": f"{shape['name']}-{n:04d}",
                "like_source": shape["source"],
                "like_replica": shape["replica"],
            }
        )
    return out


def _buckets(pair: dict[str, str]) -> list[tuple[str, str]]:
    """(bucket, the guide bucket it copies) of a pair."""
    return [(pair["source"], pair["like_source"]), (pair["destination"], pair["like_replica"])]


# -------------------------------------------------------------------------- seed


def seed(
    endpoint: str,
    buckets: int,
    prefix: str,
    now: dt.datetime | None = None,
    *,
    workers: int = 4,
    access_key_id: str = "AKIDSIMULATOR",
    secret_access_key: str = "simulator-secret",
) -> list[dict[str, str]]:
    """Seeds one generated estate into the simulator at `endpoint`; returns its pairs."""
    sim = estate.Sim(endpoint, access_key_id, secret_access_key)
    at = estate._now(now)
    generated = pairs(buckets, prefix)
    # boto3 clients are thread-safe once made; make them before the pool uses them.
    for region in set(estate.BUCKET_REGION.values()):
        sim.client("s3", region)
        sim.client("cloudwatch", region)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda pair: _seed_pair(sim, pair), generated))
    by_region: dict[str, list[dict[str, Any]]] = {}
    rng = random.Random(8)
    for pair in generated:
        for region, data in _metrics(pair, at, rng).items():
            by_region.setdefault(region, []).extend(data)
    chunks = [
        (region, data[i : i + 500]) for region, data in by_region.items() for i in range(0, len(data), 500)
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda chunk: estate._put(sim, chunk[0], chunk[1]), chunks))
    return generated


def _seed_pair(sim: estate.Sim, pair: dict[str, str]) -> None:
    for bucket, like in _buckets(pair):
        region = estate.BUCKET_REGION[like]
        s3 = sim.client("s3", region)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=estate.ENCRYPTION)
        rules = estate.lifecycle(like, True)
        if rules is not None:
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=rules)
    sim.client("s3", estate.BUCKET_REGION[pair["like_source"]]).put_bucket_replication(
        Bucket=pair["source"], ReplicationConfiguration=estate.replication(pair)
    )


def _metrics(pair: dict[str, str], at: dt.datetime, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """The target estate's datapoints (estate.seed_metrics) for one generated pair."""
    region_of = {pair["source"]: estate.BUCKET_REGION[pair["like_source"]]}
    region_of[pair["destination"]] = estate.BUCKET_REGION[pair["like_replica"]]
    where = {"source": region_of[pair["source"]], "destination": region_of[pair["destination"]]}
    out: dict[str, list[dict[str, Any]]] = {}
    for metric, datum in estate.replication_points(estate.replication_dimensions(pair), at, rng):
        out.setdefault(where[estate.METRIC_REGION[metric]], []).append(datum)
    for bucket, like in _buckets(pair):
        out.setdefault(region_of[bucket], []).extend(estate.storage_points(bucket, estate.STORAGE[like], at))
    return out


# ------------------------------------------------------------------------ config


def config(generated: list[dict[str, str]]) -> str:
    """The mnemond configuration that watches `generated` (pairs of one or more estates)."""
    lines = [
        "# Generated by Tests/Simulator/generated.py: the guide's bucket shapes, repeated.",
        f'account_id: "{estate.ACCOUNT}"',
        "buckets:",
    ]
    for pair in generated:
        for bucket, like in _buckets(pair):
            extra = CONFIG_EXTRA[like]
            lines += [
                f"  - name: {bucket}",
                f"    region: {estate.BUCKET_REGION[like]}",
                f"    role: {'source' if bucket == pair['source'] else 'replica'}",
            ]
            lines += [f"    {key}: {str(value).lower() if isinstance(value, bool) else value}" for key, value in extra.items()]
            if bucket == pair["source"]:
                lines += [
                    "    replication:",
                    f"      destination: {pair['destination']}",
                    f"      rule_id: {pair['rule_id']}",
                    "      storage_class: DEEP_ARCHIVE",
                    "      delete_marker_replication: true",
                    "      metrics: true",
                    "      latency_critical_minutes: 15",
                ]
    lines += [
        "accepted_risks:",
        "  - check: s3.object_lock",
        "    reason: >-",
        "      Guide \"[DEFERRABLE] Object Lock Implementation\": the replica buckets predate the decision.",
    ]
    return "\n".join(lines) + "\n"


def copy_prefixes(prefix: str, copies: int) -> list[str]:
    return [prefix] if copies == 1 else [f"{prefix}{k:03d}-" for k in range(1, copies + 1)]


def seed_copies(
    endpoint: str,
    buckets: int,
    prefix: str,
    copies: int,
    config_path: str | None,
    now: dt.datetime | None = None,
    *,
    access_key_id: str = "AKIDSIMULATOR",
    secret_access_key: str = "simulator-secret",
) -> int:
    """Seeds `copies` estates and writes their configuration(s); returns the buckets seeded."""
    everything: list[dict[str, str]] = []
    for k, copy_prefix in enumerate(copy_prefixes(prefix, copies), start=1):
        generated = seed(
            endpoint, buckets, copy_prefix, now, access_key_id=access_key_id, secret_access_key=secret_access_key
        )
        everything += generated
        if config_path and "{k}" in config_path:
            _write(config_path.replace("{k}", f"{k:03d}"), config(generated))
    if config_path and "{k}" not in config_path:
        _write(config_path, config(everything))
    return 2 * len(everything)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


# --------------------------------------------------------- indexed GetMetricData


def install_indexed_metric_data() -> None:
    """Replaces moto's GetMetricData for MetricStat queries by one that groups the window's
    datapoints by metric once per call: the same periods, statistics (moto's own Statistics),
    order and labels, but dimensions are matched as a set (as AWS does; moto compares lists
    sorted by a comparison that is not an order). Calls with math or Insights expressions go
    to moto's own."""
    from moto.cloudwatch.models import CloudWatchBackend, Statistics, ValidationError

    original = CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: Any, queries: list[dict[str, Any]], start_time: dt.datetime, end_time: dt.datetime, scan_by: str = "TimestampAscending"
    ) -> list[dict[str, Any]]:
        if any("MetricStat" not in q for q in queries):
            return original(self, queries, start_time, end_time, scan_by)
        start_time = start_time.replace(microsecond=0)
        end_time = end_time.replace(microsecond=0)
        if start_time > end_time:
            raise ValidationError("The parameter EndTime must be greater than StartTime.")
        if start_time == end_time:
            raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
        by_dims: dict[tuple[str, tuple[tuple[str, str], ...]], list[Any]] = {}
        by_name: dict[tuple[str, str], list[Any]] = {}
        for md in self.get_all_metrics():
            if start_time <= md.timestamp < end_time:
                key = tuple(sorted((d.name, d.value) for d in md.dimensions))
                by_dims.setdefault((md.name, key), []).append(md)
                by_name.setdefault((md.namespace, md.name), []).append(md)
        results = []
        for query in queries:
            stat_spec = query["MetricStat"]
            metric = stat_spec["Metric"]
            name = metric["MetricName"]
            dimensions = metric.get("Dimensions", [])
            if dimensions:
                data = by_dims.get((name, tuple(sorted((d["Name"], d["Value"]) for d in dimensions))), [])
            else:
                data = by_name.get((metric["Namespace"], name), [])
            unit = stat_spec.get("Unit")
            if unit:
                data = [md for md in data if md.unit == unit]
            period = int(stat_spec["Period"])
            stat = stat_spec["Stat"]
            buckets: dict[int, list[Any]] = {}
            for md in data:
                buckets.setdefault(int((md.timestamp - start_time).total_seconds()) // period, []).append(md)
            values, timestamps = [], []
            for index in sorted(buckets):
                stats = Statistics([stat], start_time + dt.timedelta(seconds=index * period))
                stats.metric_data = buckets[index]
                values.append(stats.get_statistics_for_type(stat))
                timestamps.append(stats.timestamp)
            if scan_by == "TimestampDescending":
                values.reverse()
                timestamps.reverse()
            if query.get("ReturnData", True):
                results.append(
                    {
                        "id": query["Id"],
                        "label": query.get("Label") or f"{name} {stat}",
                        "values": values,
                        "timestamps": timestamps,
                        "status_code": "Complete",
                    }
                )
        return results

    CloudWatchBackend.get_metric_data = get_metric_data


# --------------------------------------------------------------------------- CLI


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True, help="the running simulator, e.g. http://127.0.0.1:PORT")
    p.add_argument("--buckets", type=int, default=1000, help="buckets per estate, even (default 1000)")
    p.add_argument("--prefix", default="gen-", help="bucket name prefix (default gen-)")
    p.add_argument("--copies", type=int, default=1, help="estates to seed (default 1)")
    p.add_argument("--config", help="write the mnemond configuration here ({k}: one file per copy)")
    p.add_argument("--now", help="ISO 8601 instant the metrics are relative to (default: the clock)")
    p.add_argument("--access-key-id", default="AKIDSIMULATOR")
    p.add_argument("--secret-access-key", default="simulator-secret")
    args = p.parse_args(argv)
    now = dt.datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else None
    count = seed_copies(
        args.endpoint,
        args.buckets,
        args.prefix,
        args.copies,
        args.config,
        now,
        access_key_id=args.access_key_id,
        secret_access_key=args.secret_access_key,
    )
    print(f"generated: {count} buckets seeded at {args.endpoint}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
