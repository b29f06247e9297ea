#!/usr/bin/python3
"""Checks the Kubernetes manifests without a cluster.

Every YAML file must parse and every kustomization must name files that exist. The base's
resources, and each overlay as `kubectl kustomize` renders it where kubectl is installed, must
hold together: probes and resources on every container, Services and autoscalers that point at
Deployments, volumes and config that exist, and headless Services behind every dns:/// target;
closed backends: every secretKeyRef names a key of an existing Secret, every service carries the
service credential from a Secret, every Deployment but the gateway is behind an ingress
NetworkPolicy, and Redis requires a password that every Redis URL carries; TLS: a port on TLS is
probed on TLS, and the tls overlay's gateway refuses plaintext on both public ports.
Exits 1 listing the problems; needs python3-yaml.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
# Fields of a kustomization that name files or folders beside it.
REFERENCE_FIELDS = ("resources", "components", "patchesStrategicMerge")
DNS_TARGET = re.compile(r"^dns:///([a-z0-9-]+)\.[^:]*:(\d+)$")
# The public front door: the one Deployment that takes calls from outside the suite.
PUBLIC = "gateway"
REDIS_URL_WITH_PASSWORD = re.compile(r"^rediss?://[^@/]*:[^@/]+@")
# Secrets the operator creates beside the manifests (k8s/README.md says how): certificates.
OPERATOR_SECRETS = {"gateway-tls"}
# The renderings that must serve the public front door on TLS only.
TLS_RENDERINGS = {"overlays/tls"}


def load(path):
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def kustomization_refs(directory):
    """The files and folders a kustomization names, local ones only."""
    spec = load(directory / "kustomization.yaml")[0]
    refs = [ref for field in REFERENCE_FIELDS for ref in spec.get(field, [])]
    refs += [patch["path"] for patch in spec.get("patches", []) if "path" in patch]
    refs += [f for generator in spec.get("configMapGenerator", []) for f in generator.get("files", [])]
    return [directory / ref.split("=")[-1] for ref in refs if "://" not in ref]


def base_documents(directory):
    """The resources of a kustomization, followed through nested folders, before any patch."""
    docs = []
    for ref in load(directory / "kustomization.yaml")[0].get("resources", []):
        path = directory / ref
        docs += base_documents(path) if path.is_dir() else load(path)
    return docs


def named(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


def dockerfile_problems(image, container):
    """An emergence/<module>:tag image is built from <module>/src/main/docker/Dockerfile.jvm,
    which must expose the container's ports."""
    module = image.split("/", 1)[1].split(":")[0]
    dockerfile = ROOT.parent / module / "src" / "main" / "docker" / "Dockerfile.jvm"
    if not dockerfile.exists():
        return [f"image {image}: {dockerfile.relative_to(ROOT.parent)} does not exist"]
    exposed = {int(port) for line in dockerfile.read_text().splitlines() if line.startswith("EXPOSE ")
               for port in line.split()[1:]}
    return [f"image {image}: {dockerfile.relative_to(ROOT.parent)} does not EXPOSE port {p['containerPort']}"
            for p in container.get("ports", []) if p["containerPort"] not in exposed]


def tls_problems(container, env):
    """A port on TLS must be probed on TLS: the kubelet's gRPC probe speaks plaintext only."""
    probes = [container[p] for p in ("startupProbe", "readinessProbe", "livenessProbe") if p in container]
    problems = []
    if "QUARKUS_GRPC_SERVER_SSL_CERTIFICATE" in env or "QUARKUS_GRPC_SERVER_SSL_KEY_STORE" in env:
        if any("grpc" in probe for probe in probes):
            problems.append("a gRPC probe on a TLS gRPC port (probe /q/health/ready by httpGet instead)")
        if "QUARKUS_GRPC_SERVER_SSL_KEY" not in env and "QUARKUS_GRPC_SERVER_SSL_KEY_STORE" not in env:
            problems.append("a gRPC certificate without its key")
    if env.get("QUARKUS_HTTP_INSECURE_REQUESTS", {}).get("value") == "disabled":
        problems += [f"an httpGet probe on {probe['httpGet'].get('path')} without scheme HTTPS on a TLS-only HTTP port"
                     for probe in probes if "httpGet" in probe and probe["httpGet"].get("scheme") != "HTTPS"]
    return problems


def check_documents(docs, where):
    problems = []

    def problem(message):
        problems.append(f"{where}: {message}")

    deployments = named(docs, "Deployment")
    services = named(docs, "Service")
    claims = named(docs, "PersistentVolumeClaim")
    config_maps = named(docs, "ConfigMap")
    secrets = named(docs, "Secret")
    policies = [p for p in named(docs, "NetworkPolicy").values() if "Ingress" in p["spec"].get("policyTypes", [])]
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in named(docs, "HorizontalPodAutoscaler").values()}

    if not deployments:
        problem("no Deployment")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            at = f"Deployment {name}, container {container['name']}"
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problem(f"{at}: no {probe}")
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(bound, {}):
                        problem(f"{at}: no {bound}.{resource}")
            image = container.get("image", "")
            if ":" not in image or image.endswith(":latest"):
                problem(f"{at}: image {image!r} has no fixed tag")
            if image.startswith("emergence/"):
                ports = {p.get("name") for p in container.get("ports", [])}
                if not {"grpc", "http"} <= ports:
                    problem(f"{at}: ports must be named grpc and http, found {sorted(ports)}")
                problems.extend(f"{at}: {message}" for message in dockerfile_problems(image, container))
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef", {}).get("name")
                if ref and ref not in config_maps:
                    problem(f"{at}: ConfigMap {ref} does not exist")
            env = {e["name"]: e for e in container.get("env", [])}
            for variable in env.values():
                ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if ref is None:
                    continue
                secret = secrets.get(ref["name"])
                keys = set(secret.get("data", {})) | set(secret.get("stringData", {})) if secret else set()
                if ref["key"] not in keys:
                    problem(f"{at}: {variable['name']}: Secret {ref['name']} has no key {ref['key']}")
            if image.startswith("emergence/") and "secretKeyRef" not in env.get(
                    "EMERGENCE_SERVICE_CREDENTIAL", {}).get("valueFrom", {}):
                problem(f"{at}: EMERGENCE_SERVICE_CREDENTIAL does not come from a Secret")
            redis_urls = [str(env["EMERGENCE_REDIS_URL"].get("value", ""))] if "EMERGENCE_REDIS_URL" in env else [
                str(config_maps[source["configMapRef"]["name"]]["data"]["EMERGENCE_REDIS_URL"])
                for source in container.get("envFrom", []) if "configMapRef" in source
                and "EMERGENCE_REDIS_URL" in config_maps.get(source["configMapRef"]["name"], {}).get("data", {})]
            for url in redis_urls:
                if not REDIS_URL_WITH_PASSWORD.match(url):
                    problem(f"{at}: EMERGENCE_REDIS_URL {url!r} carries no password")
            if image.startswith("redis:") and "--requirepass" not in container.get("args", []):
                problem(f"{at}: Redis started without --requirepass")
            problems.extend(f"{where}: {at}: {message}" for message in tls_problems(container, env))
            if where in TLS_RENDERINGS and name == PUBLIC and not (
                    env.get("QUARKUS_GRPC_SERVER_PLAIN_TEXT", {}).get("value") == "false"
                    and env.get("QUARKUS_HTTP_INSECURE_REQUESTS", {}).get("value") == "disabled"):
                problem(f"{at}: the public ports must refuse plaintext (gRPC plain-text false, HTTP insecure "
                        "requests disabled)")
        labels = deployment["spec"]["template"]["metadata"].get("labels", {})
        if name != PUBLIC and not any(p["spec"]["podSelector"].get("matchLabels", {}).items() <= labels.items()
                                      for p in policies):
            problem(f"Deployment {name}: no ingress NetworkPolicy selects its pods")
        for volume in pod.get("volumes", []):
            claim = volume.get("persistentVolumeClaim", {}).get("claimName")
            if claim and claim not in claims:
                problem(f"Deployment {name}: PersistentVolumeClaim {claim} does not exist")
            secret = volume.get("secret", {}).get("secretName")
            if secret and secret not in secrets and secret not in OPERATOR_SECRETS:
                problem(f"Deployment {name}: Secret {secret} does not exist")
        if name in scaled and "replicas" in deployment["spec"]:
            problem(f"Deployment {name}: sets replicas while an autoscaler owns the count")

    for name in scaled - deployments.keys():
        problem(f"HorizontalPodAutoscaler targets Deployment {name}, which does not exist")

    for name, service in services.items():
        selector = service["spec"].get("selector", {})
        if not any(selector.items() <= d["spec"]["template"]["metadata"].get("labels", {}).items()
                   for d in deployments.values()):
            problem(f"Service {name}: selector {selector} matches no Deployment's pods")

    # A dns:/// target balances per call only over a headless Service, whose DNS lists every pod.
    for config_name, config in config_maps.items():
        for key, value in config.get("data", {}).items():
            match = DNS_TARGET.match(str(value))
            if not match:
                continue
            service, port = services.get(match.group(1)), int(match.group(2))
            if service is None:
                problem(f"ConfigMap {config_name} {key}: no Service {match.group(1)}")
            elif service["spec"].get("clusterIP") != "None":
                problem(f"ConfigMap {config_name} {key}: Service {match.group(1)} is not headless")
            elif port not in {p["port"] for p in service["spec"]["ports"]}:
                problem(f"ConfigMap {config_name} {key}: Service {match.group(1)} has no port {port}")
    return problems


def main():
    problems = []
    files = sorted(ROOT.rglob("*.yaml"))
    for path in files:
        try:
            load(path)
        except yaml.YAMLError as e:
            problems.append(f"{path.relative_to(ROOT)}: does not parse: {e}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    kustomizations = sorted(p.parent for p in ROOT.rglob("kustomization.yaml"))
    for directory in kustomizations:
        for ref in kustomization_refs(directory):
            if not ref.exists() or (ref.is_dir() and not (ref / "kustomization.yaml").exists()):
                problems.append(f"{directory.relative_to(ROOT)}/kustomization.yaml: {ref} does not exist")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    kubectl = shutil.which("kubectl")
    if kubectl:
        for directory in kustomizations:
            where = str(directory.relative_to(ROOT))
            result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True)
            if result.returncode != 0:
                problems.append(f"{where}: kubectl kustomize failed: {result.stderr.strip()}")
            else:
                problems += check_documents([d for d in yaml.safe_load_all(result.stdout) if d], where)
        checked = f"{len(kustomizations)} renderings (kubectl kustomize) consistent"
    else:
        problems += check_documents(base_documents(ROOT / "base"), "base")
        checked = "base consistent; kubectl not found, so overlays checked for references only"

    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"check_manifests: {len(files)} YAML files parse, {len(kustomizations)} kustomizations "
          f"reference existing files, {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
