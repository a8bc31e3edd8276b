"""The GB 45438 / Measures checklist for every modality: one function per requirement, each with its evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clearmark.core.aigc import FIELD_ORDER, is_valid_field_value, producer_code_problems
from clearmark.core.enums import Category, MediaKind, Outcome
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import ComplianceCheck, Inspection, Signal
from clearmark.media.registry import format_named
from clearmark.service.policy import CONTENT_MISMATCH, LABEL_KIND, MALFORMED_LABEL_KIND, UNKNOWN_PRODUCE_ID
from clearmark.service.registry.perceptual import RECORD_MISMATCH
from clearmark.watermark import payload_for_produce_id, payload_hex

PASS, FAIL, NA, INCONCLUSIVE = Outcome.PASS, Outcome.FAIL, Outcome.NOT_APPLICABLE, Outcome.INCONCLUSIVE


@dataclass(frozen=True)
class CheckInput:
    """What the checks look at: the inspection's signals, sorted by kind."""

    inspection: Inspection
    # Empty propagator fields FAIL only where the content has been through a platform, or always when set.
    require_propagator: bool = False

    @property
    def no_ai_signal(self) -> bool:
        """Nothing says AI: a camera photo or a human's text is not non-compliant for lacking a label."""
        return self.inspection.category in (Category.NO_SIGNAL, Category.CATEGORY_UNSPECIFIED)

    @property
    def published(self) -> bool:
        """A C2PA manifest records a platform publishing the content (``c2pa.published``)."""
        manifests = self.of_kind(SignalKind.C2PA_MANIFEST) + self.of_kind(SignalKind.C2PA_MANIFEST_INVALID)
        return any("c2pa.published" in s.attribute("actions").split(",") for s in manifests)

    def of_kind(self, kind: str) -> list[Signal]:
        return [s for s in self.inspection.signals if s.kind == kind]

    @property
    def labels(self) -> list[Signal]:
        return self.of_kind(LABEL_KIND)

    @property
    def notices(self) -> list[Signal]:
        """Our recorded notice when there is one (exact geometry), else notices OCR saw."""
        return self.of_kind(SignalKind.NOTICE_RECORDED) or self.of_kind(SignalKind.NOTICE_SEEN)


Check = Callable[[CheckInput], ComplianceCheck]
# Findings that say the content's claims on this deployment's registry do not hold.
REGISTRY_FINDINGS = frozenset({RECORD_MISMATCH, CONTENT_MISMATCH, UNKNOWN_PRODUCE_ID})
ALL_KINDS = frozenset(MediaKind) - {MediaKind.MEDIA_KIND_UNSPECIFIED}
IMAGE = frozenset({MediaKind.IMAGE})
VIDEO = frozenset({MediaKind.VIDEO})
TEXTUAL = frozenset({MediaKind.TEXT, MediaKind.DOCUMENT})
AUDIO = frozenset({MediaKind.AUDIO})
# Every requirement with the modalities it applies to, in report order.
CHECKS: list[tuple[frozenset[MediaKind], Check]] = []


def requirement(
    requirement_id: str, title: str, reference: str, kinds: frozenset[MediaKind] = ALL_KINDS
) -> Callable[[Callable[[CheckInput], tuple[Outcome, list[str]]]], Check]:
    """Register a check function returning (outcome, evidence) under a stable requirement id."""

    def wrap(fn: Callable[[CheckInput], tuple[Outcome, list[str]]]) -> Check:
        def check(data: CheckInput) -> ComplianceCheck:
            outcome, evidence = fn(data)
            return ComplianceCheck(requirement_id, title, outcome, tuple(evidence), reference)

        CHECKS.append((kinds, check))
        return check

    return wrap


def _per_label(data: CheckInput, judge: Callable[[Signal], tuple[Outcome, str]]) -> tuple[Outcome, list[str]]:
    """Judge every label found; the worst outcome wins, each label contributes evidence."""
    if not data.labels:
        return NA, ["no metadata label"]
    results = [judge(s) for s in data.labels]
    outcomes = [o for o, _ in results]
    worst = FAIL if FAIL in outcomes else (PASS if PASS in outcomes else outcomes[0])
    return worst, [f"{s.attribute('carrier')}: {e}" for s, (_, e) in zip(data.labels, results, strict=True)]


@requirement("metadata.present", "An implicit metadata label is present", "Measures Art. 5; GB 45438-2025 §6")
def _present(data: CheckInput) -> tuple[Outcome, list[str]]:
    found = data.labels + data.of_kind(MALFORMED_LABEL_KIND)
    if found:
        return PASS, [s.attribute(Attr.CARRIER) for s in found]
    if data.no_ai_signal:
        return NA, ["no AI signal at all: nothing obliges this content to carry a label"]
    spec = format_named(data.inspection.media.format)
    if spec.label_carrier is None:
        return NA, [f"{spec.description} has no standard metadata container (GB 45438): the explicit notice carries it"]
    return FAIL, ["no TC260:AIGC property nor any compat AIGC carrier in the file"]


@requirement("metadata.single_label", "Exactly one metadata label", "GB 45438-2025 §6.1 c")
def _single(data: CheckInput) -> tuple[Outcome, list[str]]:
    found = data.labels + data.of_kind(MALFORMED_LABEL_KIND)
    carriers = [s.attribute(Attr.CARRIER) for s in found]
    if not found:
        return NA, ["no metadata label"]
    return (PASS if len(found) == 1 else FAIL), [f"{len(found)} label(s): {', '.join(carriers)}"]


@requirement("metadata.well_formed", "Every AIGC value parses as the seven-field JSON", "GB 45438-2025 Appendix E")
def _well_formed(data: CheckInput) -> tuple[Outcome, list[str]]:
    bad = data.of_kind(MALFORMED_LABEL_KIND)
    if bad:
        return FAIL, [s.message for s in bad]
    return (PASS, ["parsed"]) if data.labels else (NA, ["no metadata label"])


@requirement("metadata.carrier", "The label is where the format's guide puts it", "TC260 PG-20259A, PG-202510A")
def _carrier(data: CheckInput) -> tuple[Outcome, list[str]]:
    standard = format_named(data.inspection.media.format).label_carrier or "XMP TC260:AIGC"
    return _per_label(
        data,
        lambda s: (
            (PASS, f"the format's standard carrier ({standard})")
            if s.attribute(Attr.STANDARD_CARRIER) == "true"
            else (FAIL, f"compat form; readers accept it, writers should use {standard}")
        ),
    )


def _seven_keys(s: Signal) -> tuple[Outcome, str]:
    missing, extra = s.attribute(Attr.MISSING_KEYS), s.attribute(Attr.EXTRA_KEYS)
    if missing or extra:
        return FAIL, f"missing [{missing}] extra [{extra}]"
    if s.attribute(Attr.KEYS_IN_ORDER) != "true":
        return FAIL, f"keys not in the order {','.join(FIELD_ORDER)}"
    return PASS, "seven keys in order"


@requirement("metadata.seven_keys", "All seven keys, in the standard's order", "GB 45438-2025 Appendix E")
def _keys(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _per_label(data, _seven_keys)


@requirement("metadata.string_values", "Every value is a JSON string", "GB 45438-2025 Appendix E")
def _strings(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _per_label(
        data,
        lambda s: (
            (FAIL, f"non-string values: {s.attribute('non_string_keys')}")
            if s.attribute(Attr.NON_STRING_KEYS)
            else (PASS, "all strings")
        ),
    )


@requirement("metadata.label_value", 'Label is "1", "2" or "3"', "GB 45438-2025 Appendix E")
def _label_value(data: CheckInput) -> tuple[Outcome, list[str]]:
    def judge(s: Signal) -> tuple[Outcome, str]:
        value = s.label.label if s.label else ""
        return (PASS if value in {"1", "2", "3"} else FAIL), f"Label={value!r}"

    return _per_label(data, judge)


@requirement("metadata.charset", "Values use the Appendix E character set", "GB 45438-2025 Appendix E")
def _charset(data: CheckInput) -> tuple[Outcome, list[str]]:
    def judge(s: Signal) -> tuple[Outcome, str]:
        assert s.label is not None
        bad = [k for k, v in s.label.as_ordered_dict().items() if not is_valid_field_value(v)]
        return (
            (FAIL, f"outside the charset: {', '.join(bad)}")
            if bad
            else (PASS, "printable ASCII, no space/quote/backslash")
        )

    return _per_label(data, judge)


@requirement("metadata.producer_code", "ContentProducer is a 27-character provider code", "TC260 PG-20252A")
def _producer_code(data: CheckInput) -> tuple[Outcome, list[str]]:
    def judge(s: Signal) -> tuple[Outcome, str]:
        assert s.label is not None
        code = s.label.content_producer
        if not code:
            if s.label.label in {"2", "3"}:
                return NA, "no producer (a platform's Label 2/3)"
            return FAIL, "ContentProducer is empty"
        problems = producer_code_problems(code)
        return (FAIL, problems[0].description) if problems else (PASS, f"{code} conforms")

    return _per_label(data, judge)


@requirement("metadata.produce_id", "ProduceID is set wherever a producer is named", "GB 45438-2025 Appendix E")
def _produce_id(data: CheckInput) -> tuple[Outcome, list[str]]:
    def judge(s: Signal) -> tuple[Outcome, str]:
        assert s.label is not None
        if not s.label.content_producer:
            return NA, "no producer"
        return (PASS, s.label.produce_id) if s.label.produce_id else (FAIL, "ProduceID is empty")

    return _per_label(data, judge)


@requirement(
    "metadata.propagator", "Propagator fields are consistent", "GB 45438-2025 Appendix E note 1; Measures Art. 6"
)
def _propagator(data: CheckInput) -> tuple[Outcome, list[str]]:
    def judge(s: Signal) -> tuple[Outcome, str]:
        assert s.label is not None
        lab = s.label
        if bool(lab.content_propagator) != bool(lab.propagate_id):
            return FAIL, "ContentPropagator and PropagateID must be set together"
        if not lab.content_propagator:
            if data.require_propagator or data.published:
                return FAIL, "propagator fields are empty although the content has been through a platform"
            return NA, "propagator fields are empty: producer output no platform has propagated yet"
        if lab.content_propagator == lab.content_producer and lab.propagate_id != lab.produce_id:
            return FAIL, "propagator equals producer but PropagateID differs from ProduceID"
        problems = producer_code_problems(lab.content_propagator, field="ContentPropagator")
        if problems:
            return FAIL, problems[0].description
        return PASS, f"{lab.content_propagator} / {lab.propagate_id}"

    return _per_label(data, judge)


@requirement(
    "metadata.security_data", "SecurityData signatures verify under the party's pinned key", "TC260-PG-202511A"
)
def _security_data(data: CheckInput) -> tuple[Outcome, list[str]]:
    bad = data.of_kind(SignalKind.SECURITY_DATA_INVALID)
    good = data.of_kind(SignalKind.SECURITY_DATA)
    if bad:
        return FAIL, [s.message for s in bad]
    if not good:
        return NA, ["no SecurityData in ReservedCode1/2"]
    pinned = all(s.attribute("verdict") == "verified_pinned" for s in good)
    return (PASS if pinned else INCONCLUSIVE), [s.message for s in good]


@requirement(
    "metadata.source_type", "IPTC DigitalSourceType agrees with the label", "GB 45438-2025 §5 (related regimes)"
)
def _source_type(data: CheckInput) -> tuple[Outcome, list[str]]:
    terms = [s.attribute(Attr.TERM) for s in data.of_kind(SignalKind.IPTC_SOURCE_TYPE)]
    if not terms or not data.labels:
        return NA, [f"DigitalSourceType: {terms or 'absent'}"]
    captured = [
        t
        for s, t in zip(data.of_kind(SignalKind.IPTC_SOURCE_TYPE), terms, strict=True)
        if s.attribute(Attr.CAPTURE) == "true"
    ]
    says_ai = any(s.label is not None and s.label.label == "1" for s in data.labels)
    if says_ai and captured:
        return FAIL, [f"label says AI-generated, DigitalSourceType says {captured}"]
    return PASS, [f"DigitalSourceType: {terms}"]


def _manifests(data: CheckInput) -> list[Signal]:
    return data.of_kind(SignalKind.C2PA_MANIFEST) + data.of_kind(SignalKind.C2PA_MANIFEST_INVALID)


C2PA_STATE_OUTCOME = {"Trusted": PASS, "Valid": INCONCLUSIVE, "Unverified": INCONCLUSIVE, "Invalid": FAIL}
C2PA_STATE_MEANING = {
    "Trusted": "valid and signed by a configured trust anchor",
    "Valid": "signature valid, signer not among the configured trust anchors",
    "Unverified": "the manifest is remote and was not fetched",
    "Invalid": "validation failed",
}


@requirement("c2pa.manifest", "A C2PA manifest, where attached, validates", "C2PA 2.1 §15; DESIGN keys and trust")
def _c2pa_manifest(data: CheckInput) -> tuple[Outcome, list[str]]:
    missing = data.of_kind(SignalKind.C2PA_MANIFEST_MISSING)
    if missing:
        return FAIL, [s.message for s in missing]
    manifests = _manifests(data)
    if not manifests:
        return NA, ["no C2PA manifest (C2PA is not required by GB 45438, nor does it satisfy it)"]
    signal = manifests[0]
    state = signal.attribute(Attr.VALIDATION_STATE)
    evidence = [f"{state}: {C2PA_STATE_MEANING.get(state, state)}", f"signer {signal.attribute('signer_subject')}"]
    if signal.attribute(Attr.FAILURE_CODES):
        evidence.append(f"codes {signal.attribute('failure_codes')}")
    return C2PA_STATE_OUTCOME.get(state, INCONCLUSIVE), evidence


@requirement("c2pa.timestamp", "The C2PA signature carries a trusted timestamp", "C2PA 2.1 §14.5 (time-stamps)")
def _c2pa_timestamp(data: CheckInput) -> tuple[Outcome, list[str]]:
    manifests = _manifests(data)
    if not manifests:
        return NA, ["no C2PA manifest"]
    signal = manifests[0]
    if signal.attribute(Attr.HAS_TIMESTAMP) == "true":
        return PASS, [f"time-stamped {signal.attribute('timestamp')}"]
    return INCONCLUSIVE, [
        "no RFC 3161 timestamp: the manifest turns invalid when the signer certificate expires "
        f"({signal.attribute('not_after') or 'expiry unknown'}); configure c2pa_tsa_url"
    ]


@requirement("c2pa.consistency", "C2PA and the GB 45438 label agree on AI origin", "GB 45438-2025 §5; spec §5")
def _c2pa_consistency(data: CheckInput) -> tuple[Outcome, list[str]]:
    manifests = data.of_kind(SignalKind.C2PA_MANIFEST)
    if not manifests or not data.labels:
        return NA, ["needs both a valid C2PA manifest and a metadata label"]
    says_ai = any(s.label is not None and s.label.label == "1" for s in data.labels)
    captured = [s for s in manifests if s.attribute(Attr.CAPTURE) == "true"]
    if says_ai and captured:
        return FAIL, [f"label says AI-generated, C2PA says {captured[0].attribute('digital_source_types')}"]
    return PASS, [f"C2PA digitalSourceType: {manifests[0].attribute('digital_source_types') or 'none'}"]


@requirement(
    "watermark.consistency",
    "The invisible mark and the metadata label agree",
    "DESIGN: Verify checklist",
    IMAGE | VIDEO | AUDIO,
)
def _watermark_consistency(data: CheckInput) -> tuple[Outcome, list[str]]:
    marks = [s.attribute(Attr.REGISTRY_KEY) for s in data.of_kind(SignalKind.WATERMARK_CLEARMARK)]
    if not marks:
        return NA, ["no ClearMark watermark decoded"]
    if not data.labels:
        return FAIL, [f"watermark {marks[0]} decoded but the metadata label is gone (stripped?)"]
    ids = {i for s in data.labels if s.label for i in (s.label.produce_id, s.label.propagate_id) if i}
    expected = {payload_hex(payload_for_produce_id(i)) for i in ids}
    if expected & set(marks):
        return PASS, [f"watermark {marks[0]} carries the key of the label's ProduceID/PropagateID"]
    return FAIL, [f"watermark {marks[0]} does not match the label's ids {sorted(ids)}"]


@requirement(
    "registry.match",
    "What the content claims of this deployment's registry holds (watermark record, ProduceID)",
    "DESIGN: provenance registry; Measures Art. 9",
)
def _registry_match(data: CheckInput) -> tuple[Outcome, list[str]]:
    # The same findings Inspect reports: the checklist reads the one decision, never its own rule.
    failed = [f.message for f in data.inspection.findings if f.label in REGISTRY_FINDINGS]
    if failed:
        return FAIL, failed
    marks = data.of_kind(SignalKind.WATERMARK_CLEARMARK)
    asked = [s for s in marks if s.attribute(Attr.RESOLVED)]
    asked += [s for s in data.labels if s.attribute(Attr.PRODUCE_ID_STAMPED)]
    if not asked:
        why = "no registry was consulted" if marks else "nothing in the content names a record of this registry"
        return NA, [why]
    evidence, outcome = [], PASS
    for signal in asked:
        if signal.kind == SignalKind.WATERMARK_CLEARMARK:
            key = signal.attribute(Attr.REGISTRY_KEY)
            if signal.attribute(Attr.RESOLVED) != "true":
                outcome = INCONCLUSIVE
                evidence.append(f"watermark {key}: no record of this registry carries it")
                continue
            binding = signal.attribute(Attr.RECORD_BINDING) or "no perceptual hash to compare"
            distance = signal.attribute(Attr.PERCEPTUAL_DISTANCE)
            evidence.append(
                f"watermark {key} resolves to a record; binding {binding}" + (f" ({distance} bits)" if distance else "")
            )
        else:
            produce_id = signal.label.produce_id if signal.label else ""
            if signal.attribute(Attr.PRODUCE_ID_STAMPED) == "true":
                evidence.append(f"ProduceID {produce_id}: issued by a Stamp of this deployment")
            else:  # unknown here but signed: the SecurityData check speaks for it
                outcome = INCONCLUSIVE
                evidence.append(f"ProduceID {produce_id}: unknown to this registry, the label is signed")
    return outcome, evidence


def _notice_check(data: CheckInput, attribute: str, what: str) -> tuple[Outcome, list[str]]:
    if not data.notices:
        if data.no_ai_signal:
            return NA, ["no AI signal at all: no visible notice is owed"]
        says_ai = any(s.label is not None and s.label.label == "1" for s in data.labels)
        evidence = ["no visible label found: none recorded by ClearMark, none read by OCR at the image's edges"]
        return (FAIL if says_ai else INCONCLUSIVE), evidence
    results = [(s.attribute(attribute) == "true", s.message) for s in data.notices]
    ok = all(r for r, _ in results)
    return (PASS if ok else FAIL), [f"{what}: {m}" for _, m in results]


@requirement(
    "image.notice.present", "The visible notice is in the pixels", "Measures Art. 4; GB 45438-2025 §5.2", IMAGE
)
def _notice_present(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, "present", "present")


@requirement(
    "image.notice.wording", "The notice has an AI element and a generation element", "GB 45438-2025 §5.2", IMAGE
)
def _notice_wording(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, "wording_ok", "wording")


@requirement(
    "image.notice.size", "Notice glyph height is at least 5 % of the shortest side", "GB 45438-2025 §5.2", IMAGE
)
def _notice_size(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, "height_ok", "size")


@requirement("image.notice.position", "The notice sits on an edge or in a corner", "GB 45438-2025 §5.2", IMAGE)
def _notice_position(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, "on_edge_or_corner", "position")


@requirement(
    "video.notice.start_screen",
    "The notice is on the start screen for at least 2 s",
    "Measures Art. 4; GB 45438-2025 §5 (video)",
    VIDEO,
)
def _video_start_screen(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, Attr.START_SCREEN_OK, "start screen")


@requirement(
    "video.notice.size",
    "Notice glyphs are at least 5 % of the displayed shortest side",
    "GB 45438-2025 §5 (video)",
    VIDEO,
)
def _video_notice_size(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, "height_ok", "size")


@requirement(
    "video.notice.wording", "The notice has an AI element and a generation element", "GB 45438-2025 §5 (video)", VIDEO
)
def _video_notice_wording(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, "wording_ok", "wording")


@requirement("video.notice.position", "The notice sits on an edge or in a corner", "GB 45438-2025 §5 (video)", VIDEO)
def _video_notice_position(data: CheckInput) -> tuple[Outcome, list[str]]:
    return _notice_check(data, "on_edge_or_corner", "position")


def _text_notices(data: CheckInput) -> list[Signal]:
    return data.of_kind(SignalKind.TEXT_NOTICE)


@requirement("text.notice.present", "An explicit notice is in the text", "Measures Art. 4; GB 45438-2025 §5.1", TEXTUAL)
def _text_notice_present(data: CheckInput) -> tuple[Outcome, list[str]]:
    notices = _text_notices(data)
    if not notices:
        if data.no_ai_signal:
            return NA, ["no AI signal at all: no notice is owed"]
        return FAIL, ["no notice with an AI element and a generation element found in the text"]
    return PASS, [f"{s.attribute('text')!r} at {s.attribute('position')} ({s.location.carrier})" for s in notices]


@requirement(
    "text.notice.wording", "The notice has an AI element and a generation element", "GB 45438-2025 §5.1", TEXTUAL
)
def _text_notice_wording(data: CheckInput) -> tuple[Outcome, list[str]]:
    notices = _text_notices(data)
    if not notices:
        return NA, ["no notice"]
    good = [s for s in notices if s.attribute(Attr.WORDING_OK) == "true"]
    outcome = PASS if good else FAIL
    return outcome, [f"{s.attribute('text')!r}: wording {'ok' if s in good else 'lacks an element'}" for s in notices]


@requirement(
    "text.notice.position", "The notice is at the start or end (or a suitable middle)", "GB 45438-2025 §5.1", TEXTUAL
)
def _text_notice_position(data: CheckInput) -> tuple[Outcome, list[str]]:
    positions = [s.attribute(Attr.POSITION) for s in _text_notices(data)]
    if not positions:
        return NA, ["no notice"]
    if {"start", "end"} & set(positions):
        return PASS, [f"positions: {', '.join(positions)}"]
    return INCONCLUSIVE, ["only in the middle of the text: whether the position is suitable needs a reviewer"]


def _rhythms(data: CheckInput) -> list[Signal]:
    return data.of_kind(SignalKind.AUDIO_RHYTHM)


def _heard(signal: Signal) -> str:
    location = signal.location
    return f"{signal.attribute(Attr.POSITION)} {location.time_start_ms} ms-{location.time_end_ms} ms"


@requirement(
    "audio.notice.present",
    "An audible notice (the rhythm 短长短短 or speech) is in the audio",
    "Measures Art. 4; GB 45438-2025 §5.3",
    AUDIO,
)
def _audio_notice_present(data: CheckInput) -> tuple[Outcome, list[str]]:
    rhythms = _rhythms(data)
    if rhythms:
        return PASS, [f"rhythm at {_heard(s)}: {s.message}" for s in rhythms]
    if data.no_ai_signal:
        return NA, ["no AI signal at all: no audible notice is owed"]
    # A spoken notice is just as compliant, and no detector here understands speech: a listener decides.
    return INCONCLUSIVE, ["no 短长短短 rhythm heard anywhere; a spoken notice, if any, needs a listener to confirm"]


@requirement(
    "audio.notice.position",
    "The audible notice plays at the start (or the end, or a suitable middle)",
    "GB 45438-2025 §5.3",
    AUDIO,
)
def _audio_notice_position(data: CheckInput) -> tuple[Outcome, list[str]]:
    rhythms = _rhythms(data)
    if not rhythms:
        return NA, ["no rhythm heard"]
    evidence = [f"rhythm at {_heard(s)} of {s.attribute(Attr.DURATION_S)} s" for s in rhythms]
    positions = {s.attribute(Attr.POSITION) for s in rhythms}
    if "start" in positions:
        return PASS, ["at the start", *evidence]
    if "end" in positions:
        return PASS, ["at the end, not the start", *evidence]
    return INCONCLUSIVE, ["only in the middle: whether the position is suitable needs a reviewer", *evidence]


def run_checks(inspection: Inspection, *, require_propagator: bool = False) -> tuple[ComplianceCheck, ...]:
    """Every requirement that applies to the inspected modality, in registration order.

    ``require_propagator`` makes empty propagator fields FAIL even on producer output.
    """
    data = CheckInput(inspection, require_propagator)
    return tuple(check(data) for kinds, check in CHECKS if inspection.media.kind in kinds)
