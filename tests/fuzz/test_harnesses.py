"""The fuzz harnesses: one per supported format, clean on their seeds, and on every input fuzzing once broke."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz.harnesses import HARNESSES

from clearmark.media.registry import supported_formats
from clearmark.media.sniff import sniff_format

ROOT = Path(__file__).resolve().parents[2]
REGRESSIONS = sorted((ROOT / "fuzz" / "regressions").iterdir())


def test_every_supported_format_has_a_harness() -> None:
    assert set(HARNESSES) == {spec.name for spec in supported_formats()}


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
def test_inputs_fuzzing_found_are_refused_cleanly(path: Path) -> None:
    data = path.read_bytes()
    HARNESSES[sniff_format(data).name](data)  # raises anything but ClearMarkError on a regression


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "fixtures" / "c2pa").glob("*.jpg")), ids=lambda p: p.name)
def test_real_files_pass_the_jpeg_harness(path: Path) -> None:
    HARNESSES["jpeg"](path.read_bytes())


def test_seed_corpora_are_written_for_every_reader(tmp_path: Path) -> None:
    from fuzz.seeds import write_seeds

    counts = write_seeds(tmp_path)
    assert set(counts) == set(HARNESSES) and all(counts.values()), counts
    for reader in HARNESSES:
        for seed in (tmp_path / reader).iterdir():
            HARNESSES[reader](seed.read_bytes())
