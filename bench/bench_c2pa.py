"""C2PA sign and read of a 1080p JPEG: ClearMark's writer and reader against bare c2pa-python calls."""

from __future__ import annotations

import io
import json
import logging
import tempfile
from pathlib import Path

import c2pa

from bench.harness import measure, report
from bench.images import jpeg_1080p
from clearmark.core.aigc import AigcLabel
from clearmark.labels.c2pa_manifest import ACTION_CREATED, C2paSigning, sign_manifest
from clearmark.media.c2pa_settings import C2paTrust
from clearmark.media.c2pa_store import read_manifest_report
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_dev_signing_material
from clearmark.service.pipelines import StampJob, inspect_content, stamp_content

PRODUCER = "001191440300708461136T1XGW3"
LABEL = AigcLabel("1", PRODUCER, "CM-bench", "", PRODUCER, "CM-bench", "")
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    source = jpeg_1080p()
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)  # the dev-key warning is expected here
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-c2pa-") as directory:
        material = ensure_dev_signing_material(Path(directory))
        signing = C2paSigning(material.cert_chain_pem, material.private_key_pem, material.algorithm)
        anchors = material.ca_cert_pem.read_text()  # type: ignore[union-attr]
        trust = C2paTrust(anchors_pem=anchors)
        chain, key = material.cert_chain_pem.read_bytes(), material.private_key_pem.read_bytes()
        definition = {
            "claim_generator_info": [{"name": "ClearMark", "version": "bench"}],
            "assertions": [
                {
                    "label": "c2pa.actions",
                    "data": {"actions": [{"action": ACTION_CREATED, "digitalSourceType": TRAINED}]},
                },
                {"label": "org.clearmark.gb45438", "data": {"AIGC": LABEL.as_ordered_dict()}},
            ],
        }

        def raw_sign() -> bytes:
            signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", chain, key, None))
            context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}}, signer)
            output = io.BytesIO()
            with context, c2pa.Builder(definition, context) as builder:
                builder.sign("image/jpeg", io.BytesIO(source), output)
            return output.getvalue()

        def ours_sign() -> bytes:
            return sign_manifest(
                source,
                "image/jpeg",
                signing,
                action=ACTION_CREATED,
                digital_source_type=TRAINED,
                software_agent="bench-model",
                claim_generator="ClearMark/bench",
                aigc_label=LABEL,
            ).content

        signed = ours_sign()

        def raw_read() -> None:
            context = c2pa.Context.from_dict({"trust": {"user_anchors": anchors}})
            with context, c2pa.Reader("image/jpeg", io.BytesIO(signed), None, context) as reader:
                json.loads(reader.json())

        def ours_read() -> None:
            result = read_manifest_report(signed, "image/jpeg", trust)
            assert result is not None and result.validation_state == "Trusted"

        settings = Settings(data_dir=Path(directory), c2pa_trust_anchors=material.ca_cert_pem)
        config = pipeline_config(settings, material)
        job = StampJob(request_id="bench", tenant="bench", content=source, producer_code=PRODUCER, model="bench-model")
        stamped = stamp_content(job, config).content

        timings = measure(
            {
                "clearmark Stamp (notice+XMP+C2PA)": lambda: stamp_content(job, config),
                "clearmark Inspect (all detectors)": lambda: inspect_content(stamped, config),
                "clearmark sign_manifest": ours_sign,
                "c2pa-python sign": raw_sign,
                "clearmark read_manifest_report": ours_read,
                "c2pa-python read + json": raw_read,
            },
            repeats=repeats,
        )
    return report(
        f"C2PA, 1920x1080 JPEG ({len(source) // 1024} KiB), ES256, no thumbnail, no TSA",
        timings,
        [
            ("clearmark Stamp (notice+XMP+C2PA)", "c2pa-python sign"),
            ("clearmark Inspect (all detectors)", "c2pa-python read + json"),
            ("clearmark sign_manifest", "c2pa-python sign"),
            ("clearmark read_manifest_report", "c2pa-python read + json"),
        ],
    )
