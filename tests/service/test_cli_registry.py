"""The registry commands of the CLI: lookup --similar and purge, in-process."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bench.images import photo_like

from clearmark.service.cli import EXIT_OK, EXIT_PROBLEMS, main
from clearmark.service.config import Settings
from clearmark.service.registry import RegistryStore
from tests.conftest import PRODUCER


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lookup_similar_and_purge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    source, stamped = tmp_path / "gen.png", tmp_path / "stamped.png"
    photo_like(480, 360, seed=5).save(source)
    assert run(capsys, "stamp", str(source), "-o", str(stamped), "--producer", PRODUCER, *data)[0] == EXIT_OK

    copy = tmp_path / "copy.jpg"
    buffer = io.BytesIO()
    from PIL import Image

    Image.open(stamped).convert("RGB").resize((240, 180)).save(buffer, "JPEG", quality=55)
    copy.write_bytes(buffer.getvalue())
    code, out, _ = run(capsys, "lookup", "--similar", str(copy), "--json", *data)
    assert code == EXIT_OK
    found = json.loads(out)["response"]  # the CLI's one JSON shape: the LookupResponse under "response"
    record = found["records"][0]
    assert record["perceptual_kind"] == "image" and found["distances"][record["record_id"]] <= 10
    code, out, _ = run(capsys, "lookup", "--similar", str(copy), *data)
    assert code == EXIT_OK and out.startswith("distance ")

    other = tmp_path / "other.png"
    photo_like(480, 360, seed=6).save(other)
    assert run(capsys, "lookup", "--similar", str(other), *data)[0] == EXIT_PROBLEMS

    # Nothing is old enough to purge yet; a record from last year is.
    code, out, _ = run(capsys, "purge", "--json", *data)
    assert code == EXIT_OK and json.loads(out)["records_deleted"] == 0
    settings = Settings(data_dir=tmp_path / "data")
    with RegistryStore(settings.resolved_registry_url) as store:
        old = store.find("default", produce_id=record["produce_id"])[0]
        from dataclasses import replace

        store.record(
            replace(
                old,
                record_id="0" * 32,
                request_id="old",
                produce_id="CMOLDRECORD",  # every Stamp has its own ProduceID
                created_at=datetime.now(UTC) - timedelta(days=365),
            )
        )
    code, out, _ = run(capsys, "purge", "--json", *data)
    assert code == EXIT_OK and json.loads(out)["records_deleted"] == 1
    assert run(capsys, "lookup", "--similar", str(copy), *data)[0] == EXIT_OK  # the recent record stays
