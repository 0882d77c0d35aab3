"""deploy/ says what an operator runs; these checks keep it in step with the code."""

from __future__ import annotations

import re

import yaml

from shell.settings import ROOT

DEPLOY = ROOT / "deploy"


def _settings_in_readme() -> set[str]:
    return set(re.findall(r"^\| `(MACHI_[A-Z_]+)`", (ROOT / "README.md").read_text(), re.M))


def test_every_setting_the_deploy_files_name_exists():
    known = _settings_in_readme()
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            for name in set(re.findall(r"\bMACHI_[A-Z_]+\b", path.read_text(encoding="utf-8"))):
                assert name in known, f"{path.relative_to(ROOT)} names {name}, which is no setting"


def test_compose_runs_web_workers_a_job_worker_and_migrations_on_postgres_and_redis():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "app", "worker", "proxy"} <= set(services)
    assert services["app"]["command"][1:3] == ["serve", "--workers"]
    assert services["worker"]["command"][1:] == ["worker"]
    assert services["migrate"]["command"][1:] == ["db", "migrate"]
    for name in ("app", "worker", "migrate"):
        environment = services[name]["environment"]
        assert environment["MACHI_DATABASE_URL"].startswith("postgresql://")
        assert environment["MACHI_REDIS_URL"].startswith("redis://")
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_kubernetes_probes_health_and_runs_a_worker():
    documents = {
        (doc["kind"], doc["metadata"]["name"]): doc
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / "machi.yaml").read_text())
    }
    web = documents[("Deployment", "machi-app")]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        assert web[probe]["httpGet"]["path"] == "/healthz"
    worker = documents[("Deployment", "machi-worker")]["spec"]["template"]["spec"]["containers"][0]
    assert worker["args"][-1] == "worker"
    ingress = documents[("Ingress", "machi")]
    assert "*.apps.city.example" in [rule["host"] for rule in ingress["spec"]["rules"]]


def test_the_image_is_built_from_the_lock_files_and_serves():
    containerfile = (DEPLOY / "Containerfile").read_text()
    assert "uv sync --frozen --no-dev" in containerfile
    assert "npm ci --prefix pwa" in containerfile
    assert re.search(r'^CMD \["/app/.venv/bin/machi", "serve"\]$', containerfile, re.M)
    assert re.search(r"uv==\d+\.\d+\.\d+", containerfile)


def test_the_deploy_examples_host_every_first_party_miniapp():
    from shell.settings import FIRST_PARTY_MINIAPPS

    wanted = set(FIRST_PARTY_MINIAPPS)
    env = (DEPLOY / "machi.env.example").read_text()
    listed = re.search(r"^MACHI_MINIAPPS=(.*)$", env, re.MULTILINE)
    assert listed is not None
    assert set(listed.group(1).split(",")) == wanted
    k8s = (DEPLOY / "k8s" / "machi.yaml").read_text()
    listed = re.search(r"^\s*MACHI_MINIAPPS: (.*)$", k8s, re.MULTILINE)
    assert listed is not None
    assert set(listed.group(1).split(",")) == wanted
