import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MediaKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEDIA_KIND_UNSPECIFIED: _ClassVar[MediaKind]
    MEDIA_KIND_IMAGE: _ClassVar[MediaKind]
    MEDIA_KIND_VIDEO: _ClassVar[MediaKind]
    MEDIA_KIND_AUDIO: _ClassVar[MediaKind]
    MEDIA_KIND_TEXT: _ClassVar[MediaKind]
    MEDIA_KIND_DOCUMENT: _ClassVar[MediaKind]

class Category(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CATEGORY_UNSPECIFIED: _ClassVar[Category]
    CATEGORY_NO_SIGNAL: _ClassVar[Category]
    CATEGORY_AI_SUSPECTED: _ClassVar[Category]
    CATEGORY_AI_POSSIBLE: _ClassVar[Category]
    CATEGORY_AI_GENERATED: _ClassVar[Category]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_PASS: _ClassVar[Outcome]
    OUTCOME_FAIL: _ClassVar[Outcome]
    OUTCOME_NOT_APPLICABLE: _ClassVar[Outcome]
    OUTCOME_INCONCLUSIVE: _ClassVar[Outcome]

class Suggestion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUGGESTION_UNSPECIFIED: _ClassVar[Suggestion]
    SUGGESTION_PASS: _ClassVar[Suggestion]
    SUGGESTION_REVIEW: _ClassVar[Suggestion]
    SUGGESTION_BLOCK: _ClassVar[Suggestion]

class Verb(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERB_UNSPECIFIED: _ClassVar[Verb]
    VERB_STAMP: _ClassVar[Verb]
    VERB_LABEL: _ClassVar[Verb]

class AppliedLabel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLIED_LABEL_UNSPECIFIED: _ClassVar[AppliedLabel]
    APPLIED_LABEL_EXPLICIT_NOTICE: _ClassVar[AppliedLabel]
    APPLIED_LABEL_METADATA_PRODUCER: _ClassVar[AppliedLabel]
    APPLIED_LABEL_METADATA_PROPAGATOR: _ClassVar[AppliedLabel]
    APPLIED_LABEL_C2PA_MANIFEST: _ClassVar[AppliedLabel]
    APPLIED_LABEL_WATERMARK: _ClassVar[AppliedLabel]

class Corner(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CORNER_UNSPECIFIED: _ClassVar[Corner]
    CORNER_BOTTOM_RIGHT: _ClassVar[Corner]
    CORNER_BOTTOM_LEFT: _ClassVar[Corner]
    CORNER_TOP_RIGHT: _ClassVar[Corner]
    CORNER_TOP_LEFT: _ClassVar[Corner]
    CORNER_BOTTOM_EDGE: _ClassVar[Corner]
    CORNER_TOP_EDGE: _ClassVar[Corner]
MEDIA_KIND_UNSPECIFIED: MediaKind
MEDIA_KIND_IMAGE: MediaKind
MEDIA_KIND_VIDEO: MediaKind
MEDIA_KIND_AUDIO: MediaKind
MEDIA_KIND_TEXT: MediaKind
MEDIA_KIND_DOCUMENT: MediaKind
CATEGORY_UNSPECIFIED: Category
CATEGORY_NO_SIGNAL: Category
CATEGORY_AI_SUSPECTED: Category
CATEGORY_AI_POSSIBLE: Category
CATEGORY_AI_GENERATED: Category
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_PASS: Outcome
OUTCOME_FAIL: Outcome
OUTCOME_NOT_APPLICABLE: Outcome
OUTCOME_INCONCLUSIVE: Outcome
SUGGESTION_UNSPECIFIED: Suggestion
SUGGESTION_PASS: Suggestion
SUGGESTION_REVIEW: Suggestion
SUGGESTION_BLOCK: Suggestion
VERB_UNSPECIFIED: Verb
VERB_STAMP: Verb
VERB_LABEL: Verb
APPLIED_LABEL_UNSPECIFIED: AppliedLabel
APPLIED_LABEL_EXPLICIT_NOTICE: AppliedLabel
APPLIED_LABEL_METADATA_PRODUCER: AppliedLabel
APPLIED_LABEL_METADATA_PROPAGATOR: AppliedLabel
APPLIED_LABEL_C2PA_MANIFEST: AppliedLabel
APPLIED_LABEL_WATERMARK: AppliedLabel
CORNER_UNSPECIFIED: Corner
CORNER_BOTTOM_RIGHT: Corner
CORNER_BOTTOM_LEFT: Corner
CORNER_TOP_RIGHT: Corner
CORNER_TOP_LEFT: Corner
CORNER_BOTTOM_EDGE: Corner
CORNER_TOP_EDGE: Corner

class AigcLabel(_message.Message):
    __slots__ = ("label", "content_producer", "produce_id", "reserved_code1", "content_propagator", "propagate_id", "reserved_code2")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONTENT_PRODUCER_FIELD_NUMBER: _ClassVar[int]
    PRODUCE_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVED_CODE1_FIELD_NUMBER: _ClassVar[int]
    CONTENT_PROPAGATOR_FIELD_NUMBER: _ClassVar[int]
    PROPAGATE_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVED_CODE2_FIELD_NUMBER: _ClassVar[int]
    label: str
    content_producer: str
    produce_id: str
    reserved_code1: str
    content_propagator: str
    propagate_id: str
    reserved_code2: str
    def __init__(self, label: _Optional[str] = ..., content_producer: _Optional[str] = ..., produce_id: _Optional[str] = ..., reserved_code1: _Optional[str] = ..., content_propagator: _Optional[str] = ..., propagate_id: _Optional[str] = ..., reserved_code2: _Optional[str] = ...) -> None: ...

class BoundingBox(_message.Message):
    __slots__ = ("x", "y", "width", "height")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    x: int
    y: int
    width: int
    height: int
    def __init__(self, x: _Optional[int] = ..., y: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("carrier", "byte_offset", "byte_length", "bbox", "time_start_ms", "time_end_ms", "text_start", "text_end")
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    BYTE_OFFSET_FIELD_NUMBER: _ClassVar[int]
    BYTE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    BBOX_FIELD_NUMBER: _ClassVar[int]
    TIME_START_MS_FIELD_NUMBER: _ClassVar[int]
    TIME_END_MS_FIELD_NUMBER: _ClassVar[int]
    TEXT_START_FIELD_NUMBER: _ClassVar[int]
    TEXT_END_FIELD_NUMBER: _ClassVar[int]
    carrier: str
    byte_offset: int
    byte_length: int
    bbox: BoundingBox
    time_start_ms: int
    time_end_ms: int
    text_start: int
    text_end: int
    def __init__(self, carrier: _Optional[str] = ..., byte_offset: _Optional[int] = ..., byte_length: _Optional[int] = ..., bbox: _Optional[_Union[BoundingBox, _Mapping]] = ..., time_start_ms: _Optional[int] = ..., time_end_ms: _Optional[int] = ..., text_start: _Optional[int] = ..., text_end: _Optional[int] = ...) -> None: ...

class Signal(_message.Message):
    __slots__ = ("source", "kind", "confidence", "rule_id", "rule_version", "category_hint", "location", "message", "attributes", "label")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_HINT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    source: str
    kind: str
    confidence: float
    rule_id: str
    rule_version: str
    category_hint: Category
    location: Location
    message: str
    attributes: _containers.ScalarMap[str, str]
    label: AigcLabel
    def __init__(self, source: _Optional[str] = ..., kind: _Optional[str] = ..., confidence: _Optional[float] = ..., rule_id: _Optional[str] = ..., rule_version: _Optional[str] = ..., category_hint: _Optional[_Union[Category, str]] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., message: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ..., label: _Optional[_Union[AigcLabel, _Mapping]] = ...) -> None: ...

class Hit(_message.Message):
    __slots__ = ("source", "text", "normalized", "location", "transforms")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
    source: str
    text: str
    normalized: str
    location: Location
    transforms: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, source: _Optional[str] = ..., text: _Optional[str] = ..., normalized: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., transforms: _Optional[_Iterable[str]] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("label", "message", "score", "suggestion", "rule_id", "evidence", "modifiers", "hits")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    MODIFIERS_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    label: str
    message: str
    score: float
    suggestion: Suggestion
    rule_id: str
    evidence: _containers.RepeatedScalarFieldContainer[str]
    modifiers: _containers.RepeatedScalarFieldContainer[str]
    hits: _containers.RepeatedCompositeFieldContainer[Hit]
    def __init__(self, label: _Optional[str] = ..., message: _Optional[str] = ..., score: _Optional[float] = ..., suggestion: _Optional[_Union[Suggestion, str]] = ..., rule_id: _Optional[str] = ..., evidence: _Optional[_Iterable[str]] = ..., modifiers: _Optional[_Iterable[str]] = ..., hits: _Optional[_Iterable[_Union[Hit, _Mapping]]] = ...) -> None: ...

class CampaignVerdict(_message.Message):
    __slots__ = ("suggestion", "findings", "policy_version", "request_id", "not_evaluated")
    SUGGESTION_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NOT_EVALUATED_FIELD_NUMBER: _ClassVar[int]
    suggestion: Suggestion
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    policy_version: str
    request_id: str
    not_evaluated: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, suggestion: _Optional[_Union[Suggestion, str]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., policy_version: _Optional[str] = ..., request_id: _Optional[str] = ..., not_evaluated: _Optional[_Iterable[str]] = ...) -> None: ...

class MediaInfo(_message.Message):
    __slots__ = ("kind", "mime_type", "format", "size_bytes", "sha256", "width", "height")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    kind: MediaKind
    mime_type: str
    format: str
    size_bytes: int
    sha256: str
    width: int
    height: int
    def __init__(self, kind: _Optional[_Union[MediaKind, str]] = ..., mime_type: _Optional[str] = ..., format: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class Inspection(_message.Message):
    __slots__ = ("media", "signals", "category", "findings", "campaign", "aigc_label", "policy_version")
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    AIGC_LABEL_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    media: MediaInfo
    signals: _containers.RepeatedCompositeFieldContainer[Signal]
    category: Category
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    campaign: CampaignVerdict
    aigc_label: AigcLabel
    policy_version: str
    def __init__(self, media: _Optional[_Union[MediaInfo, _Mapping]] = ..., signals: _Optional[_Iterable[_Union[Signal, _Mapping]]] = ..., category: _Optional[_Union[Category, str]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., campaign: _Optional[_Union[CampaignVerdict, _Mapping]] = ..., aigc_label: _Optional[_Union[AigcLabel, _Mapping]] = ..., policy_version: _Optional[str] = ...) -> None: ...

class ComplianceCheck(_message.Message):
    __slots__ = ("requirement_id", "title", "outcome", "evidence", "reference")
    REQUIREMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    requirement_id: str
    title: str
    outcome: Outcome
    evidence: _containers.RepeatedScalarFieldContainer[str]
    reference: str
    def __init__(self, requirement_id: _Optional[str] = ..., title: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., evidence: _Optional[_Iterable[str]] = ..., reference: _Optional[str] = ...) -> None: ...

class ComplianceReport(_message.Message):
    __slots__ = ("compliant", "checks", "html")
    COMPLIANT_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    compliant: bool
    checks: _containers.RepeatedCompositeFieldContainer[ComplianceCheck]
    html: str
    def __init__(self, compliant: _Optional[bool] = ..., checks: _Optional[_Iterable[_Union[ComplianceCheck, _Mapping]]] = ..., html: _Optional[str] = ...) -> None: ...

class ExplicitNotice(_message.Message):
    __slots__ = ("text", "corner", "plate", "glyph_box", "glyph_height_px", "height_ratio", "font_size", "positions")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CORNER_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    GLYPH_BOX_FIELD_NUMBER: _ClassVar[int]
    GLYPH_HEIGHT_PX_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_RATIO_FIELD_NUMBER: _ClassVar[int]
    FONT_SIZE_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    text: str
    corner: Corner
    plate: BoundingBox
    glyph_box: BoundingBox
    glyph_height_px: int
    height_ratio: float
    font_size: int
    positions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, text: _Optional[str] = ..., corner: _Optional[_Union[Corner, str]] = ..., plate: _Optional[_Union[BoundingBox, _Mapping]] = ..., glyph_box: _Optional[_Union[BoundingBox, _Mapping]] = ..., glyph_height_px: _Optional[int] = ..., height_ratio: _Optional[float] = ..., font_size: _Optional[int] = ..., positions: _Optional[_Iterable[str]] = ...) -> None: ...

class ProvenanceRecord(_message.Message):
    __slots__ = ("record_id", "request_id", "tenant", "produce_id", "propagate_id", "producer_code", "propagator_code", "label_value", "input_sha256", "output_sha256", "labels_applied", "model", "created_at", "details", "watermark_id", "perceptual_hash", "perceptual_kind", "verb", "media_kind", "mime_type")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PRODUCE_ID_FIELD_NUMBER: _ClassVar[int]
    PROPAGATE_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_CODE_FIELD_NUMBER: _ClassVar[int]
    PROPAGATOR_CODE_FIELD_NUMBER: _ClassVar[int]
    LABEL_VALUE_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    LABELS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_ID_FIELD_NUMBER: _ClassVar[int]
    PERCEPTUAL_HASH_FIELD_NUMBER: _ClassVar[int]
    PERCEPTUAL_KIND_FIELD_NUMBER: _ClassVar[int]
    VERB_FIELD_NUMBER: _ClassVar[int]
    MEDIA_KIND_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    request_id: str
    tenant: str
    produce_id: str
    propagate_id: str
    producer_code: str
    propagator_code: str
    label_value: str
    input_sha256: str
    output_sha256: str
    labels_applied: _containers.RepeatedScalarFieldContainer[AppliedLabel]
    model: str
    created_at: _timestamp_pb2.Timestamp
    details: _containers.ScalarMap[str, str]
    watermark_id: str
    perceptual_hash: str
    perceptual_kind: str
    verb: Verb
    media_kind: MediaKind
    mime_type: str
    def __init__(self, record_id: _Optional[str] = ..., request_id: _Optional[str] = ..., tenant: _Optional[str] = ..., produce_id: _Optional[str] = ..., propagate_id: _Optional[str] = ..., producer_code: _Optional[str] = ..., propagator_code: _Optional[str] = ..., label_value: _Optional[str] = ..., input_sha256: _Optional[str] = ..., output_sha256: _Optional[str] = ..., labels_applied: _Optional[_Iterable[_Union[AppliedLabel, str]]] = ..., model: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details: _Optional[_Mapping[str, str]] = ..., watermark_id: _Optional[str] = ..., perceptual_hash: _Optional[str] = ..., perceptual_kind: _Optional[str] = ..., verb: _Optional[_Union[Verb, str]] = ..., media_kind: _Optional[_Union[MediaKind, str]] = ..., mime_type: _Optional[str] = ...) -> None: ...

class ContentHeader(_message.Message):
    __slots__ = ("kind", "size_bytes", "sha256", "filename", "mime_type")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    kind: MediaKind
    size_bytes: int
    sha256: str
    filename: str
    mime_type: str
    def __init__(self, kind: _Optional[_Union[MediaKind, str]] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., filename: _Optional[str] = ..., mime_type: _Optional[str] = ...) -> None: ...

class CampaignContext(_message.Message):
    __slots__ = ("surface", "account_type", "content_type", "declared_source", "licence")
    SURFACE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DECLARED_SOURCE_FIELD_NUMBER: _ClassVar[int]
    LICENCE_FIELD_NUMBER: _ClassVar[int]
    surface: str
    account_type: str
    content_type: str
    declared_source: str
    licence: str
    def __init__(self, surface: _Optional[str] = ..., account_type: _Optional[str] = ..., content_type: _Optional[str] = ..., declared_source: _Optional[str] = ..., licence: _Optional[str] = ...) -> None: ...

class CampaignOptions(_message.Message):
    __slots__ = ("context", "title", "description", "comments")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    context: CampaignContext
    title: str
    description: str
    comments: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, context: _Optional[_Union[CampaignContext, _Mapping]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., comments: _Optional[_Iterable[str]] = ...) -> None: ...
