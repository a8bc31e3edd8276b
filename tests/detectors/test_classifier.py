"""Pluggable classifier: tiny random models saved here, loaded offline, batched, timed out, refused when broken."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from clearmark.core.enums import Category, MediaKind
from clearmark.detectors.classifier import (
    CALIBRATION_FORMAT,
    Calibration,
    ClassifierDetector,
    ClassifierError,
    ClassifierTimeout,
    DisabledClassifier,
    TransformersScorer,
    build_classifier,
)
from clearmark.detectors.registry import DetectorContext, build_detectors, run_detectors
from clearmark.media.asset import open_asset
from clearmark.media.limits import DEFAULT_LIMITS
from tests.detectors.fingerprint_samples import save

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

LABELS = {0: "human", 1: "artificial"}


def calibration_json(**overrides: Any) -> dict[str, Any]:
    raw = {
        "format": CALIBRATION_FORMAT,
        "task": "image-classification",
        "label": "artificial",
        "max_false_positive_rate": 0.05,
        "batch_size": 2,
        "points": [[0.0, 1.0], [0.4, 0.2], [0.6, 0.01], [1.0, 0.0]],
    }
    raw.update(overrides)
    return raw


def write_json(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def image_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ViT with a tiny config and random (seeded) weights, saved with its image processor."""
    torch.manual_seed(0)
    config = transformers.ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        id2label=LABELS,
        label2id={v: k for k, v in LABELS.items()},
    )
    directory = tmp_path_factory.mktemp("tiny-vit")
    transformers.ViTForImageClassification(config).save_pretrained(directory)
    transformers.ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def text_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A BERT with a tiny config, random weights and a twelve-word vocabulary."""
    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("tiny-bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "this", "text", "was", "written", "by", "a", "model"]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    transformers.BertTokenizer(vocab_file=str(directory / "vocab.txt")).save_pretrained(directory)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        id2label=LABELS,
        label2id={v: k for k, v in LABELS.items()},
    )
    transformers.BertForSequenceClassification(config).save_pretrained(directory)
    return directory


def images(count: int) -> list[Image.Image]:
    return [
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (40 + i, 50, 3), dtype=np.uint8))
        for i in range(count)
    ]


def test_calibration_interpolates_and_clamps() -> None:
    calibration = Calibration.from_json(calibration_json())
    assert calibration.false_positive_rate(-1.0) == 1.0
    assert calibration.false_positive_rate(0.2) == pytest.approx(0.6)
    assert calibration.false_positive_rate(0.5) == pytest.approx(0.105)
    assert calibration.false_positive_rate(2.0) == 0.0


@pytest.mark.parametrize(
    "overrides",
    [
        {"format": "other/1"},
        {"task": "object-detection"},
        {"label": ""},
        {"points": [[0.5, 0.1]]},
        {"points": [[0.0, 0.1], [0.5, 0.2]]},  # rate rising with the score
        {"points": [[0.5, 1.0], [0.2, 0.1]]},  # scores falling
        {"points": [[0.0, 1.5], [1.0, 0.0]]},
        {"max_false_positive_rate": 0.5},
        {"max_false_positive_rate": "low"},
        {"batch_size": 0},
        {"files": ["model.safetensors"]},
    ],
)
def test_invalid_calibrations_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ClassifierError):
        Calibration.from_json(calibration_json(**overrides))


def test_unreadable_calibration_file(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match="cannot be read"):
        Calibration.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ClassifierError, match="cannot be read"):
        Calibration.load(tmp_path / "bad.json")


def test_not_configured_means_disabled() -> None:
    import clearmark.detectors  # noqa: F401  (registers every detector)

    (detector,) = build_detectors(DetectorContext(), names=["classifier"])
    assert isinstance(detector, DisabledClassifier) and detector.kinds == frozenset()
    assert run_detectors([detector], open_asset(save("png"), DEFAULT_LIMITS)) == ()


def test_model_loads_offline_and_batches(image_model: Path) -> None:
    scorer = TransformersScorer(image_model, Calibration.from_json(calibration_json()))
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    calls = []
    scorer._model.register_forward_hook(lambda module, args, output: calls.append(output.logits.shape[0]))
    batch = scorer.scores(images(5))
    assert calls == [2, 2, 1]
    assert all(0.0 <= s <= 1.0 for s in batch)
    one_by_one = [scorer.scores([image])[0] for image in images(5)]
    assert batch == pytest.approx(one_by_one, abs=1e-5)
    assert scorer.model_id.startswith(image_model.name + "@")


def test_scoring_stops_between_batches_when_the_deadline_passes(image_model: Path) -> None:
    scorer = TransformersScorer(image_model, Calibration.from_json(calibration_json()))
    with pytest.raises(ClassifierTimeout, match="after 0 of 3"):
        scorer.scores(images(3), deadline=time.monotonic() - 1)


@pytest.mark.parametrize(("threshold", "hint"), [(0.49, Category.AI_SUSPECTED), (0.001, Category.NO_SIGNAL)])
def test_detector_hints_suspected_at_most(image_model: Path, tmp_path: Path, threshold: float, hint: Category) -> None:
    # A flat calibration: every score maps to a 0.01 false-positive rate.
    raw = calibration_json(points=[[0.0, 0.01], [1.0, 0.01]], max_false_positive_rate=threshold)
    context = DetectorContext(
        classifier_dir=image_model, classifier_calibration=write_json(tmp_path / "cal.json", raw), classifier_name="vit"
    )
    with build_classifier(context) as detector:
        (signal,) = detector.detect(open_asset(save("jpeg"), DEFAULT_LIMITS))
    assert signal.kind == "classifier.vit" and signal.category_hint is hint
    assert signal.attribute("status") == "ok" and signal.attribute("false_positive_rate") == "0.010000"
    assert signal.confidence == pytest.approx(0.99)
    assert 0.0 <= float(signal.attribute("score")) <= 1.0


def test_pinned_checksums_are_checked(image_model: Path, tmp_path: Path) -> None:
    weights = (image_model / "model.safetensors").read_bytes()
    good = {"model.safetensors": hashlib.sha256(weights).hexdigest()}
    TransformersScorer(image_model, Calibration.from_json(calibration_json(files=good)))
    with pytest.raises(ClassifierError, match="pins"):
        TransformersScorer(image_model, Calibration.from_json(calibration_json(files={"model.safetensors": "0" * 64})))
    with pytest.raises(ClassifierError, match="cannot be read"):
        TransformersScorer(image_model, Calibration.from_json(calibration_json(files={"absent.bin": "0" * 64})))


def test_configured_but_broken_fails_at_build_time(image_model: Path, tmp_path: Path) -> None:
    calibration = write_json(tmp_path / "cal.json", calibration_json())
    cases = {
        "without a calibration": DetectorContext(classifier_dir=image_model),
        "no config.json": DetectorContext(classifier_dir=tmp_path, classifier_calibration=calibration),
        "no output 'synthetic'": DetectorContext(
            classifier_dir=image_model,
            classifier_calibration=write_json(tmp_path / "other.json", calibration_json(label="synthetic")),
        ),
        "must match": DetectorContext(
            classifier_dir=image_model, classifier_calibration=calibration, classifier_name="Bad Name"
        ),
    }
    for message, context in cases.items():
        with pytest.raises(ClassifierError, match=message):
            build_classifier(context)


def test_corrupt_weights_fail_clearly(image_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "preprocessor_config.json"):
        (broken / name).write_bytes((image_model / name).read_bytes())
    (broken / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ClassifierError, match="cannot be loaded"):
        TransformersScorer(broken, Calibration.from_json(calibration_json()))


def test_missing_ml_extra_is_a_clear_error(image_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ClassifierError, match="'ml' extra"):
        TransformersScorer(image_model, Calibration.from_json(calibration_json()))


class SlowScorer:
    model_id = "slow@0"

    def __init__(self, delay: float, error: Exception | None = None) -> None:
        self.delay, self.error = delay, error

    def scores(self, items: Sequence[Any], deadline: float | None = None) -> list[float]:
        time.sleep(self.delay)
        if self.error:
            raise self.error
        return [0.9 for _ in items]


def test_a_slow_model_times_out_into_a_signal() -> None:
    calibration = Calibration.from_json(calibration_json())
    asset = open_asset(save("png"), DEFAULT_LIMITS)
    with ClassifierDetector("slow", SlowScorer(0.5), calibration, timeout_s=0.05) as detector:
        (signal,) = detector.detect(asset)
    assert signal.attribute("status") == "timeout" and signal.category_hint is Category.NO_SIGNAL
    assert signal.confidence == 0.0 and "did not answer" in signal.message


def test_a_model_error_on_one_input_is_reported_not_raised() -> None:
    calibration = Calibration.from_json(calibration_json())
    with ClassifierDetector("flaky", SlowScorer(0.0, RuntimeError("shape mismatch")), calibration, 5.0) as detector:
        (signal,) = detector.detect(open_asset(save("png"), DEFAULT_LIMITS))
    assert signal.attribute("status") == "error" and "shape mismatch" in signal.message


def test_many_items_are_scored_within_one_budget() -> None:
    calibration = Calibration.from_json(calibration_json())
    with ClassifierDetector("fast", SlowScorer(0.0), calibration, 5.0) as detector:
        assert detector.score_items(images(7)) == [0.9] * 7


def test_text_classifier(text_model: Path) -> None:
    calibration = Calibration.from_json(calibration_json(task="text-classification"))
    scorer = TransformersScorer(text_model, calibration)
    scores = scorer.scores(["this text was written by a model", "text", "a model", "unknown words here"])
    assert len(scores) == 4 and all(0.0 <= s <= 1.0 for s in scores)
    detector = ClassifierDetector("bert", scorer, calibration, 5.0)
    assert detector.kinds == frozenset({MediaKind.TEXT, MediaKind.DOCUMENT})
    detector.close()
