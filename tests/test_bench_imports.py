"""Every benchmark module imports: a refactor cannot leave bench/ broken without a failing test."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import bench

MODULES = sorted(
    f"bench.{info.name}" for info in pkgutil.walk_packages([str(Path(bench.__file__).parent)]) if not info.ispkg
)


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_module_imports(name: str) -> None:
    importlib.import_module(name)
