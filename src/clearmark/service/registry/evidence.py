"""What the registry says about the claims in content, written onto its signals before policy decides.

The registry is evidence like any detector's: our watermark resolving to a record (and that record's
perceptual hash agreeing with the content), a label's ProduceID that a Stamp of this deployment
issued. The pipelines gather it right after the detectors ran and before ``policy.decide`` runs,
so the one decision sees it and Inspect, Verify, Label and the HTML report read the same result.

Scope: any tenant's record counts (the marks and ids are this deployment's, whoever stamped); only
yes/no, distances and hash kinds leave the registry, never another tenant's record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import Category
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import Signal
from clearmark.media.asset import Asset
from clearmark.service.registry.perceptual import IMAGE, BindingCheck, PerceptualHash, perceptual_hash_of
from clearmark.service.registry.store import ProvenanceRecord
from clearmark.watermark.binding import claim_holds


class RegistryView(Protocol):
    """The read-only questions the decision asks the registry (``RegistryStore`` answers them)."""

    def watermark_binding(self, watermark_id: str, content: PerceptualHash | None) -> BindingCheck | None:
        """The record a mark names compared with the content; None when no record carries the mark."""
        ...

    def produce_id_stamped(self, produce_id: str) -> bool:
        """Whether a Stamp of this deployment issued the ProduceID."""
        ...

    def watermark_stamp(self, watermark_id: str) -> ProvenanceRecord | None:
        """The Stamp record that embedded the mark (None when none)."""
        ...

    def stamps_producer(self, producer_code: str) -> bool:
        """Whether this deployment stamps content for the producer code."""
        ...


def _with(signal: Signal, **attributes: str) -> Signal:
    merged = dict(signal.attributes) | attributes
    return replace(signal, attributes=tuple(merged.items()))


def _content_hash(signal: Signal, asset: Asset) -> PerceptualHash | None:
    """The detector's hash of the content when it reported one, else the asset's own."""
    phash = signal.attribute(Attr.CONTENT_PHASH)
    return PerceptualHash.from_hex(IMAGE, phash) if phash else perceptual_hash_of(asset)


def resolve_mark(signal: Signal, registry: RegistryView, asset: Asset) -> Signal:
    """Our mark with what its record says: ``resolved``, the record binding, and the claim.

    A resolved mark that is a valid claim about this content (``watermark.binding.claim_holds``:
    its strength follows the content, or the content still hashes like the record) is evidence of
    AI_GENERATED; a copied mark the record vouches for (same picture, mark no longer following it)
    counts as bound, and so does one whose binding the strength test could not judge
    (``content_bound`` "undetermined": a uniform texture); an undetermined mark whose record
    hashes far from the content is a mismatch for policy (``watermark.content_mismatch``). A mark
    that follows this content but names another picture's record keeps its detector's hint; policy
    reports ``watermark.record_mismatch``.
    """
    key = signal.attribute(Attr.REGISTRY_KEY)
    binding = registry.watermark_binding(key, _content_hash(signal, asset))
    if binding is None:
        return _with(signal, **{Attr.RESOLVED: "false"})
    facts = {Attr.RESOLVED: "true"}
    if binding.matches is not None:
        facts |= {
            Attr.RECORD_BINDING: "match" if binding.matches else "mismatch",
            Attr.PERCEPTUAL_DISTANCE: str(binding.distance),
            Attr.PERCEPTUAL_KIND: binding.kind,
            Attr.MATCH_THRESHOLD: str(binding.threshold),
        }
    signal = _with(signal, **facts)
    bound = signal.attribute(Attr.CONTENT_BOUND, "true") == "true"
    if bound and binding.matches is False:
        return signal
    if not claim_holds(bound, binding.content_value, binding.recorded_value):
        return signal
    return replace(_with(signal, **{Attr.CONTENT_BOUND: "true"}), category_hint=Category.AI_GENERATED)


def check_produce_id(signal: Signal, registry: RegistryView) -> Signal:
    """A label naming a producer this deployment stamps for: whether a Stamp issued its ProduceID."""
    label = signal.label
    if label is None or not label.produce_id or not label.content_producer:
        return signal
    if not registry.stamps_producer(label.content_producer):
        return signal
    return _with(signal, **{Attr.PRODUCE_ID_STAMPED: str(registry.produce_id_stamped(label.produce_id)).lower()})


def restored_label(signals: tuple[Signal, ...], registry: RegistryView) -> AigcLabel | None:
    """The producer's label of content whose label was stripped, from the Stamp record its mark resolves to.

    Only a mark the decision took as a valid claim (AI_GENERATED) restores a label: Label "1" with the
    record's ContentProducer, ProduceID and the Stamp's own propagator fields (a SecurityData
    signature is not kept in the record and is not restored). It never enters a response's signals:
    a Label writes it (with the platform's fields); Lookup still shows a tenant only its own records.
    """
    for signal in signals:
        if signal.kind != SignalKind.WATERMARK_CLEARMARK or signal.category_hint is not Category.AI_GENERATED:
            continue
        record = registry.watermark_stamp(signal.attribute(Attr.REGISTRY_KEY))
        if record is not None and record.producer_code and record.produce_id:
            return AigcLabel(
                "1", record.producer_code, record.produce_id, "", record.propagator_code, record.propagate_id, ""
            )
    return None


def with_registry_evidence(signals: tuple[Signal, ...], registry: RegistryView, asset: Asset) -> tuple[Signal, ...]:
    """The signals with the registry's answers added; the ones it has nothing to say about unchanged.

    Raises:
        RegistryUnavailable: the registry database failed.
    """
    resolved = []
    for signal in signals:
        if signal.kind == SignalKind.WATERMARK_CLEARMARK and signal.attribute(Attr.REGISTRY_KEY):
            signal = resolve_mark(signal, registry, asset)
        elif signal.kind == SignalKind.METADATA_LABEL:
            signal = check_produce_id(signal, registry)
        resolved.append(signal)
    return tuple(resolved)
