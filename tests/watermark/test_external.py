"""Plug-in readers of other systems' marks load only from operator-supplied, checksummed weights."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from clearmark.watermark.external import (
    EXTERNAL_READER_FACTORIES,
    ExternalModelSpec,
    ExternalReading,
    WeightsMismatch,
    load_external_readers,
    register_external_reader,
)


class FakeReader:
    name = "fake-mark"
    version = "0"

    def __init__(self, weights: Path) -> None:
        self.weights = weights

    def read(self, image: Image.Image) -> ExternalReading | None:
        return ExternalReading(system="fake", confidence=0.75, payload_bits="1010") if image.width > 10 else None


@pytest.fixture
def fake_registered():
    register_external_reader("fake-mark")(FakeReader)
    yield
    del EXTERNAL_READER_FACTORIES["fake-mark"]


@pytest.fixture
def weights(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "decoder.onnx"
    path.write_bytes(b"not really a model")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.usefixtures("fake_registered")
def test_loads_checked_weights(weights: tuple[Path, str]) -> None:
    path, digest = weights
    (reader,) = load_external_readers([ExternalModelSpec("fake-mark", path, digest.upper())])
    assert isinstance(reader, FakeReader) and reader.weights == path


@pytest.mark.usefixtures("fake_registered")
def test_refuses_wrong_or_missing_weights(weights: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = weights
    with pytest.raises(WeightsMismatch):
        load_external_readers([ExternalModelSpec("fake-mark", path, "0" * 64)])
    with pytest.raises(WeightsMismatch):
        load_external_readers([ExternalModelSpec("fake-mark", tmp_path / "absent.onnx", "0" * 64)])


def test_unknown_reader_is_an_error(weights: tuple[Path, str]) -> None:
    path, digest = weights
    with pytest.raises(ValueError, match="no external watermark reader"):
        load_external_readers([ExternalModelSpec("trustmark", path, digest)])


def test_nothing_configured_loads_nothing() -> None:
    assert load_external_readers([]) == ()
