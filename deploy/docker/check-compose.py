#!/usr/bin/env python3
"""Static checks of docker-compose.yml and deploy/docker/Dockerfile, for machines without Docker.

    python3 deploy/docker/check-compose.py        (needs PyYAML; exit 1 on a problem)

It parses the compose file and checks what `docker compose config` cannot, or cannot here: every
file the Dockerfile copies exists and is not excluded by .dockerignore, every command the image is
given has its entry point, every environment variable given to a service is read by its code, the
published ports match each service's HTTP_PORT, Kafka's listeners agree, and every dependency,
health check and volume referenced is defined, every host path mounted exists, every image not
built here is pinned to a version, every port is published on 127.0.0.1 only, and the API trusts the
issuer that the keycloak service puts in its tokens.
"""
import fnmatch
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
problems: list[str] = []
warnings: list[str] = []

# What the image's entrypoint.sh runs for each command, as source files of the repository.
ENTRY_SOURCES = {
    "api": ["services/api/src/main.ts"],
    "ingest": ["services/ingest/src/main.ts"],
    "aggregator": ["services/aggregator/src/main.ts"],
    "alerting": ["services/alerting/src/main.ts"],
    "simulator": ["services/simulator/src/main.ts"],
    "console": ["services/console/src/main.ts"],
    "migrate": ["libs/persistence/src/cli/migrate.ts", "deploy/kafka/create-topics.mjs", "services/ingest/src/cli/add-source.ts"],
}
# Where each command's environment is read (besides libs/, shared by all).
CODE_DIRS = {
    "api": ["services/api"],
    "ingest": ["services/ingest"],
    "aggregator": ["services/aggregator"],
    "alerting": ["services/alerting"],
    "simulator": ["services/simulator"],
    "console": ["services/console"],
    "migrate": ["libs/persistence", "deploy/kafka", "deploy/docker", "services/ingest/src/cli"],
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


def dockerignore_patterns() -> list[str]:
    path = ROOT / ".dockerignore"
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def ignored(rel: str, patterns: list[str]) -> bool:
    """Approximates Docker's .dockerignore matching (last match wins, ! re-includes, ** spans dirs)."""
    result = False
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip("/")
        candidates = [pat, pat[3:]] if pat.startswith("**/") else [pat]
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            result = not negate
    return result


def check_dockerfile(dockerfile: Path, context: Path) -> set[int]:
    text = dockerfile.read_text()
    patterns = dockerignore_patterns()
    for line in re.findall(r"^COPY\s+(.+)$", text, flags=re.M):
        args = [a for a in line.split() if not a.startswith("--")]
        if "--from=" in line:
            continue
        for src in args[:-1]:
            path = context / src
            if not path.exists():
                problem(f"Dockerfile COPY {src}: no such file in the build context")
            elif ignored(src.rstrip("/"), patterns):
                problem(f"Dockerfile COPY {src}: excluded by .dockerignore")
    if "HEALTHCHECK" not in text:
        problem("Dockerfile has no HEALTHCHECK (app services are depended on with service_healthy)")
    if not re.search(r"^USER\s+node\b", text, flags=re.M):
        problem("Dockerfile does not switch to the non-root user node")
    exposed = {int(p) for line in re.findall(r"^EXPOSE\s+(.+)$", text, flags=re.M) for p in line.split()}
    return exposed


def check_kafka(service: dict) -> None:
    env = service.get("environment", {})
    listeners = {l.split("://")[0]: l.split(":")[-1] for l in str(env.get("KAFKA_LISTENERS", "")).split(",") if l}
    advertised = [l.split("://")[0] for l in str(env.get("KAFKA_ADVERTISED_LISTENERS", "")).split(",") if l]
    protocols = {p.split(":")[0] for p in str(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "")).split(",") if p}
    for name in advertised:
        if name not in listeners:
            problem(f"kafka: advertised listener {name} is not in KAFKA_LISTENERS")
    for name in listeners:
        if name not in protocols:
            problem(f"kafka: listener {name} has no security protocol in KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")
    for key in ("KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_INTER_BROKER_LISTENER_NAME"):
        if env.get(key) not in listeners:
            problem(f"kafka: {key}={env.get(key)} is not a listener")
    voter = str(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS", ""))
    match = re.fullmatch(r"(\d+)@([^:]+):(\d+)", voter)
    if not match or match.group(1) != str(env.get("KAFKA_NODE_ID")) or match.group(2) != service.get("hostname"):
        problem(f"kafka: KAFKA_CONTROLLER_QUORUM_VOTERS={voter} should be <KAFKA_NODE_ID>@<hostname>:<controller port>")
    elif match.group(3) != listeners.get(env.get("KAFKA_CONTROLLER_LISTENER_NAMES")):
        problem("kafka: the quorum voter's port is not the controller listener's port")
    for mapping in service.get("ports", []):
        container_port = str(mapping).split(":")[-1]
        if container_port not in listeners.values():
            problem(f"kafka: published port {container_port} is no listener's port")


def check_keycloak(services: dict) -> None:
    """The API trusts exactly the issuer Keycloak puts in tokens (its KC_HOSTNAME + /realms/dvc), and
    fetches the keys from the keycloak service over the compose network."""
    keycloak = services.get("keycloak")
    api_env = (services.get("api") or {}).get("environment") or {}
    if keycloak is None:
        if "OIDC_ISSUER_URL" in api_env:
            problem("api: OIDC_ISSUER_URL is set but there is no keycloak service")
        return
    kc_env = keycloak.get("environment") or {}
    hostname = str(kc_env.get("KC_HOSTNAME", "")).rstrip("/")
    if not hostname.startswith(("http://", "https://")):
        problem(f"keycloak: KC_HOSTNAME={hostname!r} should be a full URL (the issuer's origin as clients see it)")
    issuer = str(api_env.get("OIDC_ISSUER_URL", ""))
    if issuer != f"{hostname}/realms/dvc":
        problem(f"api: OIDC_ISSUER_URL={issuer!r} is not keycloak's KC_HOSTNAME + /realms/dvc ({hostname}/realms/dvc): every token would be refused")
    jwks = str(api_env.get("OIDC_JWKS_URL", ""))
    if jwks and not jwks.startswith("http://keycloak:8080/realms/dvc/"):
        problem(f"api: OIDC_JWKS_URL={jwks!r} does not point at the keycloak service's realm dvc")
    if "--import-realm" not in (keycloak.get("command") or []):
        problem("keycloak: command lacks --import-realm (the demo realms would be missing)")
    if not any(str(m).split(":")[1:2] == ["/opt/keycloak/data/import"] for m in keycloak.get("volumes", [])):
        problem("keycloak: deploy/keycloak/realms is not mounted at /opt/keycloak/data/import")
    depends = (services.get("api") or {}).get("depends_on") or {}
    if (depends.get("keycloak") or {}).get("condition") != "service_healthy":
        problem("api: should wait for keycloak to be healthy")


def main() -> int:
    compose_path = ROOT / "docker-compose.yml"
    compose = yaml.safe_load(compose_path.read_text())
    services: dict = compose.get("services", {})
    volumes = set((compose.get("volumes") or {}).keys())
    libs_code = read_sources(["libs"])

    exposed: set[int] = set()
    for name, build in {n: s["build"] for n, s in services.items() if "build" in s}.items():
        context = (ROOT / build.get("context", ".")).resolve()
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        if not dockerfile.exists():
            problem(f"{name}: build.dockerfile {dockerfile} does not exist")
            continue
        exposed |= check_dockerfile(dockerfile, context)

    for name, service in services.items():
        env = service.get("environment") or {}
        if not isinstance(env, dict):
            problem(f"{name}: environment should be a mapping")
            env = {}
        for key, value in env.items():
            if isinstance(value, (list, dict)):
                problem(f"{name}: environment {key} must be a string, number, boolean or null")

        for dependency, spec in (service.get("depends_on") or {}).items():
            if dependency not in services:
                problem(f"{name}: depends_on {dependency}, which is not a service")
                continue
            condition = spec.get("condition") if isinstance(spec, dict) else "service_started"
            target = services[dependency]
            has_check = "healthcheck" in target and not target["healthcheck"].get("disable") or "build" in target
            if condition == "service_healthy" and not has_check:
                problem(f"{name}: waits for {dependency} to be healthy, but it has no health check")
            if condition == "service_completed_successfully" and target.get("restart", "no") != "no":
                problem(f"{name}: waits for {dependency} to complete, but its restart policy is {target.get('restart')}")

        for mount in service.get("volumes", []):
            source = str(mount).split(":")[0]
            if not source.startswith((".", "/")) and source not in volumes:
                problem(f"{name}: volume {source} is not declared under volumes:")
            elif source.startswith(".") and not (ROOT / source).exists():
                problem(f"{name}: mounts {source}, which does not exist in the repository")

        image = service.get("image")
        if image and "build" not in service:
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            if not tag or tag == "latest":
                problem(f"{name}: image {image} is not pinned to a version")

        for mapping in service.get("ports", []):
            parts = str(mapping).split(":")
            if len(parts) < 3 or parts[0] != "127.0.0.1":
                problem(f"{name}: port {mapping} is not published on 127.0.0.1 only")

        if name == "kafka":
            check_kafka(service)

        if "build" not in service:
            continue
        command = (service.get("command") or ["api"])[0]
        if command not in ENTRY_SOURCES:
            problem(f"{name}: command {command} is none of {', '.join(ENTRY_SOURCES)} (deploy/docker/entrypoint.sh)")
            continue
        for source in ENTRY_SOURCES[command]:
            if not (ROOT / source).exists():
                warnings.append(f"{name}: {source} does not exist yet")
        code = libs_code + read_sources(CODE_DIRS[command])
        for key in env:
            if key not in code:
                (warnings if command == "simulator" else problems).append(f"{name}: environment {key} is read by no code of {command}")
        port = env.get("HTTP_PORT")
        if command != "migrate":
            if port is None:
                problem(f"{name}: no HTTP_PORT (the image's health check probes it)")
            elif int(port) not in exposed:
                problem(f"{name}: HTTP_PORT {port} is not EXPOSEd by the Dockerfile")
            if env.get("HTTP_HOST") != "0.0.0.0":
                problem(f"{name}: HTTP_HOST must be 0.0.0.0 in a container")
        for mapping in service.get("ports", []):
            container_port = str(mapping).split(":")[-1]
            if str(port) != container_port:
                problem(f"{name}: publishes container port {container_port}, but the service listens on HTTP_PORT {port}")

    check_keycloak(services)

    published = {str(m).split(":")[-1] for s in services.values() for m in s.get("ports", [])}
    for wanted in ("3000", "3001"):
        if wanted not in published:
            problem(f"container port {wanted} is not published")

    for w in warnings:
        print(f"warning: {w}")
    for p in problems:
        print(f"PROBLEM: {p}")
    print(f"{compose_path.name}: {len(services)} services, {len(problems)} problem(s), {len(warnings)} warning(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
