"""C2PA signing as the pipelines use it: the one place that decides whether content gets a manifest."""

from __future__ import annotations

from pathlib import Path

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.core.memory import release_free_memory
from clearmark.labels.c2pa_manifest import ValidatedParent, sign_manifest
from clearmark.labels.writers import new_output_file
from clearmark.media.asset import Asset
from clearmark.media.c2pa_store import C2PA_POINTER, ERROR_PREFIX
from clearmark.media.format import FormatSpec
from clearmark.media.movie_label import MovieContainer
from clearmark.media.source import Content, Source, as_content, content_size
from clearmark.media.xmp import NS_CLEARMARK
from clearmark.service.pipelines.config import PipelineConfig


def c2pa_pointer(spec: FormatSpec, config: PipelineConfig) -> tuple[tuple[tuple[str, str], str], ...]:
    """The XMP pointer to the manifest about to be signed (none when this content gets no manifest)."""
    return (((NS_CLEARMARK, C2PA_POINTER), "embedded"),) if config.signs_c2pa(spec) else ()


# c2pa holding an MP4/MOV at least this large gets the freed heap back first (a collection and a
# trim cost a few ms; below this the asset is small next to the frames the detectors let go of).
RELEASE_BEFORE_SIGNING_BYTES = 64 * 1024 * 1024


def c2pa_too_large(spec: FormatSpec, content: Content, config: PipelineConfig) -> str:
    """Why content this large gets no C2PA manifest ("" when it gets one, or signing does not apply).

    c2pa signs most formats holding the whole asset in memory, so content past the format's
    ``C2paSupport.size_limit`` — ``max_c2pa_whole_asset_bytes`` for MP4/MOV, whose cost memory
    admission counts, ``max_media_bytes`` for the rest — is not signed, unless the format
    ``signs_in_pieces``. The same limit stops C2PA validation (``c2pa.not_validated``).
    """
    if not config.signs_c2pa(spec) or spec.c2pa is None or spec.c2pa.signs_in_pieces:
        return ""
    size, limit = content_size(content), spec.c2pa.size_limit(config.limits)
    if not limit.exceeded_by(size):
        return ""
    return (
        f"no C2PA manifest: c2pa signs {spec.description} whole in memory, and {size} bytes exceed "
        f"{limit.setting} ({limit.max_bytes}); the GB 45438 labels are written"
    )


def validated_parent(asset: Asset, config: PipelineConfig) -> ValidatedParent | None:
    """The upload's manifest store as Inspect's c2pa pass validated it, to record the upload as the
    parent ingredient without c2pa reading and hashing it again; None where c2pa must read it.

    Only an MP4/MOV/M4A whose one embedded store c2pa read (judged by the signer's trust, the same
    ``config.c2pa_trust``): not a sidecar or remote manifest, not a store c2pa could not parse, and not
    a file with XMP, whose IDs ``add_ingredient`` would copy into the ingredient.
    """
    if (
        not config.signs_c2pa(asset.spec)
        or asset.c2pa_sidecar
        or not isinstance(asset.spec.container, MovieContainer)
        or asset.metadata.xmp_packets
        or c2pa_too_large(asset.spec, as_content(asset.source), config)
    ):
        return None
    report = asset.c2pa_report(config.c2pa_trust)
    if (
        report is None
        or not report.embedded
        or report.remote_url
        or not report.active_manifest_label
        or not report.validation_results_json
        or any(code.startswith(ERROR_PREFIX) for code in report.failure_codes)
    ):
        return None
    try:
        store = asset.spec.container.manifest_store(asset.source, limits=asset.limits)
    except (InvalidMedia, MediaTooLarge):  # a store past max_movie_box_bytes: c2pa reads the parent itself
        return None
    if store is None:
        return None
    return ValidatedParent(store, report.active_manifest_label, report.validation_results_json)


def sign_c2pa(
    content: Content,
    spec: FormatSpec,
    config: PipelineConfig,
    *,
    action: str,
    source_type: str,
    software_agent: str,
    label: AigcLabel | None,
    parent: bool,
    parent_content: Content | None = None,
    extra_actions: tuple[str, ...] = (),
    soft_binding: str = "",
    work_dir: Path | None = None,
    parent_store: ValidatedParent | None = None,
) -> tuple[Content, str]:
    """Sign a C2PA manifest over content whose GB 45438 XMP is already written (order matters).

    ``parent_content`` is the upload as it arrived: the parent ingredient is built from it, so the
    producer's own manifest stays whole in the new store; ``parent_store`` (``validated_parent``)
    spares c2pa reading it again.

    Content in a file (a ``Source``) is signed file to file into a new file of ``work_dir``; bytes
    stay bytes (small outputs never make a disk round trip).

    Returns the signed content and the active manifest's label; the content unchanged and "" when
    signing is switched off, c2pa cannot carry a manifest in this format, or the content is too
    large to sign in memory (``c2pa_too_large`` says why).
    """
    if not config.signs_c2pa(spec) or c2pa_too_large(spec, content, config):
        return content, ""
    assert config.c2pa_signing is not None and spec.c2pa is not None
    if spec.c2pa.memory is not None and content_size(content) >= RELEASE_BEFORE_SIGNING_BYTES:
        release_free_memory()  # c2pa is about to hold a large asset: in the frames' place, not on top
    signed = sign_manifest(
        content,
        spec.mime_type,
        config.c2pa_signing,
        action=action,
        digital_source_type=source_type,
        software_agent=software_agent,
        claim_generator=config.claim_generator,
        aigc_label=label,
        parent=parent,
        parent_content=parent_content,
        extra_actions=extra_actions,
        trust=config.c2pa_trust,
        soft_binding=soft_binding,
        validated_parent=parent_store,
        output=new_output_file(work_dir, ".signed") if isinstance(content, Source) and not content.in_memory else None,
    )
    return signed.content, signed.manifest_label
