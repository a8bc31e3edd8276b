"""Regenerate the Python stubs in src/clearmark/v1 from proto/clearmark/v1 with the pinned grpcio-tools.

Usage: python scripts/gen_protos.py [--out DIR]   (DIR defaults to src; the drift test uses a temp dir)
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
PINNED_GRPCIO_TOOLS = "1.85.1"
PACKAGE_DOC = '"""Generated gRPC stubs for clearmark.v1 (scripts/gen_protos.py); do not edit."""\n'


def generate(out_root: Path) -> list[Path]:
    """Write *_pb2.py, *_pb2.pyi and *_pb2_grpc.py for every .proto under proto/ into out_root."""
    from grpc_tools import protoc

    installed = version("grpcio-tools")
    if installed != PINNED_GRPCIO_TOOLS:
        raise SystemExit(f"grpcio-tools {installed} installed, {PINNED_GRPCIO_TOOLS} pinned: install the pin")
    # Only our own package is generated; vendored imports (proto/google/api) resolve through -I and
    # are imported at run time from the packages that ship them (googleapis-common-protos).
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "clearmark").rglob("*.proto"))
    out_root.mkdir(parents=True, exist_ok=True)
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    package_dirs = {(out_root / p).parent for p in protos}
    for directory in package_dirs:
        (directory / "__init__.py").write_text(PACKAGE_DOC)
    return sorted(p for d in package_dirs for p in d.iterdir() if p.is_file() and p.suffix in {".py", ".pyi"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "src")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path.relative_to(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
