"""The OCR model rewrite on the bundled PP-OCRv4 models: deterministic, every hard-swish fused, outputs kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from clearmark.detectors.ocr_graph import op_counts, rewrite_ocr_model

MODELS = Path(__import__("rapidocr_onnxruntime").__file__).parent / "models"
DETECTOR, RECOGNISER = "ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"


def _run(model: bytes, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


@pytest.mark.parametrize(
    ("model", "shape"),
    [(DETECTOR, (1, 3, 96, 160)), (RECOGNISER, (1, 3, 48, 320))],
)
def test_the_bundled_models_lose_every_hard_swish_chain_and_keep_their_outputs(model: str, shape: tuple) -> None:
    original = (MODELS / model).read_bytes()
    rewritten, counts = rewrite_ocr_model(original)
    assert counts.hard_swishes >= 24 and counts.conv_affines >= 28
    assert op_counts(rewritten)["Clip"] == counts.residual_gates  # every hard-swish's Clip is gone
    pixels = np.random.default_rng(11).uniform(-1.0, 1.0, shape).astype(np.float32)
    before, after = _run(original, pixels), _run(rewritten, pixels)
    assert np.abs(after - before).max() < 1e-4
    if "rec" in model:
        assert (after.argmax(axis=-1) == before.argmax(axis=-1)).all()


@pytest.mark.parametrize("model", [DETECTOR, RECOGNISER])
def test_the_rewrite_of_a_bundled_model_is_deterministic(model: str) -> None:
    original = (MODELS / model).read_bytes()
    assert rewrite_ocr_model(original)[0] == rewrite_ocr_model(original)[0]


def test_fields_outside_the_schema_subset_survive_the_rewrite() -> None:
    # The recogniser's character list lives in the model's metadata, a field the subset does not declare.
    original = (MODELS / RECOGNISER).read_bytes()
    rewritten, _ = rewrite_ocr_model(original)
    sessions = [onnxruntime.InferenceSession(m, providers=["CPUExecutionProvider"]) for m in (original, rewritten)]
    before, after = (s.get_modelmeta().custom_metadata_map for s in sessions)
    assert after == before and len(after["character"].splitlines()) > 6000
    inputs = [[(i.name, i.shape) for i in s.get_inputs()] for s in sessions]
    assert inputs[1] == inputs[0]


@pytest.mark.parametrize("model", [DETECTOR, RECOGNISER])
def test_the_rewritten_models_pass_the_onnx_checker(model: str) -> None:
    onnx = pytest.importorskip("onnx")  # the test extra: an independent checker of what the schema subset wrote
    rewritten, _ = rewrite_ocr_model((MODELS / model).read_bytes())
    onnx.checker.check_model(onnx.load_from_string(rewritten))
