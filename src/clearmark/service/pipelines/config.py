"""The pipelines' configuration: a small, picklable snapshot of the settings that worker processes need."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clearmark.campaign.rules import TenantPolicy
from clearmark.core.enums import Corner
from clearmark.core.security_data import Sm2Signer
from clearmark.detectors.c2pa_manifest import trust_source
from clearmark.detectors.registry import DetectorContext
from clearmark.labels.c2pa_manifest import C2paSigning
from clearmark.labels.writers import WriterSettings
from clearmark.media.c2pa_settings import C2paTrust
from clearmark.media.format import FormatSpec
from clearmark.media.limits import MediaLimits
from clearmark.notice.audio_rhythm import DEFAULT_RHYTHM, RhythmStyle


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
    # Threads per process on which the detectors that declare ``runs_beside`` (OCR) run while the
    # others run on the job's own thread; 0: every detector in turn on the job's thread.
    detector_threads: int = 1
    # OpenCV's own thread pool in each worker process (0: OpenCV's default, one thread per core). One:
    # the parallelism comes from the worker processes and the OCR thread, and two Python threads each
    # running a pool of one thread per core oversubscribe the cores.
    opencv_threads: int = 1
    # Where text and documents get their notice line: "start" and/or "end".
    text_notice_positions: tuple[str, ...] = ("start",)
    # Audio: where the audible notice goes, how the rhythm sounds, or a spoken notice file instead.
    audio_notice_positions: tuple[str, ...] = ("start",)
    audio_rhythm: RhythmStyle = DEFAULT_RHYTHM
    audio_spoken_notice: Path | None = None
    # Embed ClearMark's invisible mark (needs ``detectors.watermark_key``).
    watermark_embed: bool = False
    c2pa_signing: C2paSigning | None = None
    # The producer's SM2 key: Stamp writes TC260 SecurityData into ReservedCode1 (none: left empty).
    sm2_signer: Sm2Signer | None = None
    # Verify: empty propagator fields FAIL even on producer output (default: only after a platform).
    verify_requires_propagator: bool = False
    claim_generator: str = "ClearMark"
    # The provenance registry the decision asks (our marks, ProduceIDs); "" decides without one.
    # Not in repr: a PostgreSQL URL may hold a password.
    registry_url: str = field(default="", repr=False)
    # Per-tenant campaign allow/deny lists and thresholds (name, policy), applied to the content's
    # texts in Inspect and Label as CheckTexts applies them; unknown tenants get the base pack.
    campaign_tenants: tuple[tuple[str, TenantPolicy], ...] = ()
    # Video: the start-screen notice's duration, optional middle/end notices and a persistent badge.
    video_notice_start_s: float = 2.0
    video_notice_middle_s: float = 0.0
    video_notice_end_s: float = 0.0
    video_badge: bool = False

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

    def signs_c2pa(self, spec: FormatSpec) -> bool:
        """Whether content of this format gets a C2PA manifest: signing is on and c2pa signs the format."""
        return self.c2pa_signing is not None and spec.signs_c2pa

    @property
    def writer_settings(self) -> WriterSettings:
        """What the label writers need."""
        return WriterSettings(
            notice_corner=self.notice_corner,
            notice_height_ratio=self.notice_height_ratio,
            font_path=self.font_path,
            jpeg_quality=self.jpeg_quality,
            webp_quality=self.webp_quality,
            text_notice_positions=self.text_notice_positions,
            audio_rhythm=self.audio_rhythm,
            audio_notice_positions=self.audio_notice_positions,
            audio_spoken_notice=self.audio_spoken_notice,
            watermark_key=self.detectors.watermark_key if self.watermark_embed else None,
            video_notice_start_s=self.video_notice_start_s,
            video_notice_middle_s=self.video_notice_middle_s,
            video_notice_end_s=self.video_notice_end_s,
            video_badge=self.video_badge,
        )

    @property
    def c2pa_trust(self) -> C2paTrust:
        """Trust settings for c2pa, from the detector context's anchors and EKUs."""
        return trust_source(self.detectors).current()
