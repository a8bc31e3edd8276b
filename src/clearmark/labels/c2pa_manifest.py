"""C2PA signing: a manifest with the AI actions and a mirror of the GB 45438 label, embedded by c2pa-python.

Order matters: write the GB 45438 XMP first, then sign, because the manifest's hard binding
(``c2pa.hash.data``) covers every byte outside the manifest itself; any later edit invalidates it.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import c2pa

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import ClearMarkError, InvalidRequest, UnsupportedFormat
from clearmark.media.c2pa_settings import NO_TRUST, C2paTrust, c2pa_settings, describe_c2pa_error, url_host
from clearmark.media.registry import format_for_mime
from clearmark.media.source import Content, Source, content_size

ALGORITHMS: frozenset[str] = frozenset({"es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"})

IPTC_SOURCE_TYPE_PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/"
ACTION_CREATED = "c2pa.created"
ACTION_OPENED = "c2pa.opened"
# C2PA 2.x: "c2pa.published" = the asset was distributed; the action a platform re-publishing an
# upload records (after the c2pa.opened of its parent ingredient). Metadata-only changes (the
# propagator fields) are "c2pa.edited.metadata"; pass it in ``extra_actions``.
ACTION_PUBLISHED = "c2pa.published"
ACTION_EDITED = "c2pa.edited"
ACTION_EDITED_METADATA = "c2pa.edited.metadata"
# Our custom assertion: the seven GB 45438 fields, so a C2PA-only reader sees the same facts.
GB45438_ASSERTION_LABEL = "org.clearmark.gb45438"
# The soft-binding algorithm name of ClearMark's invisible image mark (keyed; 64-bit registry key).
SOFT_BINDING_ALG = "org.clearmark.watermark.image.v1"
GB45438_STANDARD = "GB 45438-2025"
_PARENT_ID = "clearmark.parent"
_PARENT_STORE_ID = "clearmark.parent.c2pa"
# c2pa-rs copies the source into the signed output through c2pa-python's stream callbacks in 8 KiB
# requests (``std::io::copy``), one Python call each way per request: with Python's default 8 KiB file
# buffer each request is also a system call. A 1 MiB buffer on the source and the output makes them
# memory copies (docs/benchmarks.md, "Label with C2PA: passes over the file").
SIGNING_STREAM_BUFFER = 1 << 20


class ManifestSigningFailed(ClearMarkError):
    """c2pa could not sign the content (unreadable signing material, a c2pa error); never names key bytes."""

    default_reason = "C2PA_SIGNING_FAILED"


@dataclass(frozen=True)
class C2paSigning:
    """Where the signer's chain and key are, and how to sign.

    Attributes:
        cert_chain_pem: PEM certificates, signer first, then each issuer (no root needed).
        private_key_pem: the signer's unencrypted PEM private key.
        algorithm: a C2PA algorithm name matching the key (``es256``, ``ps256``, ``ed25519``, ...).
        tsa_url: an RFC 3161 time-stamp authority; the only host c2pa may then contact.
        thumbnails: embed c2pa's claim thumbnail (off: c2pa's default is on, up to 1024 px).
    """

    cert_chain_pem: Path
    private_key_pem: Path
    algorithm: str = "es256"
    tsa_url: str = ""
    thumbnails: bool = False

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"C2PA signing algorithm {self.algorithm!r} is not one of {sorted(ALGORITHMS)}")
        if self.tsa_url and not url_host(self.tsa_url):
            raise ValueError(f"C2PA time-stamp authority URL {self.tsa_url!r} has no host")


@dataclass(frozen=True)
class ValidatedParent:
    """The parent's embedded manifest store as c2pa's Reader already validated it (Inspect's pass).

    With it the parent ingredient is recorded from the definition, as c2pa's own archives carry one,
    instead of ``add_ingredient`` reading and hashing the whole parent a second time. The ingredient
    assertion is the one ``add_ingredient`` writes (tests/labels/test_c2pa_validated_parent.py):
    the same store, active manifest and validation results, and a fresh ``xmp.iid:`` instance ID,
    which is all ``add_ingredient`` adds for a parent without XMP (give none for one with XMP).

    Attributes:
        manifest_store: the JUMBF store embedded in the parent, byte for byte.
        active_manifest: its active manifest's label, as the Reader reported it.
        validation_results_json: the Reader's ``validation_results``, judged by the signer's trust.
    """

    manifest_store: bytes = field(repr=False)
    active_manifest: str
    validation_results_json: str = field(repr=False)


@dataclass(frozen=True)
class SignedManifest:
    """Signed content and what the registry keeps about its manifest.

    Attributes:
        content: the signed content: bytes, or the ``output`` file it was signed into (the unchanged
            input when the manifest is not embedded).
        manifest_label: the active manifest's label, ``urn:c2pa:<uuid>``.
        size_added: bytes the embedded manifest store added to the content.
        manifest_store: the signed manifest store (JUMBF); the sidecar when not embedded.
    """

    content: Content
    manifest_label: str
    size_added: int
    manifest_store: bytes = field(default=b"", repr=False)


def sign_manifest(
    data: Content,
    mime_type: str,
    signing: C2paSigning,
    *,
    action: str,
    digital_source_type: str,
    software_agent: str,
    claim_generator: str,
    aigc_label: AigcLabel | None,
    parent: bool = False,
    parent_content: Content | None = None,
    title: str = "",
    extra_actions: tuple[str, ...] = (),
    trust: C2paTrust = NO_TRUST,
    embed: bool = True,
    soft_binding: str = "",
    output: Path | None = None,
    validated_parent: ValidatedParent | None = None,
) -> SignedManifest:
    """Sign ``data`` with a C2PA manifest and embed it.

    Content held in files is signed from file to file: c2pa reads the source stream and writes the
    ``output`` stream, so neither is ever whole in this process's memory.

    Args:
        data: the content (bytes or a ``Source``), already carrying its GB 45438 metadata.
        mime_type: its sniffed type, of a format whose spec says c2pa signs it.
        signing: signer chain, key and options.
        action: ``c2pa.created`` (Stamp) or, with ``parent``, e.g. ``c2pa.published`` (Label).
        digital_source_type: IPTC term or full URI (``trainedAlgorithmicMedia``); "" for none.
        software_agent: the producing model or service, recorded as the action's softwareAgent.
        claim_generator: ``name/version`` of the signing software.
        aigc_label: the GB 45438 label to mirror in ``org.clearmark.gb45438``; None for no mirror.
        parent: record a parent ingredient (parentOf), keeping the manifest history of the input;
            c2pa then needs ``c2pa.opened`` first, which is added here.
        parent_content: the parent as it arrived (before any label was written into it), bytes or
            a ``Source``, so its own manifest is kept whole; ``data`` itself when None.
        title: the manifest's title (``dc:title``).
        extra_actions: further action names recorded after ``action`` (``c2pa.edited.metadata``).
        trust: anchors and EKUs c2pa judges the parent ingredient and the result by.
        embed: False keeps the content unchanged and returns the store as a sidecar.
        soft_binding: hex registry key of the invisible watermark embedded in the content, recorded
            as a ``c2pa.soft-binding`` assertion (algorithm ``SOFT_BINDING_ALG``); "" for none.
        output: a file to write the signed content into (returned as a ``Source``); None returns
            bytes. Give one whenever ``data`` is a file.
        validated_parent: with ``parent``, the parent's store as c2pa already validated it
            (``parent_content`` is then not read); None lets c2pa read and validate the parent.

    Raises:
        UnsupportedFormat: a type ClearMark does not sign.
        InvalidRequest: an action c2pa would reject for this shape (created with a parent,
            anything but created without one).
        ManifestSigningFailed: the signing material is unreadable or c2pa refused to sign.
    """
    spec = format_for_mime(mime_type)
    if spec is None or not spec.signs_c2pa:
        raise UnsupportedFormat(f"C2PA signing of {mime_type} is not supported")
    _check_actions(action, parent)
    definition = _manifest_definition(
        mime_type,
        action=action,
        digital_source_type=digital_source_type,
        software_agent=software_agent,
        claim_generator=claim_generator,
        aigc_label=aigc_label,
        parent=parent,
        title=title,
        extra_actions=extra_actions,
        soft_binding=soft_binding,
    )
    if parent and validated_parent is not None:
        definition["ingredients"] = [_validated_parent_ingredient(validated_parent, mime_type, title)]
    chain = _read_material(signing.cert_chain_pem, "certificate chain")
    key = _read_material(signing.private_key_pem, "private key")
    hosts = (url_host(signing.tsa_url),) if signing.tsa_url else ()
    settings = c2pa_settings(trust, thumbnails=signing.thumbnails, network_hosts=hosts)
    source = Source.of(data)
    info = c2pa.C2paSignerInfo(signing.algorithm.encode(), chain, key, signing.tsa_url.encode() or None)
    try:
        # The signer rides in the Context (which consumes it): builder.sign refuses a signer that
        # is configured only in settings.
        with (
            c2pa.Signer.from_info(info) as signer,
            c2pa.Settings.from_dict(settings) as c2pa_config,
            c2pa.Context(c2pa_config, signer) as context,
            contextlib.ExitStack() as streams,
        ):
            with c2pa.Builder(definition, context) as builder:
                if parent and validated_parent is not None:
                    builder.add_resource(_PARENT_STORE_ID, io.BytesIO(validated_parent.manifest_store))
                elif parent:
                    ingredient = {"title": title or "parent", "relationship": "parentOf", "label": _PARENT_ID}
                    original = source if parent_content is None else Source.of(parent_content)
                    builder.add_ingredient(ingredient, mime_type, streams.enter_context(original.open()))
                if not embed:
                    builder.set_no_embed()
                # c2pa reads back what it wrote: a file output is opened for reading and writing.
                sink: Any = (
                    io.BytesIO()
                    if output is None or not embed
                    else streams.enter_context(output.open("w+b", buffering=SIGNING_STREAM_BUFFER))
                )
                store = builder.sign(mime_type, streams.enter_context(source.open(SIGNING_STREAM_BUFFER)), sink)
    except c2pa.C2paError as exc:
        raise ManifestSigningFailed(
            f"c2pa could not sign the {mime_type} content: {describe_c2pa_error(exc)}"
        ) from None
    except OSError as exc:
        raise ManifestSigningFailed(f"the signed {mime_type} content could not be written: {exc.strerror}") from None
    if not embed:
        content: Content = data
    elif output is None:
        content = sink.getvalue()
    else:
        content = Source(path=output)
    return SignedManifest(
        content=content,
        manifest_label=_active_label(store),
        size_added=content_size(content) - source.size,
        manifest_store=store,
    )


def source_type_uri(value: str) -> str:
    """The full IPTC URI of a digital source type given as a bare term or a URI."""
    value = value.strip()
    return value if "/" in value or not value else IPTC_SOURCE_TYPE_PREFIX + value


def _check_actions(action: str, parent: bool) -> None:
    if parent and action == ACTION_CREATED:
        raise InvalidRequest("a C2PA manifest with a parent ingredient cannot start with c2pa.created")
    if not parent and action != ACTION_CREATED:
        raise InvalidRequest(
            f"C2PA requires the first action to be c2pa.created or c2pa.opened; {action!r} needs parent=True"
        )


def _manifest_definition(
    mime_type: str,
    *,
    action: str,
    digital_source_type: str,
    software_agent: str,
    claim_generator: str,
    aigc_label: AigcLabel | None,
    parent: bool,
    title: str,
    extra_actions: tuple[str, ...],
    soft_binding: str = "",
) -> dict[str, Any]:
    main: dict[str, Any] = {"action": action}
    if digital_source_type:
        main["digitalSourceType"] = source_type_uri(digital_source_type)
    if software_agent:
        main["softwareAgent"] = {"name": software_agent}
    actions: list[dict[str, Any]] = []
    if parent:
        actions.append({"action": ACTION_OPENED, "parameters": {"ingredientIds": [_PARENT_ID]}})
    actions.append(main)
    actions += [{"action": name} for name in extra_actions]
    name, _, version = claim_generator.partition("/")
    generator = {"name": name or "ClearMark"}
    if version:
        generator["version"] = version
    # "c2pa.actions" is written as c2pa.actions.v2 (claim version 2) by c2pa-rs 0.91.
    assertions: list[dict[str, Any]] = [{"label": "c2pa.actions", "data": {"actions": actions}}]
    if aigc_label is not None:
        assertions.append(
            {
                "label": GB45438_ASSERTION_LABEL,
                "data": {"standard": GB45438_STANDARD, "AIGC": aigc_label.as_ordered_dict()},
            }
        )
    if soft_binding:
        value = base64.b64encode(bytes.fromhex(soft_binding)).decode()
        assertions.append(
            {"label": "c2pa.soft-binding", "data": {"alg": SOFT_BINDING_ALG, "blocks": [{"scope": {}, "value": value}]}}
        )
    definition: dict[str, Any] = {"claim_generator_info": [generator], "format": mime_type, "assertions": assertions}
    if title:
        definition["title"] = title
    return definition


def _validated_parent_ingredient(parent: ValidatedParent, mime_type: str, title: str) -> dict[str, Any]:
    """The parent ingredient as ``add_ingredient`` would make it from the parent, made from Inspect's reading."""
    return {
        "title": title or "parent",
        "relationship": "parentOf",
        "label": _PARENT_ID,
        "format": mime_type,
        # add_ingredient's own instance ID for an asset without XMP (c2pa-rs: "xmp.iid:" + a v4 UUID).
        "instance_id": f"xmp.iid:{uuid.uuid4()}",
        "active_manifest": parent.active_manifest,
        "validation_results": json.loads(parent.validation_results_json),
        "manifest_data": {"format": "application/c2pa", "identifier": _PARENT_STORE_ID},
    }


def _read_material(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ManifestSigningFailed(f"cannot read the C2PA {what} file {path}: {exc.strerror}") from None


def _active_label(store: bytes) -> str:
    """The active manifest's label, read back from the signed store without validating it again."""
    settings = {
        "verify": {"verify_after_reading": False, "remote_manifest_fetch": False},
        "core": {"allowed_network_hosts": []},
    }
    try:
        with (
            c2pa.Context.from_dict(settings) as context,
            c2pa.Reader("application/c2pa", io.BytesIO(store), None, context) as reader,
        ):
            return str(json.loads(reader.json()).get("active_manifest", ""))
    except (c2pa.C2paError, ValueError) as exc:
        raise ManifestSigningFailed(
            f"c2pa signed, but its manifest store is unreadable: {describe_c2pa_error(exc)}"
        ) from None
