"""deploy/k8s against the Kubernetes API schemas (the official client's models), and against each other."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "datetime": str, "date": str}


def _documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def _model_name(doc: dict[str, Any]) -> str:
    group_version = doc["apiVersion"]
    version = group_version.rsplit("/", 1)[-1]
    return version[0].upper() + version[1:] + doc["kind"]


def _check(value: Any, type_name: str, where: str) -> None:
    """Every key is a field of the model and every value has the field's type (unknown keys fail)."""
    if type_name.lower().startswith("list["):
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            _check(item, type_name[5:-1], f"{where}[{index}]")
    elif type_name.lower().startswith(("dict(", "dict[")):
        assert isinstance(value, dict), where
        for key, item in value.items():
            _check(item, type_name[5:-1].split(",", 1)[1].strip(), f"{where}.{key}")
    elif type_name == "object":  # IntOrString, quantities, free-form
        assert isinstance(value, (str, int, float, dict, list)), where
    elif type_name in PRIMITIVES:
        assert isinstance(value, PRIMITIVES[type_name]) and not (type_name != "bool" and isinstance(value, bool)), (
            f"{where}: {value!r} is not {type_name}"
        )
    else:
        model = getattr(client, type_name)
        assert isinstance(value, dict), f"{where}: expected an object ({type_name})"
        fields = {json_name: attr for attr, json_name in model.attribute_map.items()}
        for key, item in value.items():
            assert key in fields, f"{where}: {type_name} has no field {key!r}"
            _check(item, model.openapi_types[fields[key]], f"{where}.{key}")


@pytest.mark.parametrize("doc", _documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_matches_its_schema(doc: dict[str, Any]) -> None:
    name = _model_name(doc)
    _check(doc, name, doc["kind"])
    # The client's own deserialisation enforces required fields and enum values.
    client.ApiClient()._ApiClient__deserialize(doc, name)  # type: ignore[attr-defined]


def _by_kind() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for doc in _documents():
        found.setdefault(doc["kind"], []).append(doc)
    return found


def test_the_manifests_fit_together() -> None:
    kinds = _by_kind()
    deployment = kinds["Deployment"][0]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    container = pod["spec"]["containers"][0]
    config = tomllib.loads(kinds["ConfigMap"][0]["data"]["clearmark.toml"])
    # Selectors of the Service, the PDB and the Deployment match the pods; the HPA scales the Deployment.
    assert kinds["Service"][0]["spec"]["selector"].items() <= labels.items()
    assert kinds["PodDisruptionBudget"][0]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert kinds["HorizontalPodAutoscaler"][0]["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    # Probes ask the gRPC health service on the configured health port.
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == config["health_port"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"grpc": config["port"], "health": config["health_port"], "metrics": config["metrics_port"]}
    # Termination outlasts the drain plus the grace given to in-flight requests.
    assert pod["spec"]["terminationGracePeriodSeconds"] > config["drain_s"] + config["shutdown_grace_s"]
    # Requests sized: the decode budget fits inside the memory limit; non-root, read-only root.
    resources = container["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"]
    limit_gib = int(resources["limits"]["memory"].removesuffix("Gi"))
    assert config["memory_budget_bytes"] < limit_gib * 2**30
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # The registry URL and the API key hashes come from Secrets; so do the signing and watermark keys, and TLS.
    env = {e["name"]: e for e in container["env"]}
    secrets = {doc["metadata"]["name"]: doc for doc in kinds["Secret"]}
    for variable in ("CLEARMARK_REGISTRY_URL", "CLEARMARK_API_KEY_HASHES"):
        ref = env[variable]["valueFrom"]["secretKeyRef"]
        assert ref["key"] in secrets[ref["name"]]["stringData"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    for setting in ("tls_cert_file", "tls_key_file", "signing_cert_chain", "signing_private_key", "watermark_key_file"):
        path = Path(config[setting])
        volume = next(name for name, mount in mounts.items() if str(path.parent) == mount)
        secret = secrets[volumes[volume]["secret"]["secretName"]]
        assert path.name in secret["stringData"], setting
    assert env["CLEARMARK_CONFIG"]["value"] == f"{mounts['config']}/clearmark.toml"


def test_the_configmap_is_valid_settings(tmp_path: Path) -> None:
    from clearmark.service.config import Settings

    text = _by_kind()["ConfigMap"][0]["data"]["clearmark.toml"]
    fields = tomllib.loads(text)
    fields = {k: v for k, v in fields.items() if not k.endswith(("_file", "_chain", "_key"))}
    settings = Settings(**fields)
    assert settings.drain_s < settings.shutdown_grace_s + settings.drain_s
