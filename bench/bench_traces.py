"""Synthesis traces: fingerprints of a 10 MP PNG against a bare chunk walk; OCR of edge bands against a whole frame."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import ImageDraw, PngImagePlugin

from bench.harness import measure, report
from bench.images import photo_like
from clearmark.core.enums import Corner
from clearmark.detectors.fingerprints import GeneratorFingerprintDetector
from clearmark.detectors.ocr import OcrSettings, ocr_frame, shared_ocr_engine
from clearmark.labels import NoticeSpec, render_image_notice
from clearmark.media.asset import open_asset
from clearmark.media.formats.png import make_chunk, parse_chunks
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.notice import load_notice_font

PARAMETERS = (
    "a lighthouse at dusk\nNegative prompt: blurry\n"
    "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1, Size: 3872x2592, Model hash: 6ce0161689"
)
WORKFLOW = '{"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": [[1, 4, 0, 3, 0, "MODEL"]]}'


def png_10mp() -> bytes:
    """A 3872x2592 photo-like PNG with A1111 parameters before IDAT and a ComfyUI workflow after it."""
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", PARAMETERS)
    out = io.BytesIO()
    photo_like(3872, 2592).save(out, format="PNG", pnginfo=info, compress_level=1)
    data = out.getvalue()
    at = data.rindex(b"IEND") - 4
    return data[:at] + make_chunk(b"tEXt", b"workflow\x00" + WORKFLOW.encode()) + data[at:]


def bare_chunk_walk(data: bytes) -> int:
    """Length and type of every chunk, nothing else: the least any PNG metadata reader must do."""
    pos, count = 8, 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        pos += 12 + length
        count += 1
        if kind == b"IEND":
            break
    return count


def frame_1080p() -> np.ndarray:
    """A 1920x1080 photo-like frame with two lines of text mid-frame and a 5 % notice in the bottom-right corner."""
    font = load_notice_font()
    scene = photo_like(1920, 1080)
    draw = ImageDraw.Draw(scene)
    draw.text(
        (560, 420),
        "海港夜市 每晚六点开放",
        font=font.at(64),
        fill=(250, 250, 250),
        stroke_width=3,
        stroke_fill=(0, 0, 0),
    )
    draw.text(
        (560, 520),
        "Harbour night market",
        font=font.at(56),
        fill=(250, 250, 250),
        stroke_width=3,
        stroke_fill=(0, 0, 0),
    )
    spec = NoticeSpec(text="AI生成", corner=Corner.BOTTOM_RIGHT, height_ratio=0.05)
    drawn, _ = render_image_notice(scene, spec, font)
    return np.asarray(drawn.convert("RGB"))


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    data = png_10mp()
    detector = GeneratorFingerprintDetector()
    parsed = open_asset(data, DEFAULT_LIMITS)
    parsed.metadata  # noqa: B018  (Inspect's other detectors have read it already)
    assert [s.kind for s in detector.detect(parsed)] == ["fingerprint.automatic1111", "fingerprint.comfyui"]
    fingerprints = measure(
        {
            "fingerprint scan, fresh asset": lambda: detector.detect(open_asset(data, DEFAULT_LIMITS)),
            "fingerprint scan, metadata already read": lambda: detector.detect(parsed),
            "clearmark chunk walk (CRC of every chunk)": lambda: parse_chunks(data),
            "bare chunk walk": lambda: bare_chunk_walk(data),
        },
        repeats=repeats,
    )
    frame = frame_1080p()
    engine = shared_ocr_engine()
    whole = OcrSettings(whole_image=True)
    assert [line.text for line in ocr_frame(frame, engine)] == ["AI生成"]
    assert len(ocr_frame(frame, engine, whole)) == 3
    from rapidocr_onnxruntime import RapidOCR

    stock = RapidOCR(intra_op_num_threads=1)
    bgr = np.ascontiguousarray(frame[..., ::-1])
    ocr = measure(
        {
            "ocr edge bands (default)": lambda: ocr_frame(frame, engine),
            "ocr whole frame": lambda: ocr_frame(frame, engine, whole),
            "rapidocr stock call, whole frame, 1 thread": lambda: stock(bgr, use_cls=False),
        },
        repeats=max(3, repeats // 3),
    )
    return (
        report(
            f"Fingerprint scan of a 10 MP PNG ({len(data) // (1024 * 1024)} MiB, a chunk after IDAT)",
            fingerprints,
            [
                ("fingerprint scan, fresh asset", "bare chunk walk"),
                ("fingerprint scan, metadata already read", "bare chunk walk"),
                ("clearmark chunk walk (CRC of every chunk)", "bare chunk walk"),
            ],
        )
        + "\n"
        + report(
            "OCR of a 1920x1080 frame with a 5 % notice: edge bands against the whole frame",
            ocr,
            [
                ("ocr edge bands (default)", "ocr whole frame"),
                ("ocr edge bands (default)", "rapidocr stock call, whole frame, 1 thread"),
            ],
        )
    )
