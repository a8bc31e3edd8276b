"""The parent ingredient made from Inspect's c2pa reading is the one c2pa's add_ingredient makes from the parent."""

from __future__ import annotations

import io
import json
import random
import re
from dataclasses import replace
from pathlib import Path

import c2pa
import pytest
from tests.media.video.clips import ClipSpec, make_clip

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.labels.c2pa_manifest import (
    ACTION_CREATED,
    ACTION_EDITED_METADATA,
    ACTION_PUBLISHED,
    C2paSigning,
    ValidatedParent,
    sign_manifest,
)
from clearmark.media.c2pa_settings import C2paTrust
from clearmark.media.c2pa_store import read_manifest_report
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.media.movie_boxes import C2PA_UUID, read_manifest_store
from clearmark.media.source import Source

MP4 = "video/mp4"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("clip") / "in.mp4", ClipSpec(seconds=0.4)).read_bytes()


def _sign(data: bytes, signing: C2paSigning, trust: C2paTrust, parent: bool, validated: ValidatedParent | None = None):
    signed = sign_manifest(
        data,
        MP4,
        signing,
        action=ACTION_PUBLISHED if parent else ACTION_CREATED,
        digital_source_type="trainedAlgorithmicMedia",
        software_agent="test",
        claim_generator="ClearMark/test",
        aigc_label=None,
        parent=parent,
        extra_actions=(ACTION_EDITED_METADATA,) if parent else (),
        trust=trust,
        validated_parent=validated,
    )
    assert isinstance(signed.content, bytes)
    return signed.content


def _validated(data: bytes, trust: C2paTrust) -> ValidatedParent:
    report = read_manifest_report(data, MP4, trust)
    assert report is not None
    store = read_manifest_store(io.BytesIO(data), len(data), DEFAULT_LIMITS)
    assert store is not None
    return ValidatedParent(store, report.active_manifest_label, report.validation_results_json)


def _normalised(value: object) -> object:
    """IDs, hashes and times that differ from one signing to the next, blanked."""
    text = json.dumps(value, sort_keys=True)
    text = re.sub(r"urn:c2pa:[0-9a-f-]+(:[^\"/]*)?", "URN", text)
    text = re.sub(r"xmp\.iid:[0-9a-f-]{36}", "IID", text)
    text = re.sub(r'"(hash|pad|signature|time|instanceID)": "[^"]*"', r'"\1": "X"', text)
    return json.loads(text)


def _parent_ingredient(data: bytes, trust: C2paTrust) -> tuple[dict, dict]:
    """The active manifest's ingredient assertion as stored, and the store's validation results."""
    settings = {"trust": {"user_anchors": trust.anchors_pem}, "verify": {"remote_manifest_fetch": False}}
    with c2pa.Context.from_dict(settings) as context, c2pa.Reader(MP4, io.BytesIO(data), None, context) as reader:
        detailed, store = json.loads(reader.detailed_json()), json.loads(reader.json())
    assertions = detailed["manifests"][detailed["active_manifest"]]["assertion_store"]
    (ingredient,) = [value for key, value in assertions.items() if key.startswith("c2pa.ingredient")]
    assert re.fullmatch(r"xmp\.iid:[0-9a-f-]{36}", ingredient["instanceID"])
    return ingredient, {"state": store["validation_state"], "results": store["validation_results"]}


def _tampered(data: bytes) -> bytes:
    """One byte of the media data flipped: the producer's BMFF hash no longer matches."""
    changed = bytearray(data)
    changed[data.index(b"mdat") + 64] ^= 0xFF
    return bytes(changed)


@pytest.mark.parametrize("case", ["valid", "tampered", "labelled twice"])
def test_the_ingredient_from_inspects_reading_is_add_ingredients(case, clip, signing, trust) -> None:
    parent = _sign(clip, signing, trust, parent=False)
    if case == "tampered":
        parent = _tampered(parent)
    elif case == "labelled twice":  # the parent's own store holds an ingredient: the whole chain is kept
        parent = _sign(parent, signing, trust, parent=True)
    read_again = _sign(parent, signing, trust, parent=True)
    from_inspect = _sign(parent, signing, trust, parent=True, validated=_validated(parent, trust))
    (ingredient, results), (expected, expected_results) = (
        _parent_ingredient(from_inspect, trust),
        _parent_ingredient(read_again, trust),
    )
    assert _normalised(ingredient) == _normalised(expected)
    assert _normalised(results) == _normalised(expected_results)
    failures = {entry["code"] for entry in ingredient["validationResults"]["activeManifest"]["failure"]}
    assert ("assertion.bmffHash.mismatch" in failures) == (case == "tampered")
    assert results["state"] == "Trusted"  # the new manifest is; the parent's failure stays in its ingredient


def test_the_validated_parent_is_not_read_again(clip, signing, trust) -> None:
    parent = _sign(clip, signing, trust, parent=False)
    validated = _validated(parent, trust)
    signed = sign_manifest(
        parent,
        MP4,
        signing,
        action=ACTION_PUBLISHED,
        digital_source_type="",
        software_agent="test",
        claim_generator="ClearMark/test",
        aigc_label=None,
        parent=True,
        parent_content=Source(path=Path("/nonexistent/parent.mp4")),  # never opened
        trust=trust,
        validated_parent=validated,
    )
    report = read_manifest_report(signed.content, MP4, trust)
    assert report is not None and report.validated
    assert [i.manifest_label for i in report.ingredients] == [validated.active_manifest]


def test_the_store_is_read_from_the_c2pa_uuid_box_only(clip, signing, trust) -> None:
    assert read_manifest_store(io.BytesIO(clip), len(clip), DEFAULT_LIMITS) is None
    signed = _sign(clip, signing, trust, parent=False)
    store = read_manifest_store(io.BytesIO(signed), len(signed), DEFAULT_LIMITS)
    assert store is not None and store[4:8] == b"jumb"  # the JUMBF superbox of the C2PA store
    assert store in signed


def test_a_hostile_store_box_is_a_clear_error(clip, signing, trust) -> None:
    signed = _sign(clip, signing, trust, parent=False)
    at = signed.index(C2PA_UUID)
    with pytest.raises(InvalidMedia):  # the file ends inside the manifest box
        read_manifest_store(io.BytesIO(signed[: at + 200]), at + 200, DEFAULT_LIMITS)
    noise = random.Random(16).randbytes(4096)
    with pytest.raises(InvalidMedia):
        read_manifest_store(io.BytesIO(noise), len(noise), DEFAULT_LIMITS)
    small = replace(DEFAULT_LIMITS, max_movie_box_bytes=1024)
    with pytest.raises(MediaTooLarge, match="max_movie_box_bytes"):  # before the box is read
        read_manifest_store(io.BytesIO(signed), len(signed), small)
