"""The application: the four verbs and Lookup over protobuf messages, shared by the servicer and the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Generic, TypeVar

from clearmark import __version__
from clearmark.campaign import RulePack, RulePackError, TenantPolicy, TextItem, check_texts_job, load_rule_pack
from clearmark.core.enums import Corner, MediaKind
from clearmark.core.errors import (
    FieldViolation,
    InvalidRequest,
    MediaTooLarge,
    RecordNotFound,
    RequestConflict,
)
from clearmark.core.security_data import Sm2Signer
from clearmark.core.signals import Inspection
from clearmark.detectors.registry import DetectorContext
from clearmark.labels.c2pa_manifest import C2paSigning
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Content, Source, content_size
from clearmark.notice.audio_rhythm import RhythmStyle
from clearmark.service import convert
from clearmark.service.admission import C2paUse, MemoryBudget, estimate_memory
from clearmark.service.config import Settings
from clearmark.service.keys import (
    SigningMaterial,
    ensure_dev_signing_material,
    ensure_watermark_key,
    load_signing_material,
)
from clearmark.service.pipelines import (
    LabelJob,
    LabelOutcome,
    PipelineConfig,
    StampJob,
    StampOutcome,
    VerifyJob,
    inspect_content,
    label_content,
    stamp_content,
    verify_content,
)
from clearmark.service.pipelines.claims import ContentClaim
from clearmark.service.pipelines.workers import share_registry
from clearmark.service.policy import campaign_verdict
from clearmark.service.pool import WorkPool
from clearmark.service.registry import ProvenanceRecord, RegistryStore, RegistryUnavailable
from clearmark.service.registry.perceptual import (
    MATCH_DISTANCE,
    perceptual_hash_of_content,
)
from clearmark.service.registry.store import PurgeResult, SimilarRecord
from clearmark.service.replays import REPLAY_BACKENDS, Replay, request_fingerprint
from clearmark.service.reports import ReportContext, language_of, render_report_html
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb

log = logging.getLogger(__name__)
ResultT = TypeVar("ResultT", api.StampResult, api.LabelResult)
EnumT = TypeVar("EnumT", bound=enum.IntEnum)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def campaign_tenants(settings: Settings) -> tuple[tuple[str, TenantPolicy], ...]:
    """The configured tenants' campaign policies, in a picklable, hashable form (sorted by name)."""
    return tuple(
        (name, TenantPolicy(**{k: tuple(v) if isinstance(v, list) else v for k, v in policy.items()}))
        for name, policy in sorted(settings.campaign_tenants.items())
    )


def pipeline_config(
    settings: Settings, signing: SigningMaterial | None, watermark_key: bytes | None = None, registry_url: str = ""
) -> PipelineConfig:
    """The picklable slice of the settings that worker processes need (no signing without ``signing``;
    the decision asks the registry at ``registry_url``, none when empty)."""
    return PipelineConfig(
        limits=MediaLimits(
            max_bytes=settings.max_media_bytes,
            max_pixels=settings.max_pixels,
            max_dimension=settings.max_dimension,
            max_stream_bytes=settings.max_stream_bytes,
            max_text_chars=settings.max_text_chars,
            max_video_bytes=settings.max_video_bytes,
            max_video_duration_s=settings.max_video_duration_s,
            max_video_pixels=settings.max_video_pixels,
            max_video_frames=settings.max_video_frames,
            max_c2pa_whole_asset_bytes=settings.max_c2pa_whole_asset_bytes,
        ),
        producer_code_policy=settings.producer_code_policy,
        notice_text_generated=settings.notice_text_generated,
        notice_text_possible=settings.notice_text_possible,
        notice_text_suspected=settings.notice_text_suspected,
        notice_corner=settings.notice_corner,
        notice_height_ratio=settings.notice_height_ratio,
        platform_draws_notice=settings.platform_draws_notice,
        jpeg_quality=settings.jpeg_quality,
        webp_quality=settings.webp_quality,
        text_notice_positions=tuple(settings.text_notice_positions),
        audio_notice_positions=tuple(settings.audio_notice_positions),
        audio_rhythm=RhythmStyle(
            unit_ms=settings.audio_rhythm_unit_ms,
            frequency_hz=settings.audio_rhythm_frequency_hz,
            level_dbfs=settings.audio_rhythm_level_dbfs,
        ),
        audio_spoken_notice=settings.audio_spoken_notice,
        watermark_embed=settings.watermark_embed,
        video_notice_start_s=settings.video_notice_start_s,
        video_notice_middle_s=settings.video_notice_middle_s,
        video_notice_end_s=settings.video_notice_end_s,
        video_badge=settings.video_badge,
        campaign_tenants=campaign_tenants(settings),
        detector_threads=settings.detector_threads,
        opencv_threads=settings.opencv_threads,
        detectors=DetectorContext(
            watermark_key=watermark_key,
            watermark_wide_search=settings.watermark_wide_search,
            font_path=settings.font_path,
            c2pa_trust_anchors_pem=settings.c2pa_trust_anchors,
            c2pa_allowed_ekus=tuple(settings.c2pa_allowed_ekus),
            c2pa_fetch_remote=settings.c2pa_fetch_remote,
            c2pa_public_trust_list=settings.c2pa_public_trust_list,
            ocr_band_ratio=settings.ocr_band_ratio,
            ocr_whole_image=settings.ocr_whole_image,
            ocr_mode=settings.ocr_mode,
            ocr_gated_text_px=settings.ocr_gated_text_px,
            campaign_rule_pack=settings.campaign_rule_pack,
            campaign_video_frames=settings.campaign_video_frames,
            classifier_dir=settings.classifier_dir,
            classifier_calibration=settings.classifier_calibration,
            classifier_name=settings.classifier_name,
            classifier_timeout_s=settings.classifier_timeout_s,
            text_watermark_tokenizer=settings.text_watermark_tokenizer,
            sm2_pinned_keys=load_pinned_sm2_keys(settings.sm2_pinned_keys_file),
        ),
        c2pa_signing=C2paSigning(
            signing.cert_chain_pem,
            signing.private_key_pem,
            signing.algorithm,
            tsa_url=settings.c2pa_tsa_url,
            thumbnails=settings.c2pa_thumbnails,
        )
        if settings.c2pa_sign and signing is not None
        else None,
        claim_generator=f"ClearMark/{__version__}",
        verify_requires_propagator=settings.verify_requires_propagator,
        sm2_signer=Sm2Signer.from_file(settings.sm2_private_key_file) if settings.sm2_private_key_file else None,
        registry_url=registry_url,
    )


def load_pinned_sm2_keys(path: Path | None) -> tuple[tuple[str, str], ...]:
    """The pinned SM2 keys file: a JSON object of party code -> public key hex (none: nothing pinned).

    Raises:
        InvalidRequest: unreadable or not such an object (start-up fails with the reason).
    """
    if path is None:
        return ()
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidRequest(f"sm2_pinned_keys_file {path}: {exc}") from None
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise InvalidRequest(f"sm2_pinned_keys_file {path} must be a JSON object of code -> hex key")
    return tuple(sorted(table.items()))


class OutputTooLargeForUnary(MediaTooLarge):
    """A Stamp/Label output is bigger than one unary response may carry; the *Stream RPC sends it in chunks."""

    default_reason = "OUTPUT_TOO_LARGE_FOR_UNARY"


@dataclass(frozen=True)
class Output(Generic[ResultT]):
    """A Stamp/Label result and its content: bytes, or a file (in the request's work directory, or the
    replay store's kept copy) that stays readable until the caller's ``workspace`` block ends."""

    result: ResultT
    content: Content


# Framing of a unary response beyond the result message and the content (field tags and lengths).
_UNARY_OVERHEAD_BYTES = 64


def _warnings(warnings: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Registry details for warnings: one key, since detail keys are unique."""
    return (("warnings", "; ".join(warnings)),) if warnings else ()


def enum_field(enum_type: type[EnumT], value: int, field: str) -> EnumT:
    """A request's enum value as the core enum; a value this server does not know is INVALID_ARGUMENT."""
    try:
        return enum_type(value)
    except ValueError:
        raise InvalidRequest(
            f"{field} has no value {value}", violations=(FieldViolation(field, f"unknown enum value {value}"),)
        ) from None


def content_claim(header: pb.ContentHeader, content: Source, *, streamed: bool) -> ContentClaim:
    """The client's ContentHeader checked against the bytes that arrived, and its advisory claim.

    A claimed size or SHA-256 is a promise about the bytes: one they break is refused. (A stream's
    header was checked while its chunks arrived.) The kind and MIME type are claims the sniffed
    format overrules: they come back as the ``media.claim_mismatch`` finding, never an error.

    Raises:
        InvalidRequest: the size or SHA-256 differs from the content, a malformed SHA-256, or a
            kind this server does not know.
    """
    prefix = "content_header"  # a stream's violations are re-rooted under "header." at the edge
    kind = enum_field(MediaKind, header.kind, f"{prefix}.kind")
    if not streamed:
        violations = []
        if header.size_bytes and header.size_bytes != content.size:
            violations.append(
                FieldViolation(f"{prefix}.size_bytes", f"claims {header.size_bytes} bytes, {content.size} arrived")
            )
        if header.sha256 and not _SHA256.match(header.sha256):
            violations.append(FieldViolation(f"{prefix}.sha256", "not 64 hex digits"))
        elif header.sha256 and header.sha256.lower() != content.sha256:
            violations.append(
                FieldViolation(f"{prefix}.sha256", "differs from the SHA-256 of the content that arrived")
            )
        if violations:
            raise InvalidRequest(
                "the content header's claims do not match the content",
                reason="CONTENT_MISMATCH",
                violations=tuple(violations),
            )
    return ContentClaim(kind, header.mime_type)


def request_id_of(given: str) -> str:
    """The client's idempotency key, validated; a fresh one when the client sent none."""
    if not given:
        return uuid.uuid4().hex
    if not _REQUEST_ID.match(given):
        raise InvalidRequest(
            "request_id must be 1-128 characters of [A-Za-z0-9._:-]",
            violations=(FieldViolation("request_id", "bad characters or length"),),
        )
    return given


class ClearMarkApp:
    """Owns the registry, the work pool and the signing material for one process.

    Use as ``with ClearMarkApp(settings) as app: ...``; every verb is ``async``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Nothing downloads at run time: models load from local paths only, here and in the workers.
        for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
            os.environ.setdefault(variable, "1")
        # Parallelism comes from the worker processes: one BLAS/OpenMP thread each (like ONNX Runtime's
        # one intra-op thread). Measured: multi-threaded BLAS on small matrices (the notice's ink
        # clustering) spins under load and took Inspect of a 1080p JPEG from ~180 to ~350 ms.
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.signing: SigningMaterial = (
            load_signing_material(settings.signing_cert_chain, settings.signing_private_key)
            if settings.signing_cert_chain and settings.signing_private_key
            else ensure_dev_signing_material(settings.data_dir)
        )
        registry_url = settings.resolved_registry_url
        self.config = pipeline_config(
            settings,
            self.signing,
            ensure_watermark_key(settings.data_dir, settings.watermark_key_file),
            registry_url,
        )
        self.registry = RegistryStore(registry_url)
        self.registry.migrate()
        # In-process workers (and in-memory databases) ask this store; worker processes open their own.
        share_registry(registry_url, self.registry)
        self.pool = WorkPool(settings.cpu_workers, settings.max_pending_jobs, self.config)
        self.memory = MemoryBudget(
            settings.memory_budget_bytes,
            settings.max_request_memory_bytes,
            video_request_bytes=settings.max_video_request_memory_bytes,
            wait_s=settings.memory_wait_s,
        )
        self.replays = REPLAY_BACKENDS[settings.replay_store](
            self.registry,
            settings.replay_dir or settings.data_dir / "replays",
            timedelta(hours=settings.replay_ttl_hours),
        )
        # The pack's context rules are read here; its automata live in the worker processes.
        self.campaign_pack = load_rule_pack(settings.campaign_rule_pack)
        self._campaign_pack_mtime = settings.campaign_rule_pack.stat().st_mtime_ns if settings.campaign_rule_pack else 0
        self.campaign_tenants = campaign_tenants(settings)

    def close(self) -> None:
        """Stop the workers and close the registry."""
        self.pool.close()
        share_registry(self.config.registry_url, None)
        self.registry.close()

    def __enter__(self) -> ClearMarkApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @asynccontextmanager
    async def workspace(self) -> AsyncIterator[Path]:
        """A private work directory for one request's file outputs, removed with everything in it when
        the block exits: after the response was sent and the replay stored, or on any failure,
        cancellation or deadline (a job stopped mid-write leaves nothing behind)."""
        root = self.settings.data_dir / "work"
        root.mkdir(parents=True, exist_ok=True)
        directory = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="request-", dir=root))
        try:
            yield directory
        finally:
            await asyncio.to_thread(shutil.rmtree, directory, True)

    def unary_content(self, output: Output[ResultT], stream_rpc: str) -> bytes:
        """The output's content for a unary response (read whole: it fits one message).

        Raises:
            OutputTooLargeForUnary: the content would not fit ``max_message_bytes``; the result names
                the streaming RPC that sends it in chunks.
        """
        size = content_size(output.content)
        limit = self.settings.max_message_bytes - output.result.ByteSize() - _UNARY_OVERHEAD_BYTES
        if size > limit:
            raise OutputTooLargeForUnary(
                f"the output is {size} bytes, more than a unary response carries ({self.settings.max_message_bytes}"
                f"-byte message limit); call {stream_rpc} (the same request id replays this result in chunks)",
                violations=(FieldViolation("content", f"output of {size} bytes: use {stream_rpc}"),),
            )
        if isinstance(output.content, Source):
            return output.content.read_bytes(size)
        return output.content

    @asynccontextmanager
    async def _admitted(self, content: Source, *, signs: bool = False) -> AsyncIterator[None]:
        """Reserve the decode memory the content's header announces, for every verb alike, or what c2pa
        holds of the whole asset when that is more: signing it (``signs``: Stamp, Label, when signing is
        on) or validating it (Inspect, Verify, and Label without signing).

        The header is read off the event loop (a video's in pure Python: no FFmpeg on untrusted bytes here).

        Raises:
            MediaTooLarge: over the media limits or the per-request memory budget (before any decoding).
            Overloaded: the server-wide memory budget stayed full.
            InvalidMedia: a video container the header reader cannot walk.
        """
        signing = signs and self.config.c2pa_signing is not None
        estimate = await asyncio.to_thread(
            lambda: estimate_memory(
                open_asset(content, self.config.limits),
                self.settings.decode_copies,
                self.settings.video_decode_frames,
                C2paUse.SIGN if signing else C2paUse.READ,
            )
        )
        async with self.memory.reserve(estimate):
            yield

    async def _once(
        self,
        verb: str,
        tenant: str,
        request_id: str,
        request: api.StampRequest | api.LabelRequest,
        content: Source,
        result_type: type[ResultT],
        produce: Callable[[], Awaitable[tuple[ProvenanceRecord, ResultT, Content]]],
    ) -> Output[ResultT]:
        """Run ``produce`` once per (tenant, request id); a replay gets the first response back.

        A file output is kept by the replay store (linked, not read) before the record is written.

        Raises:
            RequestConflict: the request id was used for another verb, content or options.
        """
        problem = await asyncio.to_thread(self.registry.check)
        if problem is not None:  # refuse before the work: nothing half-done, no output for an unrecorded id
            raise RegistryUnavailable(f"{problem}; retry later")
        fingerprint = request_fingerprint(verb, content.sha256, request.options)
        existing = await asyncio.to_thread(self.registry.get_by_request, tenant, request_id)
        if existing is not None:
            return self._replayed(existing, verb, fingerprint, result_type)
        record, result, output = await produce()
        # Off the event loop: a file output is linked (or, across file systems, copied in pieces).
        await asyncio.to_thread(
            self.replays.save, record.record_id, Replay(fingerprint, result.SerializeToString(), output)
        )
        try:
            stored, created = await asyncio.to_thread(self.registry.record, record)
        except BaseException:
            self.replays.discard(record.record_id)
            raise
        if not created:  # a concurrent request with the same id won the race
            self.replays.discard(record.record_id)
            return self._replayed(stored, verb, fingerprint, result_type)
        return Output(result, output)

    def _replayed(
        self, record: ProvenanceRecord, verb: str, fingerprint: str, result_type: type[ResultT]
    ) -> Output[ResultT]:
        replay = self.replays.load(record.record_id)
        if record.verb != verb or replay is None or replay.fingerprint != fingerprint:
            raise RequestConflict(
                f"request id {record.request_id!r} was already used for a different {record.verb} request",
                violations=(FieldViolation("request_id", "already used in this tenant"),),
            )
        result = result_type.FromString(replay.result)
        result.replayed = True
        return Output(result, replay.content)

    def _record(self, verb: str, request_id: str, tenant: str, media_type: str, **fields: object) -> ProvenanceRecord:
        return ProvenanceRecord(
            record_id=uuid.uuid4().hex,
            request_id=request_id,
            tenant=tenant,
            verb=verb,
            media_type=media_type,
            created_at=datetime.now(UTC),
            **fields,  # type: ignore[arg-type]
        )

    async def stamp(
        self, request: api.StampRequest, tenant: str, timeout: float | None = None, *, source: Source | None = None
    ) -> api.StampResponse:
        """Stamp content a producer generated, as one unary response; idempotent by request id.

        Raises:
            OutputTooLargeForUnary: the output does not fit one message (``StampStream`` sends it).
        """
        async with self.workspace() as work_dir:
            output = await self.stamp_output(request, tenant, timeout, source=source, work_dir=work_dir)
            return api.StampResponse(result=output.result, content=self.unary_content(output, "StampStream"))

    async def stamp_output(
        self,
        request: api.StampRequest,
        tenant: str,
        timeout: float | None = None,
        *,
        source: Source | None = None,
        work_dir: Path | None = None,
    ) -> Output[api.StampResult]:
        """Stamp content a producer generated; idempotent by request id.

        ``source`` is the content of a streamed request (spooled on disk); else ``request.content``.
        File outputs are written in ``work_dir`` (the caller's ``workspace``), which must outlive
        reading the returned content.
        """
        options = request.options
        content = source or Source(data=request.content)
        job = StampJob(
            request_id=request_id_of(request.request_id),
            tenant=tenant,
            content=content,
            producer_code=options.producer_code,
            model=options.model,
            prompt_id=options.prompt_id,
            notice_text=options.notice_text,
            notice_corner=enum_field(Corner, options.notice_corner, "options.notice_corner"),
            omit_visible_notice=options.omit_visible_notice,
            omit_reason=options.omit_reason,
            recipient=options.recipient,
            id_salt=uuid.uuid4().hex,
            claim=content_claim(request.content_header, content, streamed=source is not None),
            work_dir=work_dir,
        )

        async def produce() -> tuple[ProvenanceRecord, api.StampResult, Content]:
            async with self._admitted(job.content, signs=True):
                outcome: StampOutcome = await self.pool.run(stamp_content, job, self.config, timeout=timeout)
            record = self._record(
                "stamp",
                job.request_id,
                tenant,
                outcome.output.mime_type,
                produce_id=outcome.produce_id,
                propagate_id=outcome.label.propagate_id,
                producer_code=job.producer_code,
                propagator_code=outcome.label.content_propagator,
                label_value=outcome.label.label,
                input_sha256=outcome.input.sha256,
                output_sha256=outcome.output.sha256,
                labels_applied=outcome.labels_applied,
                model=job.model,
                details=outcome.details + _warnings(outcome.warnings),
                watermark_id=outcome.watermark_id,
                perceptual=outcome.perceptual,
            )
            if job.omit_visible_notice:
                log.info("stamp %s without visible notice for recipient %s (Art. 9 log)", job.request_id, job.recipient)
            result = api.StampResult(
                request_id=job.request_id,
                input=convert.media_pb(outcome.input),
                output=convert.media_pb(outcome.output),
                produce_id=outcome.produce_id,
                aigc_label=convert.label_pb(outcome.label),
                labels_applied=[int(a) for a in outcome.labels_applied],
                notice=convert.notice_pb(outcome.notice)
                or convert.text_notice_pb(outcome.notice_text, outcome.notice_positions),
                record=convert.record_pb(record),
                warnings=list(outcome.warnings),
            )
            return record, result, outcome.content

        return await self._once("stamp", tenant, job.request_id, request, content, api.StampResult, produce)

    async def _with_campaign(
        self, inspection: Inspection, options: pb.CampaignOptions | None, tenant: str, timeout: float | None
    ) -> Inspection:
        """The inspection with the caller's campaign context and texts (title, description, comments) applied,
        the texts checked under the tenant's policy like the content's."""
        if options is None:
            return inspection
        items = convert.caller_texts(options)
        self._check_text_limits(items, "campaign")
        context = convert.campaign_context(options.context)
        caller = ()
        if items:
            job = (self.settings.campaign_rule_pack, self.campaign_tenants, items, None, "", tenant, False)
            (verdict,) = await self.pool.run(check_texts_job, *job, timeout=timeout)
            caller = verdict.findings
        campaign = campaign_verdict(
            inspection.findings,
            inspection.campaign.request_id,
            signals=inspection.signals,
            caller_findings=caller,
            context=context,
            context_rules=self._campaign_pack().context,
            caller_texts=tuple(item.text for item in items),
        )
        return replace(inspection, campaign=campaign)

    def _campaign_pack(self) -> RulePack:
        """The rule pack the context checks read, re-read when its file changed (workers hot-swap theirs)."""
        path = self.settings.campaign_rule_pack
        if path is not None:
            try:
                stamp = path.stat().st_mtime_ns
                if stamp != self._campaign_pack_mtime:
                    self.campaign_pack, self._campaign_pack_mtime = load_rule_pack(path), stamp
            except (OSError, RulePackError) as exc:
                log.error("rule pack %s not re-read, the running one stays: %s", path, exc)
        return self.campaign_pack

    def _check_text_limits(self, items: tuple[TextItem, ...], field: str) -> None:
        """Refuse too many texts, an over-long text or too many characters in all.

        Raises:
            InvalidRequest: a text is longer than ``check_texts_max_chars``.
            MediaTooLarge: more than ``check_texts_max_items`` texts or ``check_texts_max_total_chars`` in all.
        """
        settings = self.settings
        if len(items) > settings.check_texts_max_items:
            raise MediaTooLarge(f"{len(items)} texts in one call; at most {settings.check_texts_max_items}")
        long = [i for i, item in enumerate(items) if len(item.text) > settings.check_texts_max_chars]
        if long:
            raise InvalidRequest(
                f"{len(long)} text(s) longer than {settings.check_texts_max_chars} characters",
                violations=tuple(FieldViolation(f"{field}[{i}]", "too long") for i in long[:20]),
            )
        total = sum(len(item.text) for item in items)
        if total > settings.check_texts_max_total_chars:
            raise MediaTooLarge(f"{total} characters in one call; at most {settings.check_texts_max_total_chars}")

    async def check_texts(
        self, request: api.CheckTextsRequest, tenant: str, timeout: float | None = None
    ) -> api.CheckTextsResponse:
        """The campaign verdict of each short text, from one scan of them all (the caller's tenant policy)."""
        if not request.texts:
            raise InvalidRequest("send at least one text", violations=(FieldViolation("texts", "empty"),))
        bad = [i for i, t in enumerate(request.texts) if len(t.id) > 256 or len(t.field) > 64]
        if bad:
            raise InvalidRequest(
                "text ids are at most 256 characters and fields at most 64",
                violations=tuple(FieldViolation(f"texts[{i}]", "id or field too long") for i in bad[:20]),
            )
        items = tuple(TextItem(t.text, t.field or "text") for t in request.texts)
        self._check_text_limits(items, "texts")
        context = convert.campaign_context(request.context) if request.HasField("context") else None
        pack, tenants = self.settings.campaign_rule_pack, self.campaign_tenants
        job = (pack, tenants, items, context, request.request_id, tenant, True)
        verdicts = await self.pool.run(check_texts_job, *job, timeout=timeout)
        return api.CheckTextsResponse(
            verdicts=[
                api.TextVerdict(id=t.id, verdict=convert.campaign_pb(v))
                for t, v in zip(request.texts, verdicts, strict=True)
            ],
            policy_version=verdicts[0].policy_version if verdicts else "",
        )

    async def inspect(
        self,
        request: api.InspectRequest,
        timeout: float | None = None,
        *,
        source: Source | None = None,
        tenant: str = "",
    ) -> api.InspectResponse:
        """Inspect content (``source`` for a streamed request, else ``request.content``); read-only.

        The campaign checks apply the caller's tenant policy (allow/deny lists, thresholds).
        """
        content = source or Source(data=request.content)
        claim = content_claim(request.content_header, content, streamed=source is not None)
        async with self._admitted(content):
            inspection = await self.pool.run(
                inspect_content,
                content,
                self.config,
                request.request_id,
                request.c2pa_sidecar,
                claim,
                tenant,
                timeout=timeout,
            )
        options = request.campaign if request.HasField("campaign") else None
        inspection = await self._with_campaign(inspection, options, tenant, timeout)
        response = api.InspectResponse(inspection=convert.inspection_pb(inspection))
        return response

    async def label(
        self, request: api.LabelRequest, tenant: str, timeout: float | None = None, *, source: Source | None = None
    ) -> api.LabelResponse:
        """Label as one unary response; idempotent by request id.

        Raises:
            OutputTooLargeForUnary: the output does not fit one message (``LabelStream`` sends it).
        """
        async with self.workspace() as work_dir:
            output = await self.label_output(request, tenant, timeout, source=source, work_dir=work_dir)
            return api.LabelResponse(result=output.result, content=self.unary_content(output, "LabelStream"))

    async def label_output(
        self,
        request: api.LabelRequest,
        tenant: str,
        timeout: float | None = None,
        *,
        source: Source | None = None,
        work_dir: Path | None = None,
    ) -> Output[api.LabelResult]:
        """Apply a platform's Art. 6 duties to an upload (``source`` when streamed); idempotent by request id.

        File outputs are written in ``work_dir`` (the caller's ``workspace``); an unchanged upload may
        come back as ``source`` itself, so both must outlive reading the returned content.
        """
        options = request.options
        content = source or Source(data=request.content)
        job = LabelJob(
            request_id=request_id_of(request.request_id),
            tenant=tenant,
            content=content,
            platform_code=options.platform_code,
            user_declared_ai=options.user_declared_ai,
            notice_text=options.notice_text,
            notice_corner=enum_field(Corner, options.notice_corner, "options.notice_corner"),
            skip_visible_notice=options.skip_visible_notice,
            id_salt=uuid.uuid4().hex,
            claim=content_claim(request.content_header, content, streamed=source is not None),
            work_dir=work_dir,
        )

        async def produce() -> tuple[ProvenanceRecord, api.LabelResult, Content]:
            async with self._admitted(job.content, signs=True):
                outcome: LabelOutcome = await self.pool.run(label_content, job, self.config, timeout=timeout)
            campaign = options.campaign if options.HasField("campaign") else None
            checked = await self._with_campaign(outcome.inspection, campaign, job.tenant, timeout)
            outcome = replace(outcome, inspection=checked)
            label = outcome.label
            record = self._record(
                "label",
                job.request_id,
                tenant,
                outcome.output.mime_type,
                produce_id=label.produce_id if label else "",
                propagate_id=outcome.propagate_id,
                producer_code=label.content_producer if label else "",
                propagator_code=job.platform_code,
                label_value=outcome.label_value,
                input_sha256=outcome.inspection.media.sha256,
                output_sha256=outcome.output.sha256,
                labels_applied=outcome.labels_applied,
                model="",
                details=(
                    ("category", outcome.inspection.category.name),
                    ("declared", str(job.user_declared_ai).lower()),
                    *((("c2pa_manifest", outcome.c2pa_manifest),) if outcome.c2pa_manifest else ()),
                    *_warnings(outcome.warnings),
                ),
                watermark_id=outcome.watermark_id,
                perceptual=outcome.perceptual,
            )
            result = api.LabelResult(
                request_id=job.request_id,
                inspection=convert.inspection_pb(outcome.inspection),
                output=convert.media_pb(outcome.output),
                label_value=outcome.label_value,
                aigc_label=convert.label_pb(label),
                propagate_id=outcome.propagate_id,
                labels_applied=[int(a) for a in outcome.labels_applied],
                display_notice=outcome.display_notice,
                notice=convert.notice_pb(outcome.notice)
                or convert.text_notice_pb(outcome.notice_text, outcome.notice_positions),
                modified=outcome.modified,
                record=convert.record_pb(record),
                warnings=list(outcome.warnings),
            )
            return record, result, outcome.content

        return await self._once("label", tenant, job.request_id, request, content, api.LabelResult, produce)

    async def verify(
        self, request: api.VerifyRequest, timeout: float | None = None, *, source: Source | None = None
    ) -> api.VerifyResponse:
        """The compliance report of content (``source`` when streamed), optionally with an HTML page
        in Chinese or English."""
        try:
            lang = language_of(request.options.report_language)
        except ValueError as error:
            raise InvalidRequest(
                str(error), violations=(FieldViolation("options.report_language", "zh-CN or en"),)
            ) from None
        content = source or Source(data=request.content)
        job = VerifyJob(
            request_id=request.request_id,
            content=content,
            c2pa_sidecar=request.c2pa_sidecar,
            claim=content_claim(request.content_header, content, streamed=source is not None),
        )
        async with self._admitted(content):
            report = await self.pool.run(verify_content, job, self.config, timeout=timeout)
        response = api.VerifyResponse(
            inspection=convert.inspection_pb(report.inspection), report=convert.report_pb(report)
        )
        if request.options.include_html:
            context = ReportContext(
                lang=lang,
                limits=self.config.limits,
                trust=self.config.c2pa_trust,
            )
            response.report.html = await self.pool.run(render_report_html, report, context, content, timeout=timeout)
        return response

    def reads_all_tenants(self, tenant: str) -> bool:
        """Whether ``tenant`` is a configured auditor, whose Lookups read every tenant's records."""
        return tenant in self.settings.auditor_tenants

    async def lookup(self, request: api.LookupRequest, tenant: str) -> api.LookupResponse:
        """The caller's tenant's records for one key, newest first, a page at a time (AIP-158).

        An auditor tenant reads every tenant. ``similar_content`` finds records by perceptual hash,
        nearest first.
        """
        key = request.WhichOneof("key")
        value = getattr(request, key) if key else ""
        if not value:
            raise InvalidRequest(
                "set one of produce_id, propagate_id, sha256, request_id, watermark_id, similar_content",
                violations=(FieldViolation("produce_id", "exactly one lookup key is required"),),
            )
        if key == "sha256" and not _SHA256.match(value):
            raise InvalidRequest("sha256 must be 64 hex digits", violations=(FieldViolation("sha256", "not hex"),))
        limit = request.limit or 100
        if not 1 <= limit <= 1000:
            raise InvalidRequest("limit must be 1-1000", violations=(FieldViolation("limit", str(limit)),))
        scope: str | None = None if self.reads_all_tenants(tenant) else tenant
        if key == "similar_content":
            return await self._lookup_similar(request, scope, limit)
        next_token = ""
        if key == "request_id":
            found = await asyncio.to_thread(self.registry.get_by_request, tenant, value)
            records = [found] if found else []
        else:
            try:
                page = await asyncio.to_thread(
                    self.registry.find_page,
                    scope,
                    page_size=limit,
                    page_token=request.page_token,
                    **{key: value.lower() if key == "sha256" else value},
                )
            except ValueError as error:
                raise InvalidRequest(str(error), violations=(FieldViolation("page_token", str(error)),)) from None
            records, next_token = list(page.records), page.next_page_token
        if not records and not request.page_token:
            raise RecordNotFound(f"no record with {key} {value!r} for this tenant")
        return api.LookupResponse(records=[convert.record_pb(r) for r in records], next_page_token=next_token)

    async def _lookup_similar(self, request: api.LookupRequest, scope: str | None, limit: int) -> api.LookupResponse:
        if request.page_token:
            raise InvalidRequest(
                "similar lookups return one page, nearest first",
                violations=(FieldViolation("page_token", "not supported with similar_content"),),
            )
        target = await self.pool.run(perceptual_hash_of_content, request.similar_content, self.config.limits)
        if target is None:
            raise InvalidRequest(
                "this content has no perceptual hash (no pixels, no words)",
                violations=(FieldViolation("similar_content", "nothing to hash"),),
            )
        distance = request.max_distance or MATCH_DISTANCE[target.kind]
        if not 0 <= distance <= 64:
            raise InvalidRequest(
                "max_distance must be 0-64", violations=(FieldViolation("max_distance", str(distance)),)
            )
        found: list[SimilarRecord] = await asyncio.to_thread(
            self.registry.find_similar, scope, target, max_distance=distance, limit=limit
        )
        if not found:
            raise RecordNotFound(f"no record within {distance} bits of this content's {target.kind} hash")
        return api.LookupResponse(
            records=[convert.record_pb(f.record) for f in found],
            distances={f.record.record_id: f.distance for f in found},
        )

    def purge(self, now: datetime | None = None) -> PurgeResult:
        """Delete records past the retention period (>= 6 months) and expired replays."""
        result = self.registry.purge(retention=timedelta(days=self.settings.retention_days), now=now)
        return dataclasses.replace(result, replays=result.replays + self.replays.purge_expired(now))
