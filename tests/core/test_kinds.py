"""Signal kinds and attribute names live in one place: no layer spells a kind as a string literal."""

from __future__ import annotations

import ast
from pathlib import Path

from clearmark.core.kinds import FINGERPRINT_PREFIX, Attr, SignalKind, classifier_kind, fingerprint_kind, watermark_kind

SOURCE = Path(__file__).parents[2] / "src" / "clearmark"
HOME = SOURCE / "core" / "kinds.py"
GENERATED = SOURCE / "v1"
KIND_VALUES = {kind.value for kind in SignalKind}


def _kind_literals(path: Path) -> list[tuple[int, str]]:
    """Kind strings a module uses the way kinds are used: ``kind=``, compared, looked up, or as dict keys.

    Detector names, requirement ids and finding labels may read like a kind; they are other names.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "kind":
            found.append(node.value)
        elif isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                found.extend(operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) else [operand])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "of_kind":
            found.extend(node.args)
        elif isinstance(node, ast.Dict):
            found.extend(key for key in node.keys if key is not None)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "").endswith("_KIND") for t in node.targets):
            found.append(node.value)
    return [
        (node.lineno, node.value)
        for node in found
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in KIND_VALUES
    ]


def test_no_module_spells_a_signal_kind() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}:{line}: {value!r}"
        for path in SOURCE.rglob("*.py")
        if path != HOME and GENERATED not in path.parents
        for line, value in _kind_literals(path)
    ]
    assert offenders == [], "use clearmark.core.kinds.SignalKind instead of string literals"


def test_the_guard_sees_a_literal_kind(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text('x = [s for s in signals if s.kind == "aigc.metadata_label"]\nSignal(kind="ocr.text")\n')
    assert sorted(value for _, value in _kind_literals(module)) == ["aigc.metadata_label", "ocr.text"]


def test_kinds_are_dotted_and_unique() -> None:
    assert all("." in kind.value for kind in SignalKind)
    assert len(KIND_VALUES) == len(SignalKind)
    assert len({attr.value for attr in Attr}) == len(Attr)


def test_family_kinds() -> None:
    assert fingerprint_kind("midjourney") == "fingerprint.midjourney"
    assert fingerprint_kind("x").startswith(FINGERPRINT_PREFIX)
    assert classifier_kind("ai_image") == "classifier.ai_image"
    assert watermark_kind("clearmark") == SignalKind.WATERMARK_CLEARMARK


def test_kinds_compare_equal_to_their_wire_strings() -> None:
    # Signals travel as protobuf strings; a StrEnum member equals its value, so both sides match.
    assert SignalKind.METADATA_LABEL == "aigc.metadata_label"
    assert {SignalKind.OCR_TEXT: 1}["ocr.text"] == 1
