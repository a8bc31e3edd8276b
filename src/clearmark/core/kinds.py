"""Signal kinds and signal attribute names: the one vocabulary detectors write and policy, checks and reports read.

Detectors and the service agree only through these constants; a test fails when a dotted kind
literal is compared or emitted anywhere else, so renaming a kind can never silently disable a rule.
"""

from __future__ import annotations

import enum


class SignalKind(enum.StrEnum):
    """What a signal reports. Families with an open-ended suffix use the prefixes below."""

    METADATA_LABEL = "aigc.metadata_label"
    METADATA_LABEL_MALFORMED = "aigc.metadata_label_malformed"
    XMP_MALFORMED = "media.xmp_malformed"
    CONTENT_CLAIM_MISMATCH = "media.claim_mismatch"  # the client's ContentHeader kind/MIME is not what the bytes are
    IPTC_SOURCE_TYPE = "iptc.digital_source_type"
    C2PA_MANIFEST = "c2pa.manifest"
    C2PA_MANIFEST_INVALID = "c2pa.manifest_invalid"
    C2PA_MANIFEST_MISSING = "c2pa.manifest_missing"
    C2PA_TEXT_WRAPPER = "c2pa.text_wrapper"
    C2PA_INGREDIENT_INVALID = "c2pa.ingredient_invalid"  # store Invalid, active manifest valid
    C2PA_NOT_VALIDATED = "c2pa.not_validated"  # content over the whole-file limit c2pa needs
    NOTICE_RECORDED = "explicit.notice"  # our own notice record, re-checked in the pixels
    NOTICE_RECORD_MALFORMED = "explicit.notice_record_malformed"
    NOTICE_SEEN = "explicit.notice_seen"  # a visible label OCR read
    TEXT_NOTICE = "explicit.text_notice"
    AUDIO_RHYTHM = "explicit.audio_rhythm"  # one 短长短短 heard in the audio, with its time
    OCR_TEXT = "ocr.text"
    SECURITY_DATA = "aigc.security_data"  # a ReservedCode's SM2 signature that verifies (or is not checkable)
    SECURITY_DATA_INVALID = "aigc.security_data_invalid"  # altered fields, a forged or foreign-key signature
    WATERMARK_CLEARMARK = "watermark.clearmark"
    WATERMARK_TEXT_STATISTICAL = "watermark.text_statistical"
    WATERMARK_TEXT_INVISIBLE = "watermark.text_invisible_mark"
    CAMPAIGN_FINDING = "campaign.finding"  # one campaign finding, its hits as JSON
    CAMPAIGN_SUMMARY = "campaign.summary"  # the rule pack used and what the context checks read later


# Open families: ``fingerprint.<tool>``, ``classifier.<label>``, ``watermark.<system>``.
FINGERPRINT_PREFIX = "fingerprint."
CLASSIFIER_PREFIX = "classifier."
WATERMARK_PREFIX = "watermark."


def fingerprint_kind(tool: str) -> str:
    """The kind of a generator fingerprint naming ``tool``."""
    return FINGERPRINT_PREFIX + tool


def classifier_kind(label: str) -> str:
    """The kind of a classifier score for ``label``."""
    return CLASSIFIER_PREFIX + label


def watermark_kind(system: str) -> str:
    """The kind of a watermark of ``system`` (ours is ``SignalKind.WATERMARK_CLEARMARK``)."""
    return WATERMARK_PREFIX + system


class Attr(enum.StrEnum):
    """Names of signal attributes that more than one layer reads."""

    CARRIER = "carrier"
    STANDARD_CARRIER = "standard_carrier"
    PROBLEMS = "problems"
    MISSING_KEYS = "missing_keys"
    EXTRA_KEYS = "extra_keys"
    NON_STRING_KEYS = "non_string_keys"
    KEYS_IN_ORDER = "keys_in_order"
    NOTES = "notes"
    CAPTURE = "capture"
    PRESENT = "present"
    TERM = "term"
    REGISTRY_KEY = "registry_key"
    RESOLVED = "resolved"
    RECORD_BINDING = "record_binding"  # "match" / "mismatch": the record's perceptual hash vs the content's
    PERCEPTUAL_DISTANCE = "perceptual_distance"
    PERCEPTUAL_KIND = "perceptual_kind"  # "image" / "text": which hash the record binding compared
    MATCH_THRESHOLD = "match_threshold"  # the distance at or below which the binding is "match"
    # A label naming a producer this deployment stamps for: "false" when no Stamp issued its ProduceID.
    PRODUCE_ID_STAMPED = "produce_id_stamped"
    CONTENT_BOUND = "content_bound"  # our mark's strength follows the content it was read from
    CONTENT_PHASH = "phash"  # the content's 64-bit perceptual hash, 16 hex digits
    VALIDATION_STATE = "validation_state"
    FAILURE_CODES = "failure_codes"
    HAS_TIMESTAMP = "has_timestamp"
    WORDING_OK = "wording_ok"
    POSITION = "position"
    DURATION_S = "duration_s"  # the decoded duration of audio a time-located signal was found in
    NOTICE_IS_LABEL = "notice_is_label"  # the format has no metadata place: its explicit notice is the label
    FRAME_TIMES = "frame_times"  # video: presentation times (s) of the frames that showed the signal
    ON_SCREEN_S = "on_screen_s"  # video: how long a notice stays on screen from the first frame, seconds
    START_SCREEN_OK = "start_screen_ok"  # video: the notice is on the start screen for at least 2 s
