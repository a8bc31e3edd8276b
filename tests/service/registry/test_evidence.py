"""The registry's answers as evidence for the one decision: marks resolved and bound, ProduceIDs known."""

from __future__ import annotations

import pytest
from tests.conftest import PRODUCER, encode, make_image
from tests.service.registry.conftest import MakeRecord

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import Category
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import Signal
from clearmark.media.asset import Asset, open_asset
from clearmark.media.limits import MediaLimits
from clearmark.service.policy import CONTENT_MISMATCH, UNKNOWN_PRODUCE_ID, decide
from clearmark.service.registry import PerceptualHash, RegistryStore
from clearmark.service.registry.evidence import restored_label, with_registry_evidence
from clearmark.service.registry.perceptual import IMAGE, RECORD_MISMATCH

KEY = "a1b2c3d4e5f60718"
NEAR, FAR = 0x0F0F_0F0F_0F0F_0F0F, 0xF0F0_F0F0_F0F0_F0F0  # 64 bits apart


@pytest.fixture(scope="module")
def asset() -> Asset:
    return open_asset(encode(make_image(320, 240), "PNG"), MediaLimits())


def _mark(bound: bool | str, content_hash: int) -> Signal:
    """Our mark as the watermark detector reports it (bound: its strength follows the picture;
    "undetermined": the strength test could not tell)."""
    bound = str(bound).lower()
    return Signal(
        source="watermark.clearmark",
        kind=SignalKind.WATERMARK_CLEARMARK,
        confidence=0.99,
        rule_id="watermark.clearmark.image",
        rule_version="2",
        category_hint=Category.AI_SUSPECTED if bound == "true" else Category.NO_SIGNAL,
        message=f"ClearMark watermark decoded, registry key {KEY}",
        attributes=(
            (Attr.REGISTRY_KEY, KEY),
            (Attr.CONTENT_BOUND, bound),
            (Attr.CONTENT_PHASH, f"{content_hash:016x}"),
        ),
    )


def _label(produce_id: str, producer: str = PRODUCER) -> Signal:
    return Signal(
        source="aigc.metadata",
        kind=SignalKind.METADATA_LABEL,
        confidence=1.0,
        rule_id="gb45438.appendix_e",
        rule_version="1",
        category_hint=Category.AI_GENERATED,
        attributes=((Attr.CARRIER, "xmp:TC260:AIGC"),),
        label=AigcLabel("1", producer, produce_id, "", "", "", ""),
    )


@pytest.mark.parametrize(
    ("bound", "content_hash", "category", "binding", "finding", "absent"),
    [
        # The stamped picture, its metadata stripped: the record makes it AI_GENERATED.
        (True, NEAR, Category.AI_GENERATED, "match", None, CONTENT_MISMATCH),
        # The same picture, the mark no longer following it (heavily edited): the record vouches.
        (False, NEAR, Category.AI_GENERATED, "match", None, CONTENT_MISMATCH),
        # The mark follows this picture but its record is another picture's: embedded onto other content.
        (True, FAR, Category.AI_SUSPECTED, "mismatch", RECORD_MISMATCH, CONTENT_MISMATCH),
        # A mark lifted from the stamped picture onto another: says nothing about this content.
        (False, FAR, Category.NO_SIGNAL, "mismatch", CONTENT_MISMATCH, RECORD_MISMATCH),
        # A uniform texture, where the strength test cannot tell: the record's hash decides...
        ("undetermined", NEAR, Category.AI_GENERATED, "match", None, CONTENT_MISMATCH),
        # ...and on other content, with nothing to vouch for it, it is a mismatch (as a copied mark).
        ("undetermined", FAR, Category.NO_SIGNAL, "mismatch", CONTENT_MISMATCH, RECORD_MISMATCH),
    ],
    ids=["resolved", "vouched-by-record", "record-mismatch", "copied", "undetermined-same", "undetermined-other"],
)
def test_a_mark_is_decided_with_its_record(
    store: RegistryStore,
    make_record: MakeRecord,
    asset: Asset,
    bound: bool | str,
    content_hash: int,
    category: Category,
    binding: str,
    finding: str | None,
    absent: str,
) -> None:
    store.record(make_record(watermark_id=KEY, perceptual=PerceptualHash(IMAGE, NEAR)))
    (mark,) = with_registry_evidence((_mark(bound, content_hash),), store, asset)
    assert mark.attribute(Attr.RESOLVED) == "true" and mark.attribute(Attr.RECORD_BINDING) == binding
    decision = decide((mark,))
    labels = {f.label for f in decision.findings}
    assert decision.category is category
    assert absent not in labels
    if finding:
        assert finding in labels
    if binding == "mismatch":
        assert mark.attribute(Attr.PERCEPTUAL_DISTANCE) == "64"


def test_a_mark_no_record_carries_stays_a_trace(store: RegistryStore, asset: Asset) -> None:
    (mark,) = with_registry_evidence((_mark(True, NEAR),), store, asset)
    assert mark.attribute(Attr.RESOLVED) == "false" and not mark.attribute(Attr.RECORD_BINDING)
    assert decide((mark,)).category is Category.AI_SUSPECTED


def _security_data() -> Signal:
    return Signal(
        source="aigc.security_data",
        kind=SignalKind.SECURITY_DATA,
        confidence=1.0,
        rule_id="tc260.pg202511a",
        rule_version="1",
        message="ReservedCode1 SM2 signature verifies",
    )


def test_an_unknown_produce_id_under_our_producer_code_is_a_possible_forgery(
    store: RegistryStore, make_record: MakeRecord, asset: Asset
) -> None:
    store.record(make_record(producer_code=PRODUCER, produce_id="CM-known"))
    forged = with_registry_evidence((_label("CM-forged"),), store, asset)
    assert forged[0].attribute(Attr.PRODUCE_ID_STAMPED) == "false"
    (finding,) = [f for f in decide(forged).findings if f.label == UNKNOWN_PRODUCE_ID]
    assert "CM-forged" in finding.message and PRODUCER in finding.message
    # Still a label: the content is labelled for Art. 6, the claim is what is in doubt.
    assert decide(forged).category is Category.AI_GENERATED

    genuine = with_registry_evidence((_label("CM-known"),), store, asset)
    assert genuine[0].attribute(Attr.PRODUCE_ID_STAMPED) == "true"
    assert UNKNOWN_PRODUCE_ID not in {f.label for f in decide(genuine).findings}
    # A signed label: the producer's signature vouches (or its own check fails), no guess here.
    signed = with_registry_evidence((_label("CM-forged"), _security_data()), store, asset)
    assert UNKNOWN_PRODUCE_ID not in {f.label for f in decide(signed).findings}


def test_a_producer_this_deployment_never_stamped_for_is_not_asked_about(
    store: RegistryStore, make_record: MakeRecord, asset: Asset
) -> None:
    store.record(make_record(producer_code=PRODUCER, produce_id="CM-known"))
    # Another deployment's producer (or one stamped only through Label records) is none of ours.
    store.record(make_record(verb="label", producer_code="OTHER-PRODUCER", produce_id="X-1"))
    (other,) = with_registry_evidence((_label("X-2", producer="OTHER-PRODUCER"),), store, asset)
    assert not other.attribute(Attr.PRODUCE_ID_STAMPED)
    assert UNKNOWN_PRODUCE_ID not in {f.label for f in decide((other,)).findings}


def test_only_a_valid_claim_restores_the_producers_label_from_the_stamp_record(
    store: RegistryStore, make_record: MakeRecord, asset: Asset
) -> None:
    store.record(
        make_record(watermark_id=KEY, perceptual=PerceptualHash(IMAGE, NEAR), producer_code=PRODUCER, produce_id="CM-1")
    )
    resolved = with_registry_evidence((_mark(True, NEAR),), store, asset)
    label = restored_label(resolved, store)
    assert label is not None and (label.label, label.content_producer, label.produce_id) == ("1", PRODUCER, "CM-1")
    # A copied mark, or one put onto other content, restores nothing: the decision did not take it.
    for bound, content_hash in ((False, FAR), (True, FAR)):
        assert restored_label(with_registry_evidence((_mark(bound, content_hash),), store, asset), store) is None
