"""Pluggable ML classifier: a local transformers model plus a calibration that maps its score to a false-positive rate.

The model (image-classification, or text-classification) is loaded from a directory named in the
configuration with ``HF_HUB_OFFLINE=1`` and ``local_files_only``: nothing is ever downloaded.
Its calibration file (JSON, below) says which output label means "AI-generated", how scores map
to the false-positive rate measured on human-made content, and the highest rate accepted; it may
pin the model files by SHA-256. A score whose calibrated false-positive rate is at or below that
threshold makes a ``classifier.<name>`` signal hinting ``AI_SUSPECTED`` — never ``AI_GENERATED``:
a classifier is a trace, not proof. Without configuration the detector is disabled; configured
but broken, building it raises ``ClassifierError``. torch and transformers are imported only
when a model is loaded, so the core service runs without them.

Calibration format (``clearmark-classifier-calibration/1``)::

    {"format": "clearmark-classifier-calibration/1", "task": "image-classification",
     "label": "artificial", "max_false_positive_rate": 0.01, "batch_size": 8,
     "points": [[0.0, 1.0], [0.5, 0.2], [0.9, 0.01], [0.99, 0.001]],
     "files": {"model.safetensors": "<sha256 hex>"}}

``points`` are (score, false-positive rate) pairs, scores increasing and rates not increasing;
rates between points are interpolated linearly and clamped at the ends.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from clearmark.core.enums import Category, MediaKind
from clearmark.core.errors import ClearMarkError
from clearmark.core.kinds import classifier_kind
from clearmark.core.signals import Location, Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset

CALIBRATION_FORMAT = "clearmark-classifier-calibration/1"
TASKS = {
    "image-classification": frozenset({MediaKind.IMAGE}),
    "text-classification": frozenset({MediaKind.TEXT, MediaKind.DOCUMENT}),
}
MAX_TEXT_CHARS = 20_000
_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


class ClassifierError(ClearMarkError):
    """A configured classifier cannot be used: missing files, bad calibration, checksum or model errors."""

    default_reason = "CLASSIFIER_INVALID"


class ClassifierTimeout(ClearMarkError):
    """Scoring did not finish within its time budget."""

    default_reason = "CLASSIFIER_TIMEOUT"


@dataclass(frozen=True)
class Calibration:
    """How to read a model's score: the AI label, score → false-positive rate, and the accepted rate."""

    task: str
    label: str
    points: tuple[tuple[float, float], ...]
    max_false_positive_rate: float
    batch_size: int = 8
    files: tuple[tuple[str, str], ...] = ()

    def false_positive_rate(self, score: float) -> float:
        """The calibrated false-positive rate at ``score`` (linear between points, clamped at the ends)."""
        points = self.points
        if score <= points[0][0]:
            return points[0][1]
        for (s0, f0), (s1, f1) in zip(points, points[1:], strict=False):
            if score <= s1:
                return f0 + (f1 - f0) * (score - s0) / (s1 - s0) if s1 > s0 else f1
        return points[-1][1]

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read and validate a calibration file.

        Raises:
            ClassifierError: unreadable, not JSON, or any field invalid.
        """
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ClassifierError(f"classifier calibration {path} cannot be read: {exc}") from None
        return cls.from_json(raw, str(path))

    @classmethod
    def from_json(cls, raw: Any, where: str = "calibration") -> Calibration:
        """Validate a parsed calibration object.

        Raises:
            ClassifierError: a field is missing or out of range.
        """
        if not isinstance(raw, dict) or raw.get("format") != CALIBRATION_FORMAT:
            raise ClassifierError(f"{where}: not a {CALIBRATION_FORMAT} object")
        task, label = raw.get("task"), raw.get("label")
        if task not in TASKS:
            raise ClassifierError(f"{where}: task must be one of {sorted(TASKS)}, got {task!r}")
        if not isinstance(label, str) or not label:
            raise ClassifierError(f"{where}: label must name the model output that means AI-generated")
        try:
            points = tuple((float(s), float(f)) for s, f in raw.get("points", ()))
            threshold = float(raw.get("max_false_positive_rate"))
            batch_size = int(raw.get("batch_size", 8))
        except (TypeError, ValueError):
            raise ClassifierError(f"{where}: points, max_false_positive_rate and batch_size must be numbers") from None
        if len(points) < 2:
            raise ClassifierError(f"{where}: at least two (score, false-positive rate) points are needed")
        if any(not (0.0 <= f <= 1.0) for _, f in points) or not 0.0 < threshold < 0.5:
            raise ClassifierError(f"{where}: rates must lie in [0, 1] and max_false_positive_rate in (0, 0.5)")
        if any(b[0] < a[0] or b[1] > a[1] for a, b in zip(points, points[1:], strict=False)):
            raise ClassifierError(f"{where}: scores must increase and false-positive rates must not")
        if not 1 <= batch_size <= 256:
            raise ClassifierError(f"{where}: batch_size must be 1..256")
        files = raw.get("files", {})
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ClassifierError(f"{where}: files must map file names to SHA-256 hex digests")
        return cls(task, label, points, threshold, batch_size, tuple(sorted(files.items())))


class Scorer(Protocol):
    """Scores items (PIL images or strings) in batches: the probability of the calibrated AI label."""

    model_id: str

    def scores(self, items: Sequence[Any], deadline: float | None = None) -> list[float]:
        """One score in [0, 1] per item; raises ClassifierTimeout when ``deadline`` passes between batches."""
        ...


class TransformersScorer:
    """A transformers image- or text-classification model on the CPU, loaded from a local directory only.

    Raises:
        ClassifierError: torch/transformers missing, files missing or not matching their checksums,
            the model not loadable, or the calibrated label not among its outputs.
    """

    def __init__(self, model_dir: Path, calibration: Calibration) -> None:
        self.model_id = f"{model_dir.name}@{_verify_files(model_dir, calibration)[:12]}"
        self._calibration = calibration
        os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers reads it: never reach a hub
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            import torch
            import transformers
        except ImportError as exc:
            raise ClassifierError(f"the classifier needs the 'ml' extra (torch, transformers): {exc}") from None
        self._torch = torch
        try:
            if calibration.task == "image-classification":
                self._model = transformers.AutoModelForImageClassification.from_pretrained(
                    model_dir, local_files_only=True
                )
                self._processor = transformers.AutoImageProcessor.from_pretrained(model_dir, local_files_only=True)
            else:
                self._model = transformers.AutoModelForSequenceClassification.from_pretrained(
                    model_dir, local_files_only=True
                )
                self._processor = transformers.AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        except Exception as exc:  # loaders raise many types (OSError, SafetensorError, …): all mean "broken"
            raise ClassifierError(
                f"classifier model in {model_dir} cannot be loaded: {type(exc).__name__}: {exc}"
            ) from None
        self._model.eval()
        labels = {str(v).lower(): int(k) for k, v in self._model.config.id2label.items()}
        if calibration.label.lower() not in labels:
            raise ClassifierError(
                f"classifier model in {model_dir} has no output {calibration.label!r}; it has {sorted(labels)}"
            )
        self._index = labels[calibration.label.lower()]

    def scores(self, items: Sequence[Any], deadline: float | None = None) -> list[float]:
        results: list[float] = []
        size = self._calibration.batch_size
        for start in range(0, len(items), size):
            if deadline is not None and time.monotonic() > deadline:
                raise ClassifierTimeout(f"classifier timed out after {start} of {len(items)} items")
            batch = list(items[start : start + size])
            if self._calibration.task == "image-classification":
                inputs = self._processor(images=[image.convert("RGB") for image in batch], return_tensors="pt")
            else:
                inputs = self._processor(batch, truncation=True, padding=True, return_tensors="pt")
            with self._torch.inference_mode():
                logits = self._model(**inputs).logits
            probabilities = logits.float().softmax(dim=-1)[:, self._index]
            results.extend(float(p) for p in probabilities)
        return results


def _verify_files(model_dir: Path, calibration: Calibration) -> str:
    """Check the directory and the pinned checksums; the SHA-256 of the pinned files (or of config.json)."""
    if not (model_dir / "config.json").is_file():
        raise ClassifierError(f"classifier directory {model_dir} has no config.json (is it a transformers model?)")
    digest = hashlib.sha256()
    for name, expected in calibration.files or (("config.json", ""),):
        path = model_dir / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ClassifierError(f"classifier file {path} cannot be read: {exc.strerror or exc}") from None
        actual = hashlib.sha256(data).hexdigest()
        if expected and actual != expected.lower():
            raise ClassifierError(f"classifier file {path} has SHA-256 {actual}, calibration pins {expected}")
        digest.update(actual.encode())
    return digest.hexdigest()


class ClassifierDetector:
    """Scores each asset with the configured model; one ``classifier.<name>`` signal per asset.

    Scoring runs on a private worker thread so a call can be abandoned after ``timeout_s``
    (reported as ``status=timeout``); close the detector to stop the thread.
    """

    name = "classifier"
    version = "1"

    def __init__(self, name: str, scorer: Scorer, calibration: Calibration, timeout_s: float) -> None:
        if not _NAME.match(name):
            raise ClassifierError(f"classifier name {name!r} must match {_NAME.pattern}")
        self.kinds = TASKS[calibration.task]
        self._label = name
        self._scorer = scorer
        self._calibration = calibration
        self._timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"classifier-{name}")

    def close(self) -> None:
        """Stop the worker thread (waiting for a running call)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ClassifierDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score_items(self, items: Sequence[Any]) -> list[float]:
        """Scores of many items in the model's batches, within ``timeout_s`` overall.

        Raises:
            ClassifierTimeout: the time budget ran out.
        """
        deadline = time.monotonic() + self._timeout_s
        future = self._pool.submit(self._scorer.scores, items, deadline)
        try:
            return future.result(timeout=self._timeout_s)
        except FutureTimeout:
            future.cancel()
            raise ClassifierTimeout(f"classifier did not answer within {self._timeout_s} s") from None

    def detect(self, asset: Asset) -> list[Signal]:
        item: Any = asset.image.image if asset.kind is MediaKind.IMAGE else asset.text.text[:MAX_TEXT_CHARS]
        try:
            score = self.score_items([item])[0]
        except ClassifierTimeout as exc:
            return [self._signal("timeout", None, exc.message)]
        except (RuntimeError, ValueError, TypeError) as exc:  # the model choked on this input
            return [self._signal("error", None, f"classifier failed: {type(exc).__name__}: {exc}")]
        return [self._signal("ok", score, "")]

    def _signal(self, status: str, score: float | None, problem: str) -> Signal:
        calibration = self._calibration
        attributes = [
            ("status", status),
            ("model", self._scorer.model_id),
            ("label", calibration.label),
            ("task", calibration.task),
            ("max_false_positive_rate", f"{calibration.max_false_positive_rate:g}"),
        ]
        if score is None:
            return Signal(
                source=self.name,
                kind=classifier_kind(self._label),
                confidence=0.0,
                rule_id=f"classifier.{self._label}",
                rule_version=self.version,
                category_hint=Category.NO_SIGNAL,
                location=Location(carrier="pixels" if calibration.task.startswith("image") else "text"),
                message=problem,
                attributes=tuple(attributes),
            )
        fpr = calibration.false_positive_rate(score)
        above = fpr <= calibration.max_false_positive_rate
        attributes += [
            ("score", f"{score:.6f}"),
            ("false_positive_rate", f"{fpr:.6f}"),
            ("above_threshold", str(above).lower()),
        ]
        return Signal(
            source=self.name,
            kind=classifier_kind(self._label),
            confidence=round(max(0.0, min(1.0, 1.0 - fpr)), 6),
            rule_id=f"classifier.{self._label}",
            rule_version=self.version,
            # A classifier can raise suspicion, never prove generation.
            category_hint=Category.AI_SUSPECTED if above else Category.NO_SIGNAL,
            location=Location(carrier="pixels" if calibration.task.startswith("image") else "text"),
            message=(
                f"{self._scorer.model_id} scores {score:.3f} for {calibration.label!r}: false-positive rate "
                f"{fpr:.4f} {'<=' if above else '>'} {calibration.max_false_positive_rate:g}"
            ),
            attributes=tuple(attributes),
        )


class DisabledClassifier:
    """Stands in when no classifier is configured: handles no modality, finds nothing."""

    name = "classifier"
    version = "1"
    kinds: frozenset[MediaKind] = frozenset()

    def detect(self, asset: Asset) -> list[Signal]:
        return []


def build_classifier(context: DetectorContext) -> ClassifierDetector | DisabledClassifier:
    """The configured classifier, or the disabled stand-in when ``classifier_dir`` is not set.

    Raises:
        ClassifierError: a directory is configured but the calibration is missing or invalid, or
            the model cannot be loaded.
    """
    if context.classifier_dir is None:
        return DisabledClassifier()
    if context.classifier_calibration is None:
        raise ClassifierError(f"classifier {context.classifier_dir} is configured without a calibration file")
    calibration = Calibration.load(context.classifier_calibration)
    scorer = TransformersScorer(context.classifier_dir, calibration)
    return ClassifierDetector(context.classifier_name, scorer, calibration, context.classifier_timeout_s)


register_detector(ClassifierDetector.name)(build_classifier)
