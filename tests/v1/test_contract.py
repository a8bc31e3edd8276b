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


def _descriptor_set(tmp_path: Path):
    from google.protobuf import descriptor_pb2
    from grpc_tools import protoc

    out = tmp_path / "contract.pb"
    include = Path(protoc.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(ROOT / "proto")) for p in (ROOT / "proto" / "clearmark").rglob("*.proto"))
    args = ["protoc", f"-I{ROOT / 'proto'}", f"-I{include}", "--include_source_info", f"--descriptor_set_out={out}"]
    assert protoc.main([*args, *protos]) == 0
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def _uncommented(file) -> list[str]:
    """Every message, field, enum, enum value, service and RPC of the file without a leading comment."""
    commented = {
        tuple(loc.path) for loc in file.source_code_info.location if loc.leading_comments.strip()
    }
    missing: list[str] = []

    def check(path: tuple[int, ...], name: str) -> None:
        if path not in commented:
            missing.append(f"{file.name}: {name}")

    def walk_enum(enum, path: tuple[int, ...], prefix: str) -> None:
        check(path, prefix + enum.name)
        for i, value in enumerate(enum.value):
            check((*path, 2, i), f"{prefix}{enum.name}.{value.name}")

    def walk_message(message, path: tuple[int, ...], prefix: str) -> None:
        check(path, prefix + message.name)
        for i, field in enumerate(message.field):
            check((*path, 2, i), f"{prefix}{message.name}.{field.name}")
        for i, oneof in enumerate(message.oneof_decl):
            if not oneof.name.startswith("_"):  # proto3 `optional` makes synthetic oneofs
                check((*path, 8, i), f"{prefix}{message.name}.{oneof.name} (oneof)")
        for i, nested in enumerate(message.nested_type):
            if not nested.options.map_entry:
                walk_message(nested, (*path, 3, i), f"{prefix}{message.name}.")
        for i, enum in enumerate(message.enum_type):
            walk_enum(enum, (*path, 4, i), f"{prefix}{message.name}.")

    for i, message in enumerate(file.message_type):
        walk_message(message, (4, i), "")
    for i, enum in enumerate(file.enum_type):
        walk_enum(enum, (5, i), "")
    for i, service in enumerate(file.service):
        check((6, i), service.name)
        for j, method in enumerate(service.method):
            check((6, i, 2, j), f"{service.name}.{method.name}")
    return missing


def test_every_message_field_enum_and_rpc_is_commented(tmp_path: Path) -> None:
    files = [f for f in _descriptor_set(tmp_path).file if f.package == "clearmark.v1"]
    assert files
    missing = [name for file in files for name in _uncommented(file)]
    assert not missing, f"{len(missing)} without a comment: {missing}"


def test_required_fields_carry_field_behavior() -> None:
    from google.api import field_behavior_pb2

    from clearmark.v1 import clearmark_service_pb2 as api

    def required(message_type) -> set[str]:
        return {
            f.name
            for f in message_type.DESCRIPTOR.fields
            if field_behavior_pb2.REQUIRED in f.GetOptions().Extensions[field_behavior_pb2.field_behavior]
        }

    assert required(api.StampOptions) == {"producer_code"}
    assert required(api.LabelOptions) == {"platform_code"}
    assert required(api.StampRequest) == {"content", "options"}
    assert required(api.LabelStreamHeader) == {"content_header", "options"}
    assert required(api.InspectStreamHeader) == {"content_header"}


def test_unary_requests_and_stream_headers_name_the_content_header_alike() -> None:
    from clearmark.v1 import clearmark_service_pb2 as api

    for verb in ("Stamp", "Inspect", "Label", "Verify"):
        unary = getattr(api, f"{verb}Request").DESCRIPTOR.fields_by_name
        header = getattr(api, f"{verb}StreamHeader").DESCRIPTOR.fields_by_name
        assert unary["content_header"].message_type.full_name == "clearmark.v1.ContentHeader"
        assert header["content_header"].message_type.full_name == "clearmark.v1.ContentHeader"
        assert set(header) - {"content_header"} <= set(unary), verb


def test_closed_sets_are_enums_not_strings() -> None:
    from clearmark.v1 import types_pb2 as pb

    fields = pb.ProvenanceRecord.DESCRIPTOR.fields_by_name
    assert fields["verb"].enum_type.full_name == "clearmark.v1.Verb"
    assert fields["media_kind"].enum_type.full_name == "clearmark.v1.MediaKind"
