#!/usr/bin/env python3
"""Static checks of the Kubernetes manifests in deploy/k8s/, for machines without a cluster.

    python3 deploy/k8s/check-manifests.py        (needs PyYAML; exit 1 on a problem)

Every manifest parses and is listed in kustomization.yaml; every image is the project image (its tag
set by kustomize) or pinned to a version; each service's container port, Service port and HTTP_PORT
agree with the port the service listens on in docker-compose.yml; every environment variable given
to a container (directly, or through a ConfigMap or Secret) is read by that command's code, and every
ConfigMap/Secret reference resolves; probes point to paths the services serve; the pods run as
non-root; the autoscalers of Kafka consumers stop at the partition count of the topic they consume;
every ServiceMonitor selects a Service with the port it scrapes.
"""
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
PROJECT_IMAGE = "dvc-monitor"
problems: list[str] = []

# Where each command's environment is read (besides libs/, shared by all); as deploy/docker/check-compose.py.
CODE_DIRS = {
    "api": ["services/api"],
    "ingest": ["services/ingest"],
    "aggregator": ["services/aggregator"],
    "alerting": ["services/alerting"],
    "simulator": ["services/simulator"],
    "console": ["services/console"],
    "migrate": ["libs/persistence", "deploy/kafka", "deploy/docker", "services/ingest/src/cli"],
}
# The topic each command consumes in one consumer group (environment variable of its name, partitions).
CONSUMED_TOPIC = {
    "ingest": "TOPIC_DOSSIER_EVENTS",
    "aggregator": "TOPIC_CANONICAL_EVENTS",
    "alerting": "TOPIC_RATE_CHANGES",
}


def problem(message: str) -> None:
    problems.append(message)


def read_sources(dirs: list[str]) -> str:
    text = []
    for d in dirs:
        base = ROOT / d
        for path in base.rglob("*") if base.is_dir() else [base]:
            if path.suffix in {".ts", ".mjs", ".js", ".sh"} and ".spec." not in path.name and path.is_file():
                text.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(text)


def served_paths() -> set[str]:
    """The paths every service serves: the health controller's routes and /metrics."""
    source = (ROOT / "libs/observability/src/health/health.controller.ts").read_text()
    prefix = re.search(r"@Controller\('([^']*)'\)", source).group(1)
    paths = {f"/{prefix}/{route}" for route in re.findall(r"@Get\('([^']*)'\)", source)}
    if "path: '/metrics'" in (ROOT / "libs/observability/src/observability.module.ts").read_text():
        paths.add("/metrics")
    return paths


def topic_partitions() -> dict[str, int]:
    source = (ROOT / "deploy/kafka/create-topics.mjs").read_text()
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"topic\('(TOPIC_[A-Z_]+)', '[^']+', '[A-Z_]+', (\d+)\)", source)}


def compose_ports() -> dict[str, int]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    ports = {}
    for service in compose.get("services", {}).values():
        command = (service.get("command") or [None])[0]
        port = (service.get("environment") or {}).get("HTTP_PORT")
        if command and port is not None:
            ports[command] = int(port)
    return ports


def image_ok(image: str) -> bool:
    if image == PROJECT_IMAGE or image.startswith(PROJECT_IMAGE + ":"):
        return True
    if "@sha256:" in image:
        return True
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    return bool(tag) and tag != "latest"


def main() -> int:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization.get("resources", []))
    docs: list[tuple[str, dict]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        if path.name not in listed:
            problem(f"{path.name} is not listed in kustomization.yaml")
        try:
            docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
        except yaml.YAMLError as error:
            problem(f"{path.name} does not parse: {error}")
    for name in listed:
        if not (K8S / name).exists():
            problem(f"kustomization.yaml lists {name}, which does not exist")
    for image in kustomization.get("images", []):
        if image.get("name") != PROJECT_IMAGE:
            problem(f"kustomization.yaml rewrites image {image.get('name')}, which is not the project image")

    by_kind: dict[str, dict[str, dict]] = {}
    for file, doc in docs:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in doc:
                problem(f"{file}: a document has no {key}")
        by_kind.setdefault(doc.get("kind"), {})[doc.get("metadata", {}).get("name")] = doc

    config_maps = {n: set((d.get("data") or {}).keys()) for n, d in by_kind.get("ConfigMap", {}).items()}
    secrets = {n: set((d.get("stringData") or {}).keys()) | set((d.get("data") or {}).keys()) for n, d in by_kind.get("Secret", {}).items()}
    paths = served_paths()
    partitions = topic_partitions()
    ports = compose_ports()
    libs_code = read_sources(["libs"])
    command_of: dict[str, str] = {}  # Deployment name -> command

    workloads = list(by_kind.get("Deployment", {}).items()) + list(by_kind.get("Job", {}).items())
    for name, workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        pod_security = pod.get("securityContext") or {}
        if not pod_security.get("runAsNonRoot") or not isinstance(pod_security.get("runAsUser"), int) or pod_security["runAsUser"] == 0:
            problem(f"{name}: the pod must set runAsNonRoot and a non-zero numeric runAsUser")
        for container in pod["containers"]:
            where = f"{name}/{container['name']}"
            image = container.get("image", "")
            if not image_ok(image):
                problem(f"{where}: image {image} is neither the project image nor pinned to a version")
            if (container.get("securityContext") or {}).get("allowPrivilegeEscalation") is not False:
                problem(f"{where}: allowPrivilegeEscalation must be false")
            if image.split(":")[0] != PROJECT_IMAGE:
                continue
            command = (container.get("args") or ["api"])[0]
            if command not in CODE_DIRS:
                problem(f"{where}: command {command} is none of {', '.join(CODE_DIRS)} (deploy/docker/entrypoint.sh)")
                continue
            if workload["kind"] == "Deployment":
                command_of[name] = command

            env: dict[str, object] = {}
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    ref = source["configMapRef"]["name"]
                    if ref not in config_maps:
                        problem(f"{where}: envFrom ConfigMap {ref} is not defined")
                    env.update({key: f"configmap {ref}" for key in config_maps.get(ref, set())})
                if "secretRef" in source:
                    ref = source["secretRef"]["name"]
                    if ref not in secrets:
                        problem(f"{where}: envFrom Secret {ref} is not defined")
                    env.update({key: f"secret {ref}" for key in secrets.get(ref, set())})
            for variable in container.get("env", []):
                env[variable["name"]] = variable.get("value", "reference")
                reference = (variable.get("valueFrom") or {})
                for kind, known in (("secretKeyRef", secrets), ("configMapKeyRef", config_maps)):
                    if kind in reference:
                        ref, key = reference[kind]["name"], reference[kind]["key"]
                        if key not in known.get(ref, set()):
                            problem(f"{where}: {kind} {ref}/{key} is not defined")
            code = libs_code + read_sources(CODE_DIRS[command])
            for key, origin in env.items():
                if key not in code:
                    problem(f"{where}: environment {key} ({origin}) is read by no code of {command}")

            if command == "migrate":
                continue
            port = env.get("HTTP_PORT")
            expected = ports.get(command)
            if port is None or int(port) != expected:
                problem(f"{where}: HTTP_PORT {port} is not the service's port {expected} (docker-compose.yml)")
            container_ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
            if container_ports.get("http") != expected:
                problem(f"{where}: containerPort http {container_ports.get('http')} is not HTTP_PORT {expected}")
            for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
                probe = container.get(probe_name)
                if probe is None:
                    if probe_name != "startupProbe":
                        problem(f"{where}: no {probe_name}")
                    continue
                get = probe.get("httpGet") or {}
                if get.get("path") not in paths:
                    problem(f"{where}: {probe_name} probes {get.get('path')}, which the services do not serve ({', '.join(sorted(paths))})")
                if get.get("port") not in ("http", expected):
                    problem(f"{where}: {probe_name} probes port {get.get('port')}, not the http port")
            if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health/live":
                problem(f"{where}: the liveness probe must be /health/live (readiness depends on other services)")
            if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/health/ready":
                problem(f"{where}: the readiness probe must be /health/ready")
            if "memory" not in (container.get("resources") or {}).get("limits", {}) or "cpu" not in (container.get("resources") or {}).get("requests", {}):
                problem(f"{where}: resources need a CPU request and a memory limit")

    services = by_kind.get("Service", {})
    deployments = by_kind.get("Deployment", {})
    for name, service in services.items():
        selector = service["spec"].get("selector", {})
        targets = [d for d in deployments.values() if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())]
        if not targets:
            problem(f"Service {name}: selects no Deployment")
        for deployment in targets:
            command = command_of.get(deployment["metadata"]["name"])
            for port in service["spec"].get("ports", []):
                if port.get("targetPort") != "http" or (command and port.get("port") != ports.get(command)):
                    problem(f"Service {name}: port {port.get('port')} -> {port.get('targetPort')} is not the service's http port {ports.get(command)}")

    for name, hpa in by_kind.get("HorizontalPodAutoscaler", {}).items():
        target = hpa["spec"]["scaleTargetRef"]["name"]
        if target not in deployments:
            problem(f"HorizontalPodAutoscaler {name}: scales {target}, which is not a Deployment")
            continue
        topic = CONSUMED_TOPIC.get(command_of.get(target, ""))
        if topic and hpa["spec"]["maxReplicas"] > partitions.get(topic, 0):
            problem(f"HorizontalPodAutoscaler {name}: maxReplicas {hpa['spec']['maxReplicas']} exceeds the {partitions.get(topic)} partitions of {topic}")
        if hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
            problem(f"HorizontalPodAutoscaler {name}: minReplicas above maxReplicas")
    for name, deployment in deployments.items():
        topic = CONSUMED_TOPIC.get(command_of.get(name, ""))
        if topic and deployment["spec"].get("replicas", 1) > partitions.get(topic, 0):
            problem(f"Deployment {name}: {deployment['spec']['replicas']} replicas exceed the partitions of {topic}")

    for name, monitor in by_kind.get("ServiceMonitor", {}).items():
        if monitor.get("apiVersion") != "monitoring.coreos.com/v1":
            problem(f"ServiceMonitor {name}: apiVersion must be monitoring.coreos.com/v1")
        wanted = monitor["spec"]["selector"].get("matchLabels", {})
        matching = [s for s in services.values() if all(s["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())]
        if not matching:
            problem(f"ServiceMonitor {name}: selects no Service")
        for endpoint in monitor["spec"].get("endpoints", []):
            if endpoint.get("path") not in paths:
                problem(f"ServiceMonitor {name}: scrapes {endpoint.get('path')}, which the services do not serve")
            for service in matching:
                if endpoint.get("port") not in {p.get("name") for p in service["spec"].get("ports", [])}:
                    problem(f"ServiceMonitor {name}: port {endpoint.get('port')} is not a port of Service {service['metadata']['name']}")

    for p in problems:
        print(f"PROBLEM: {p}")
    print(f"deploy/k8s: {len(docs)} objects, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
