"""Reading a C2PA manifest store: c2pa-python validates, this module reports state, signer, actions, ingredients.

No network is used unless ``C2paTrust.fetch_remote`` says so: a manifest the asset only points to
is reported with its URL and state ``Unverified``. The detector in ``detectors.c2pa_manifest`` turns
a report into signals; writers read a store's active manifest here too.

The active manifest's state is judged on its own results: c2pa lowers the whole store to
``Invalid`` when an *ingredient* fails, which is kept in ``store_validation_state`` and in each
ingredient's codes, but does not by itself make the active manifest invalid.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import c2pa

from clearmark.core.aigc import AigcLabel, parse_label_json
from clearmark.media.c2pa_settings import NO_TRUST, C2paTrust, c2pa_settings, describe_c2pa_error
from clearmark.media.source import Source

TRUSTED, VALID, INVALID, UNVERIFIED = "Trusted", "Valid", "Invalid", "Unverified"
UNTRUSTED_CODE, TRUSTED_CODE = "signingCredential.untrusted", "signingCredential.trusted"
REMOTE_NOT_FETCHED = "c2pa.remote_manifest.not_fetched"
ERROR_PREFIX = "c2pa.error:"
GB45438_ASSERTION_LABEL = "org.clearmark.gb45438"  # written by clearmark.labels.c2pa_manifest
NS_DCTERMS = "http://purl.org/dc/terms/"
# Our XMP pointer, written before signing so a stripped manifest is noticed.
C2PA_POINTER = "C2paManifest"
MAX_INGREDIENT_DEPTH = 16
_ACTIONS_LABEL = re.compile(r"^c2pa\.actions(?:\.v\d+)?(?:__\d+)?$")
_URL = re.compile(r"https?://[^\s\"')]+")
_C2PA_MARKERS = (b"jumb", b"c2pa", b"C2PA", b"caBX")


@dataclass(frozen=True)
class C2paIngredient:
    """One ingredient of a manifest, flattened from the ingredient tree (``depth`` 1 = direct)."""

    title: str
    relationship: str
    manifest_label: str = ""  # "" when the ingredient carried no manifest
    validation_state: str = ""  # "" without a manifest; Trusted | Valid | Invalid
    failure_codes: tuple[str, ...] = ()
    digital_source_types: tuple[str, ...] = ()
    depth: int = 1

    def describe(self) -> str:
        """``title|relationship|state|codes|label``, the form used in signal attributes."""
        fields = (self.title, self.relationship, self.validation_state, ",".join(self.failure_codes))
        return "|".join((*fields, self.manifest_label))


@dataclass(frozen=True)
class C2paReport:
    """What c2pa found and concluded about one asset's manifest store."""

    validation_state: str  # the active manifest's: Trusted | Valid | Invalid | Unverified
    failure_codes: tuple[str, ...] = ()
    informational_codes: tuple[str, ...] = ()
    store_validation_state: str = ""  # c2pa's own verdict over the whole store, ingredients included
    active_manifest_label: str = ""
    claim_generator: str = ""
    signer_subject: str = ""
    signer_issuer: str = ""
    signature_algorithm: str = ""
    not_before: str = ""
    not_after: str = ""
    timestamp: str = ""
    has_timestamp: bool = False
    actions: tuple[str, ...] = ()
    digital_source_types: tuple[str, ...] = ()
    software_agents: tuple[str, ...] = ()
    ingredients: tuple[C2paIngredient, ...] = ()
    gb45438_assertion: AigcLabel | None = None
    remote_url: str = ""
    embedded: bool = True
    # c2pa's own ``validation_results`` (JSON) for the whole store, as its Reader wrote them: what a
    # Builder records for this content as a parent ingredient (``labels.c2pa_manifest.ValidatedParent``).
    validation_results_json: str = field(default="", repr=False, compare=False)

    @property
    def validated(self) -> bool:
        """True when the active manifest is Trusted or Valid."""
        return self.validation_state in (TRUSTED, VALID)


def read_manifest_report(data: bytes | Source, mime_type: str, trust: C2paTrust = NO_TRUST) -> C2paReport | None:
    """Validate the C2PA manifest embedded in (or referenced by) the content.

    Args:
        data: the asset, bytes or a source (a file is streamed to c2pa, not loaded).
        mime_type: the sniffed type; "" lets c2pa detect it.
        trust: anchors, extra EKUs, and whether a remote manifest may be fetched.

    Returns:
        The report, or None when the asset carries no manifest (absence is not an error). A
        manifest c2pa cannot parse yields state ``Invalid`` with a ``c2pa.error:...`` code.
    """
    if mime_type and mime_type not in _reader_mime_types():
        return None
    return _read(data, mime_type, None, trust)


def read_sidecar_report(
    asset_bytes: bytes | Source, mime_type: str, sidecar_bytes: bytes, trust: C2paTrust = NO_TRUST
) -> C2paReport | None:
    """Validate a separate manifest store (a ``.c2pa`` sidecar) against the asset it describes.

    Returns:
        The report (``embedded`` False), or None for an empty sidecar.
    """
    if not sidecar_bytes:
        return None
    report = _read(asset_bytes, mime_type, sidecar_bytes, trust)
    return report if report is not None else C2paReport(INVALID, (ERROR_PREFIX + "empty manifest store",))


def _read(content: bytes | Source, mime_type: str, sidecar: bytes | None, trust: C2paTrust) -> C2paReport | None:
    source = Source.of(content)
    try:
        with source.open() as stream:
            reader = c2pa.Reader.try_create(mime_type or None, stream, sidecar, _reader_context(trust))
            if reader is None:
                return None
            with reader:
                store = json.loads(reader.json())
                certificates = _crjson_signatures(reader)
                remote_url = reader.get_remote_url() or ""
                embedded = reader.is_embedded()
        return _report_from_store(store, certificates, remote_url, embedded)
    except c2pa.C2paError as exc:
        return _error_report(exc, source, sidecar is not None)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # JSON c2pa produced for a hostile store that does not have the documented shape.
        return C2paReport(INVALID, (ERROR_PREFIX + f"unreadable manifest report ({type(exc).__name__})",))


@functools.lru_cache(maxsize=8)
def _reader_context(trust: C2paTrust) -> c2pa.Context:
    """One c2pa context per trust configuration and process: parsing the anchors costs ~5 ms a read.

    Readers share it (c2pa-python allows one context for many readers); it lives as long as the process.
    """
    return c2pa.Context.from_dict(c2pa_settings(trust))


def _reader_mime_types() -> frozenset[str]:
    return frozenset(c2pa.Reader.get_supported_mime_types())


def _crjson_signatures(reader: c2pa.Reader) -> dict[str, Mapping[str, Any]]:
    """Signature details by manifest label from crJSON (certificate validity, TSA time); best effort."""
    try:
        document = json.loads(reader.crjson())
    except (c2pa.C2paError, ValueError):
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    for manifest in _list(_dict(document).get("manifests")):
        manifest = _dict(manifest)
        if isinstance(manifest.get("label"), str):
            found[manifest["label"]] = _dict(manifest.get("signature"))
    return found


def _has_markers(source: Source) -> bool:
    """True when some byte run of the content looks like a manifest store (scanned in overlapping pieces)."""
    carry = b""
    for piece in source.chunks():
        window = carry + piece
        if any(marker in window for marker in _C2PA_MARKERS):
            return True
        carry = window[-8:]
    return False


def _error_report(exc: BaseException, source: Source, sidecar: bool) -> C2paReport | None:
    text = describe_c2pa_error(exc)
    if text.startswith("Remote:"):
        url = _URL.search(text)
        code = REMOTE_NOT_FETCHED if "must fetch" in text else ERROR_PREFIX + text
        return C2paReport(UNVERIFIED, (code,), remote_url=url.group(0) if url else "", embedded=False)
    if not sidecar and not _has_markers(source):
        return None  # c2pa failed on the container itself, and nothing in it looks like a manifest
    return C2paReport(INVALID, (ERROR_PREFIX + text,), store_validation_state=INVALID, embedded=not sidecar)


def _report_from_store(
    store: Mapping[str, Any], certificates: Mapping[str, Mapping[str, Any]], remote_url: str, embedded: bool
) -> C2paReport:
    manifests = _dict(store.get("manifests"))
    label = str(store.get("active_manifest") or "")
    manifest = _dict(manifests.get(label))
    results = _dict(store.get("validation_results"))
    active = _dict(results.get("activeManifest"))
    store_state = str(store.get("validation_state") or "")
    if active:
        failures = _codes(active.get("failure"))
        informational = _codes(active.get("informational"))
        state = _active_state(store_state, failures, _codes(active.get("success")))
    else:  # a store without per-manifest results: c2pa's flat list and verdict are all there is
        failures = _codes(store.get("validation_status"))
        informational = ()
        state = store_state or _state(failures, ())
    signature_info = _dict(manifest.get("signature_info"))
    signature = _dict(certificates.get(label))
    certificate = _dict(signature.get("certificateInfo"))
    validity = _dict(certificate.get("validity"))
    timestamp = str(_dict(signature.get("timeStampInfo")).get("timestamp") or signature_info.get("time") or "")
    actions = list(_actions(manifest))
    deltas = _ingredient_deltas(results, label)
    return C2paReport(
        validation_state=state,
        failure_codes=failures,
        informational_codes=informational,
        store_validation_state=store_state,
        active_manifest_label=label,
        claim_generator=_claim_generator(manifest),
        signer_subject=_distinguished_name(certificate.get("subject")) or str(signature_info.get("common_name") or ""),
        signer_issuer=_distinguished_name(certificate.get("issuer")) or str(signature_info.get("issuer") or ""),
        signature_algorithm=str(signature.get("algorithm") or signature_info.get("alg") or "").lower(),
        not_before=str(validity.get("notBefore") or ""),
        not_after=str(validity.get("notAfter") or ""),
        timestamp=timestamp,
        has_timestamp=bool(timestamp),
        actions=tuple(str(a.get("action") or "") for a in actions),
        digital_source_types=unique(str(a.get("digitalSourceType") or "") for a in actions),
        software_agents=unique(_agent_name(a.get("softwareAgent")) for a in actions),
        ingredients=tuple(_ingredients(manifest, manifests, deltas, depth=1, seen={label})),
        gb45438_assertion=_mirrored_label(manifest),
        remote_url=remote_url,
        embedded=embedded,
        validation_results_json=json.dumps(results) if results else "",
    )


def _untrusted(code: str) -> bool:
    """A trust-list verdict (``signingCredential.untrusted``, ``cawg.x509.credential.untrusted``…).

    c2pa-rs rates a manifest Valid with these: trust is the reader's configuration, not the file's.
    """
    return code.endswith(".untrusted")


def _state(failures: tuple[str, ...], successes: tuple[str, ...]) -> str:
    """A manifest's state from its own codes (ingredients; stores without per-manifest results)."""
    if any(not _untrusted(code) for code in failures):
        return INVALID
    return TRUSTED if TRUSTED_CODE in successes and not failures else VALID


def _active_state(store_state: str, failures: tuple[str, ...], successes: tuple[str, ...]) -> str:
    """The active manifest's state: c2pa's own verdict, except when only an ingredient made the store Invalid."""
    if store_state in (TRUSTED, VALID):
        return store_state
    if store_state == INVALID and all(_untrusted(code) for code in failures):
        return _state(failures, successes)  # the active manifest's own codes are clean: an ingredient failed
    return store_state or _state(failures, successes)


def _ingredients(
    manifest: Mapping[str, Any],
    manifests: Mapping[str, Any],
    deltas: Mapping[str, Mapping[str, Any]],
    *,
    depth: int,
    seen: set[str],
) -> Iterator[C2paIngredient]:
    if depth > MAX_INGREDIENT_DEPTH:
        return
    for raw in _list(manifest.get("ingredients")):
        ingredient = _dict(raw)
        label = str(ingredient.get("active_manifest") or "")
        stored = _dict(_dict(ingredient.get("validation_results")).get("activeManifest"))
        delta = _dict(deltas.get(str(ingredient.get("label") or ""))) if depth == 1 else {}
        failures = _codes(stored.get("failure")) or _codes(ingredient.get("validation_status"))
        delta_successes = _codes(delta.get("success"))
        if TRUSTED_CODE in delta_successes:  # validated again now, against this reader's anchors
            failures = tuple(c for c in failures if c != UNTRUSTED_CODE)
        failures = unique((*failures, *_codes(delta.get("failure"))))
        child = _dict(manifests.get(label))
        state = _state(failures, (*_codes(stored.get("success")), *delta_successes)) if label else ""
        yield C2paIngredient(
            title=str(ingredient.get("title") or ""),
            relationship=str(ingredient.get("relationship") or ""),
            manifest_label=label,
            validation_state=state,
            failure_codes=failures,
            digital_source_types=unique(str(a.get("digitalSourceType") or "") for a in _actions(child)),
            depth=depth,
        )
        if label and label not in seen and child:
            yield from _ingredients(child, manifests, {}, depth=depth + 1, seen=seen | {label})


def _ingredient_deltas(results: Mapping[str, Any], active_label: str) -> dict[str, Mapping[str, Any]]:
    """Read-time validation deltas of the active manifest's ingredients, by ingredient assertion label."""
    found: dict[str, Mapping[str, Any]] = {}
    prefix = f"self#jumbf=/c2pa/{active_label}/c2pa.assertions/"
    for raw in _list(results.get("ingredientDeltas")):
        entry = _dict(raw)
        uri = str(entry.get("ingredientAssertionURI") or "")
        if uri.startswith(prefix):
            found[uri[len(prefix) :]] = _dict(entry.get("validationDeltas"))
    return found


def _actions(manifest: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for raw in _list(manifest.get("assertions")):
        assertion = _dict(raw)
        if _ACTIONS_LABEL.match(str(assertion.get("label") or "")):
            for action in _list(_dict(assertion.get("data")).get("actions")):
                if isinstance(action, Mapping):
                    yield action


def _mirrored_label(manifest: Mapping[str, Any]) -> AigcLabel | None:
    for raw in _list(manifest.get("assertions")):
        assertion = _dict(raw)
        if assertion.get("label") == GB45438_ASSERTION_LABEL:
            parsed = parse_label_json(json.dumps(assertion.get("data")))
            return None if parsed is None else parsed.label
    return None


def _claim_generator(manifest: Mapping[str, Any]) -> str:
    info = _list(manifest.get("claim_generator_info"))
    if info:
        return _agent_name(info[0])
    return str(manifest.get("claim_generator") or "")


def _agent_name(agent: object) -> str:
    if isinstance(agent, Mapping):
        name, version = str(agent.get("name") or ""), str(agent.get("version") or "")
        return f"{name}/{version}" if name and version else name
    return agent if isinstance(agent, str) else ""


def _distinguished_name(name: object) -> str:
    """RFC 4514 order (most specific first) of crJSON's ``{"C": .., "O": .., "CN": ..}``."""
    if not isinstance(name, Mapping):
        return ""
    parts = [f"{key}={str(value).replace(',', chr(92) + ',')}" for key, value in name.items()]
    return ",".join(reversed(parts))


def _codes(entries: object) -> tuple[str, ...]:
    return unique(str(_dict(entry).get("code") or "") for entry in _list(entries))


def unique(values: Iterator[str] | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
