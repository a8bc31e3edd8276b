"""The gRPC contract: buf lint is clean and the committed stubs match what the pinned generator makes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUBS = ROOT / "src" / "clearmark" / "v1"


def test_buf_lint_standard_passes() -> None:
    buf = shutil.which("buf") or str(Path(sys.executable).parent / "buf")
    result = subprocess.run([buf, "lint"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_stubs_match_a_fresh_generation(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = {p.name: p.read_bytes() for p in (tmp_path / "clearmark" / "v1").iterdir() if p.is_file()}
    committed = {p.name: p.read_bytes() for p in STUBS.iterdir() if p.is_file() and p.suffix in {".py", ".pyi"}}
    assert sorted(fresh) == sorted(committed), "stub files differ: run python scripts/gen_protos.py"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert not drifted, f"stubs drifted from the .proto files: {drifted}; run python scripts/gen_protos.py"
