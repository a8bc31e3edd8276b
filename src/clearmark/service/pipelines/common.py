"""What every pipeline shares: a picklable configuration snapshot, ids, and per-process caches."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image

from clearmark.core.aigc import AigcLabel, producer_code_problems
from clearmark.core.enums import Corner
from clearmark.core.errors import FieldViolation, InvalidMedia, InvalidRequest
from clearmark.detectors.registry import Detector, DetectorContext, build_detectors
from clearmark.labels.c2pa_manifest import SUPPORTED_MIME_TYPES as C2PA_MIME_TYPES
from clearmark.labels.c2pa_manifest import C2paSigning, sign_manifest
from clearmark.labels.image_notice import NoticeSpec, render_image_notice
from clearmark.media.asset import Asset
from clearmark.media.c2pa_settings import C2paTrust
from clearmark.media.limits import MediaLimits
from clearmark.notice import NoticeFont, RenderedNotice, load_notice_font


@dataclass(frozen=True)
class PipelineConfig:
    """The part of the settings that pipelines need; small and picklable for worker processes."""

    limits: MediaLimits = MediaLimits()
    producer_code_policy: str = "reject"
    notice_text_generated: str = "AI生成"
    notice_text_possible: str = "可能为AI生成"
    notice_text_suspected: str = "疑似AI生成"
    notice_corner: Corner = Corner.BOTTOM_RIGHT
    notice_height_ratio: float = 0.06
    platform_draws_notice: bool = True
    jpeg_quality: int = 95
    webp_quality: int = 90
    detectors: DetectorContext = DetectorContext()
    # Where text and documents get their notice line: "start" and/or "end".
    text_notice_positions: tuple[str, ...] = ("start",)
    # Embed ClearMark's invisible mark (needs ``detectors.watermark_key``).
    watermark_embed: bool = False
    c2pa_signing: C2paSigning | None = None
    claim_generator: str = "ClearMark"

    def notice_text_for(self, label_value: str) -> str:
        """The configured notice wording for a Label value ("" when none applies)."""
        return {
            "1": self.notice_text_generated,
            "2": self.notice_text_possible,
            "3": self.notice_text_suspected,
        }.get(label_value, "")

    @property
    def font_path(self) -> Path | None:
        """The notice font (the bundled one when None)."""
        return self.detectors.font_path

    def signs_c2pa(self, mime_type: str) -> bool:
        """Whether content of this type gets a C2PA manifest: signing is on and c2pa can carry one."""
        return self.c2pa_signing is not None and mime_type in C2PA_MIME_TYPES

    @property
    def c2pa_trust(self) -> C2paTrust:
        """Trust settings for c2pa, from the detector context's anchors and EKUs."""
        return trust_for(self.detectors)


@cache
def trust_for(context: DetectorContext) -> C2paTrust:
    """The c2pa trust settings of a detector context, read once per process."""
    return C2paTrust.from_files(
        context.c2pa_trust_anchors_pem, allowed_ekus=context.c2pa_allowed_ekus, fetch_remote=context.c2pa_fetch_remote
    )


@cache
def detectors_for(context: DetectorContext) -> tuple[Detector, ...]:
    """The registered detectors, built once per process."""
    import clearmark.detectors  # noqa: F401  (registers every detector module)

    return build_detectors(context)


@cache
def notice_font(font_path: Path | None) -> NoticeFont:
    """The notice font, loaded and checksum-verified once per process."""
    return load_notice_font(font_path)


def derive_id(prefix: str, tenant: str, request_id: str, purpose: str, salt: str = "") -> str:
    """An id (Appendix E charset) determined by the job, so the same job yields identical output.

    The service passes a fresh random ``salt`` per new request, so ids stay unique even when the
    registry that would have remembered an earlier request id is lost.
    """
    digest = hashlib.sha256(f"{purpose}\x00{tenant}\x00{request_id}\x00{salt}".encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:26]


def check_party_code(code: str, field: str, policy: str) -> list[str]:
    """Validate a producer/platform code; raise under "reject", return the problems under "flag"."""
    if not code:
        raise InvalidRequest(f"{field} is required", violations=(FieldViolation(field, "required"),))
    problems = producer_code_problems(code, field=field)
    if problems and policy == "reject":
        raise InvalidRequest(
            problems[0].description,
            reason="INVALID_PARTY_CODE",
            violations=tuple(FieldViolation(field, p.description) for p in problems),
        )
    return [p.description for p in problems]


def draw_notice(
    image: Image.Image, text: str, corner: Corner, config: PipelineConfig
) -> tuple[Image.Image, RenderedNotice]:
    """A copy of the image with a visible notice drawn in, and the notice's geometry."""
    spec = NoticeSpec(text=text, corner=corner or config.notice_corner, height_ratio=config.notice_height_ratio)
    return render_image_notice(image, spec, notice_font(config.font_path))


def refuse_hostile_xml(asset: Asset) -> None:
    """Reject content whose XMP uses DTDs or entity declarations; merely malformed XMP is a finding."""
    for packet in asset.metadata.xmp_packets:
        if packet.error_reason == "HOSTILE_XML":
            raise InvalidMedia(
                f"{packet.location.carrier}: {packet.error}",
                reason="HOSTILE_XML",
                violations=(FieldViolation(packet.location.carrier, packet.error),),
            )


def sign_c2pa(
    content: bytes,
    mime_type: str,
    config: PipelineConfig,
    *,
    action: str,
    source_type: str,
    software_agent: str,
    label: AigcLabel | None,
    parent: bool,
    extra_actions: tuple[str, ...] = (),
    soft_binding: str = "",
) -> tuple[bytes, str]:
    """Sign a C2PA manifest over content whose GB 45438 XMP is already written (order matters).

    Returns the signed bytes and the active manifest's label; unchanged bytes and "" when signing
    is switched off or c2pa cannot carry a manifest in this format.
    """
    if not config.signs_c2pa(mime_type):
        return content, ""
    signed = sign_manifest(
        content,
        mime_type,
        config.c2pa_signing,
        action=action,
        digital_source_type=source_type,
        software_agent=software_agent,
        claim_generator=config.claim_generator,
        aigc_label=label,
        parent=parent,
        extra_actions=extra_actions,
        trust=config.c2pa_trust,
        soft_binding=soft_binding,
    )
    return signed.content, signed.manifest_label
