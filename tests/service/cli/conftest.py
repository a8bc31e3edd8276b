"""Helpers for the command's tests: run ``main`` in-process, or the real console entry in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from clearmark.service.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One registry and key set per test module (keys are made once)."""
    return tmp_path_factory.mktemp("cli-data") / "data"


@pytest.fixture()
def cli(capsys: pytest.CaptureFixture[str], data_dir: Path) -> Callable[..., tuple[int, str, str]]:
    """``cli(*argv)`` -> (exit code, stdout, stderr), in-process, with the module's --data-dir."""

    def run(*argv: str, data: bool = True) -> tuple[int, str, str]:
        extra = ["--data-dir", str(data_dir)] if data and argv and argv[0] != "--version" else []
        code = main([*argv, *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def json_lines(out: str) -> list[dict]:
    """The JSON Lines a --json command printed."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def subprocess_env() -> dict[str, str]:
    """The environment for ``python -m clearmark.service.cli`` with this worktree's sources first."""
    paths = [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "clearmark.service.cli", *argv]


def run_command(*argv: str, stdin: bytes = b"", timeout: float = 180) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command(*argv), input=stdin, capture_output=True, env=subprocess_env(), timeout=timeout)
