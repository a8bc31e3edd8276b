"""What deciding once with the registry costs: Inspect of a stamped JPEG with the registry asked in the
worker vs the same Inspect with no registry; and PDF text read in display order vs pypdf's stream order."""

from __future__ import annotations

import io
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from bench.harness import measure, report
from bench.images import photo_like
from clearmark.core.enums import AppliedLabel
from clearmark.media.documents.pdf_reading import page_text_in_display_order
from clearmark.media.registry import format_named
from clearmark.media.text import NoticePosition
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, stamp_content
from clearmark.service.pipelines.workers import registry_view
from clearmark.service.registry import ProvenanceRecord, RegistryStore

PRODUCER = "001191440300708461136T1XGW3"
SAMPLES = Path(__file__).parents[1] / "tests" / "fixtures" / "pdf-samples"


def _stamped_jpeg(config: PipelineConfig) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    photo_like(1920, 1080, seed=3).save(buffer, "JPEG", quality=90)
    outcome = stamp_content(StampJob("bench", "bench", buffer.getvalue(), PRODUCER, id_salt="bench"), config)
    return outcome.content, outcome.produce_id


def _registry_with(url: str, produce_id: str, records: int) -> None:
    """A registry of ``records`` Stamp records for this producer, one of them the stamped file's."""
    with RegistryStore(url) as store:
        store.migrate()
        for n in range(records):
            store.record(
                ProvenanceRecord(
                    record_id=uuid.uuid4().hex,
                    request_id=f"r{n}",
                    tenant="bench",
                    verb="stamp",
                    media_type="image/jpeg",
                    produce_id=produce_id if n == 0 else f"other-{n}",
                    propagate_id="",
                    producer_code=PRODUCER,
                    propagator_code="",
                    label_value="",
                    input_sha256=f"{n:064x}",
                    output_sha256=f"{n + 1:064x}",
                    labels_applied=(AppliedLabel.METADATA_PRODUCER,),
                    model="",
                    created_at=datetime.now(UTC),
                )
            )


def run(repeats: int) -> str:
    plain = PipelineConfig()
    content, produce_id = _stamped_jpeg(plain)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/registry.sqlite3"
        _registry_with(url, produce_id, 2000)
        asked = PipelineConfig(registry_url=url)
        registry_view(url)  # opened once per worker process, as in the service
        verbs = measure(
            {
                "inspect, registry asked": lambda: inspect_content(content, asked),
                "inspect, no registry": lambda: inspect_content(content, plain),
            },
            repeats=repeats,
        )
    pdf = format_named("pdf").container
    stamped_pdf = pdf.insert_notice(
        (SAMPLES / "google-doc-document.pdf").read_bytes(), "AI生成", positions=(NoticePosition.START,)
    )
    page = PdfReader(io.BytesIO(stamped_pdf)).pages[0]
    reading = measure(
        {
            "page text in display order": lambda: page_text_in_display_order(page),
            "pypdf extract_text": lambda: page.extract_text(),
        },
        repeats=repeats * 4,
    )
    return (
        report(
            "Inspect of a stamped 1920x1080 JPEG (label, C2PA, mark), registry of 2,000 Stamp records",
            verbs,
            [("inspect, registry asked", "inspect, no registry")],
        )
        + "\n"
        + report(
            "One PDF page (Google Docs sample, our notice drawn on top)",
            reading,
            [("page text in display order", "pypdf extract_text")],
        )
    )
