"""deploy/kubernetes: every manifest is valid against the Kubernetes OpenAPI schemas
(kubernetes-validate, strict: unknown fields are errors), and the manifests agree with each
other and with mnemond where a schema cannot see it: the probes ask paths the metrics listener
serves, the ports are metrics.listen's, the paths are the config's, secrets are files.

    python3 -m pytest Tests/Deploy -q
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import tempfile

import kubernetes_validate
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFESTS = os.path.join(ROOT, "deploy", "kubernetes")
# The oldest Kubernetes release still in EKS's extended support when written, and the newest
# the validator bundles.
VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]


def documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(glob.glob(os.path.join(MANIFESTS, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.basename(path), doc))
    return docs


def one(kind: str) -> dict:
    found = [doc for _, doc in documents() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def statefulset() -> dict:
    return one("StatefulSet")


def container() -> dict:
    containers = statefulset()["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def config() -> dict:
    return yaml.safe_load(one("ConfigMap")["data"]["mnemond.yaml"])


def listen_port() -> int:
    listen = config()["metrics"]["listen"]
    return int(listen.rsplit(":", 1)[1])


def argument(name: str) -> str:
    command = container()["command"]
    return command[command.index(name) + 1]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_schema(version: str) -> None:
    docs = documents()
    assert {doc["kind"] for _, doc in docs} == {
        "Namespace",
        "ServiceAccount",
        "ConfigMap",
        "Service",
        "StatefulSet",
    }
    for name, doc in docs:
        # Raises ValidationError naming the field on any schema violation.
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_rejects_what_it_should() -> None:
    """The check above is not vacuous: a misspelt field and a wrong type fail it."""
    broken = statefulset()
    broken["spec"]["replica"] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)
    wrong = statefulset()
    wrong["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "9464"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest() -> None:
    with open(os.path.join(MANIFESTS, "kustomization.yaml"), encoding="utf-8") as f:
        kustomization = yaml.safe_load(f)
    files = {
        os.path.basename(p)
        for p in glob.glob(os.path.join(MANIFESTS, "*.yaml"))
        if os.path.basename(p) != "kustomization.yaml"
    }
    assert sorted(kustomization["resources"]) == sorted(files)


def served_paths() -> set[str]:
    """The paths MetricsListener answers, read from its source."""
    with open(os.path.join(ROOT, "Sources", "MnemondHTTP", "MetricsListener.swift"), encoding="utf-8") as f:
        source = f.read()
    match = re.search(r"guard \[((?:\"/[a-z]+\",?\s*)+)\]\.contains\(path\)", source)
    assert match, "MetricsListener no longer lists its paths as expected"
    return set(re.findall(r"\"(/[a-z]+)\"", match.group(1)))


def test_probes_ask_paths_the_listener_serves_on_the_metrics_port() -> None:
    paths = served_paths()
    assert paths == {"/metrics", "/healthz", "/readyz"}
    c = container()
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    for probe in (c["livenessProbe"], c["readinessProbe"]):
        assert probe["httpGet"]["path"] in paths
        port = probe["httpGet"]["port"]
        assert ports.get(port, port) == listen_port()
    # A probe that fails three times restarts the container: the liveness verdict must have
    # been renewed in between (every 10 s without systemd), and a slow answer must not count.
    live = c["livenessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] >= 60


def test_container_service_and_scrape_annotations_use_the_metrics_listen_port() -> None:
    port = listen_port()
    assert config()["metrics"]["listen"].startswith("0.0.0.0:"), "the kubelet and Prometheus reach the pod IP"
    c = container()
    assert [p["containerPort"] for p in c["ports"] if p["name"] == "metrics"] == [port]
    service = one("Service")
    assert service["spec"]["ports"] == [{"name": "metrics", "port": port, "targetPort": "metrics", "protocol": "TCP"}]
    for annotations in (service["metadata"]["annotations"], statefulset()["spec"]["template"]["metadata"]["annotations"]):
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(port)
        assert annotations["prometheus.io/path"] in served_paths()
    selector = service["spec"]["selector"]
    labels = statefulset()["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    assert statefulset()["spec"]["serviceName"] == service["metadata"]["name"]


def test_one_replica_with_the_store_on_its_volume_claim() -> None:
    sts = statefulset()
    assert sts["spec"]["replicas"] == 1
    claims = {t["metadata"]["name"]: t for t in sts["spec"]["volumeClaimTemplates"]}
    mounts = {m["name"]: m for m in container()["volumeMounts"]}
    store_dir = mounts["store"]["mountPath"]
    assert "store" in claims
    assert claims["store"]["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert os.path.dirname(argument("--db")) == store_dir
    assert config()["store"]["path"] == argument("--db")
    assert mounts["config"]["mountPath"] == argument("--config")
    assert mounts["config"]["subPath"] == "mnemond.yaml"
    # Above schedule.drain_timeout_seconds, so a drain finishes before SIGKILL.
    assert sts["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > config()["schedule"]["drain_timeout_seconds"]


def test_runs_unprivileged_on_a_read_only_root() -> None:
    pod = statefulset()["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    sc = container()["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    for mount in container()["volumeMounts"]:
        if mount["name"] in ("config", "slack-webhook"):
            assert mount.get("readOnly") is True


def test_the_slack_webhook_is_a_mounted_secret_file_never_an_environment_value() -> None:
    webhook_file = config()["alerting"]["channels"]["slack"]["webhook_url_file"]
    mounts = {m["name"]: m for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in statefulset()["spec"]["template"]["spec"]["volumes"]}
    secret = volumes["slack-webhook"]["secret"]
    paths = [os.path.join(mounts["slack-webhook"]["mountPath"], item["path"]) for item in secret["items"]]
    assert webhook_file in paths
    # Readable by the fsGroup (the files are root-owned), by no one else.
    assert secret["defaultMode"] == 0o440
    assert "env" not in container() and "envFrom" not in container()
    # No manifest carries a webhook URL or a Secret's data.
    for name, doc in documents():
        assert doc["kind"] != "Secret", name
        with open(os.path.join(MANIFESTS, name), encoding="utf-8") as f:
            assert "hooks.slack.com" not in f.read(), name


def test_the_service_account_carries_the_irsa_role_of_the_estate_account() -> None:
    account = one("ServiceAccount")
    arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    match = re.fullmatch(r"arn:aws:iam::(\d{12}):role/[\w+=,.@/-]+", arn)
    assert match, arn
    assert match.group(1) == config()["account_id"]
    assert statefulset()["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]
    assert account["metadata"]["namespace"] == statefulset()["metadata"]["namespace"]


def mnemond_binary() -> str | None:
    for candidate in (os.environ.get("MNEMOND_BINARY"), os.path.join(ROOT, ".build", "debug", "mnemond")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.mark.skipif(mnemond_binary() is None, reason="mnemond is not built (swift build)")
def test_the_configmap_passes_mnemond_config_validate() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "mnemond.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(one("ConfigMap")["data"]["mnemond.yaml"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        result = subprocess.run(
            [mnemond_binary(), "config", "validate", "--config", path],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    assert result.returncode == 0, result.stdout + result.stderr
