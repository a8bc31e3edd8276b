from clearmark.v1 import types_pb2 as _types_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StampOptions(_message.Message):
    __slots__ = ("producer_code", "model", "prompt_id", "notice_text", "notice_corner", "omit_visible_notice", "omit_reason", "recipient")
    PRODUCER_CODE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROMPT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TEXT_FIELD_NUMBER: _ClassVar[int]
    NOTICE_CORNER_FIELD_NUMBER: _ClassVar[int]
    OMIT_VISIBLE_NOTICE_FIELD_NUMBER: _ClassVar[int]
    OMIT_REASON_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    producer_code: str
    model: str
    prompt_id: str
    notice_text: str
    notice_corner: _types_pb2.Corner
    omit_visible_notice: bool
    omit_reason: str
    recipient: str
    def __init__(self, producer_code: _Optional[str] = ..., model: _Optional[str] = ..., prompt_id: _Optional[str] = ..., notice_text: _Optional[str] = ..., notice_corner: _Optional[_Union[_types_pb2.Corner, str]] = ..., omit_visible_notice: _Optional[bool] = ..., omit_reason: _Optional[str] = ..., recipient: _Optional[str] = ...) -> None: ...

class StampResult(_message.Message):
    __slots__ = ("request_id", "input", "output", "produce_id", "aigc_label", "labels_applied", "notice", "record", "replayed", "warnings")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    PRODUCE_ID_FIELD_NUMBER: _ClassVar[int]
    AIGC_LABEL_FIELD_NUMBER: _ClassVar[int]
    LABELS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    input: _types_pb2.MediaInfo
    output: _types_pb2.MediaInfo
    produce_id: str
    aigc_label: _types_pb2.AigcLabel
    labels_applied: _containers.RepeatedScalarFieldContainer[_types_pb2.AppliedLabel]
    notice: _types_pb2.ExplicitNotice
    record: _types_pb2.ProvenanceRecord
    replayed: bool
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., input: _Optional[_Union[_types_pb2.MediaInfo, _Mapping]] = ..., output: _Optional[_Union[_types_pb2.MediaInfo, _Mapping]] = ..., produce_id: _Optional[str] = ..., aigc_label: _Optional[_Union[_types_pb2.AigcLabel, _Mapping]] = ..., labels_applied: _Optional[_Iterable[_Union[_types_pb2.AppliedLabel, str]]] = ..., notice: _Optional[_Union[_types_pb2.ExplicitNotice, _Mapping]] = ..., record: _Optional[_Union[_types_pb2.ProvenanceRecord, _Mapping]] = ..., replayed: _Optional[bool] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class StampRequest(_message.Message):
    __slots__ = ("request_id", "content", "content_header", "options")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content: bytes
    content_header: _types_pb2.ContentHeader
    options: StampOptions
    def __init__(self, request_id: _Optional[str] = ..., content: _Optional[bytes] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., options: _Optional[_Union[StampOptions, _Mapping]] = ...) -> None: ...

class StampResponse(_message.Message):
    __slots__ = ("result", "content")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    result: StampResult
    content: bytes
    def __init__(self, result: _Optional[_Union[StampResult, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class StampStreamHeader(_message.Message):
    __slots__ = ("request_id", "content_header", "options")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content_header: _types_pb2.ContentHeader
    options: StampOptions
    def __init__(self, request_id: _Optional[str] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., options: _Optional[_Union[StampOptions, _Mapping]] = ...) -> None: ...

class StampStreamRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: StampStreamHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[StampStreamHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class StampStreamResponse(_message.Message):
    __slots__ = ("result", "chunk")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    result: StampResult
    chunk: bytes
    def __init__(self, result: _Optional[_Union[StampResult, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class InspectRequest(_message.Message):
    __slots__ = ("request_id", "content", "content_header", "c2pa_sidecar", "campaign")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    C2PA_SIDECAR_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content: bytes
    content_header: _types_pb2.ContentHeader
    c2pa_sidecar: bytes
    campaign: _types_pb2.CampaignOptions
    def __init__(self, request_id: _Optional[str] = ..., content: _Optional[bytes] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., c2pa_sidecar: _Optional[bytes] = ..., campaign: _Optional[_Union[_types_pb2.CampaignOptions, _Mapping]] = ...) -> None: ...

class InspectResponse(_message.Message):
    __slots__ = ("inspection",)
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    inspection: _types_pb2.Inspection
    def __init__(self, inspection: _Optional[_Union[_types_pb2.Inspection, _Mapping]] = ...) -> None: ...

class InspectStreamHeader(_message.Message):
    __slots__ = ("request_id", "content_header", "c2pa_sidecar", "campaign")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    C2PA_SIDECAR_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content_header: _types_pb2.ContentHeader
    c2pa_sidecar: bytes
    campaign: _types_pb2.CampaignOptions
    def __init__(self, request_id: _Optional[str] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., c2pa_sidecar: _Optional[bytes] = ..., campaign: _Optional[_Union[_types_pb2.CampaignOptions, _Mapping]] = ...) -> None: ...

class InspectStreamRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: InspectStreamHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[InspectStreamHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class InspectStreamResponse(_message.Message):
    __slots__ = ("inspection",)
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    inspection: _types_pb2.Inspection
    def __init__(self, inspection: _Optional[_Union[_types_pb2.Inspection, _Mapping]] = ...) -> None: ...

class LabelOptions(_message.Message):
    __slots__ = ("platform_code", "user_declared_ai", "notice_text", "notice_corner", "skip_visible_notice", "campaign")
    PLATFORM_CODE_FIELD_NUMBER: _ClassVar[int]
    USER_DECLARED_AI_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TEXT_FIELD_NUMBER: _ClassVar[int]
    NOTICE_CORNER_FIELD_NUMBER: _ClassVar[int]
    SKIP_VISIBLE_NOTICE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    platform_code: str
    user_declared_ai: bool
    notice_text: str
    notice_corner: _types_pb2.Corner
    skip_visible_notice: bool
    campaign: _types_pb2.CampaignOptions
    def __init__(self, platform_code: _Optional[str] = ..., user_declared_ai: _Optional[bool] = ..., notice_text: _Optional[str] = ..., notice_corner: _Optional[_Union[_types_pb2.Corner, str]] = ..., skip_visible_notice: _Optional[bool] = ..., campaign: _Optional[_Union[_types_pb2.CampaignOptions, _Mapping]] = ...) -> None: ...

class LabelResult(_message.Message):
    __slots__ = ("request_id", "inspection", "output", "label_value", "aigc_label", "propagate_id", "labels_applied", "display_notice", "notice", "modified", "record", "replayed", "warnings")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    LABEL_VALUE_FIELD_NUMBER: _ClassVar[int]
    AIGC_LABEL_FIELD_NUMBER: _ClassVar[int]
    PROPAGATE_ID_FIELD_NUMBER: _ClassVar[int]
    LABELS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NOTICE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    inspection: _types_pb2.Inspection
    output: _types_pb2.MediaInfo
    label_value: str
    aigc_label: _types_pb2.AigcLabel
    propagate_id: str
    labels_applied: _containers.RepeatedScalarFieldContainer[_types_pb2.AppliedLabel]
    display_notice: str
    notice: _types_pb2.ExplicitNotice
    modified: bool
    record: _types_pb2.ProvenanceRecord
    replayed: bool
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., inspection: _Optional[_Union[_types_pb2.Inspection, _Mapping]] = ..., output: _Optional[_Union[_types_pb2.MediaInfo, _Mapping]] = ..., label_value: _Optional[str] = ..., aigc_label: _Optional[_Union[_types_pb2.AigcLabel, _Mapping]] = ..., propagate_id: _Optional[str] = ..., labels_applied: _Optional[_Iterable[_Union[_types_pb2.AppliedLabel, str]]] = ..., display_notice: _Optional[str] = ..., notice: _Optional[_Union[_types_pb2.ExplicitNotice, _Mapping]] = ..., modified: _Optional[bool] = ..., record: _Optional[_Union[_types_pb2.ProvenanceRecord, _Mapping]] = ..., replayed: _Optional[bool] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class LabelRequest(_message.Message):
    __slots__ = ("request_id", "content", "content_header", "options")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content: bytes
    content_header: _types_pb2.ContentHeader
    options: LabelOptions
    def __init__(self, request_id: _Optional[str] = ..., content: _Optional[bytes] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., options: _Optional[_Union[LabelOptions, _Mapping]] = ...) -> None: ...

class LabelResponse(_message.Message):
    __slots__ = ("result", "content")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    result: LabelResult
    content: bytes
    def __init__(self, result: _Optional[_Union[LabelResult, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class LabelStreamHeader(_message.Message):
    __slots__ = ("request_id", "content_header", "options")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content_header: _types_pb2.ContentHeader
    options: LabelOptions
    def __init__(self, request_id: _Optional[str] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., options: _Optional[_Union[LabelOptions, _Mapping]] = ...) -> None: ...

class LabelStreamRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: LabelStreamHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[LabelStreamHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class LabelStreamResponse(_message.Message):
    __slots__ = ("result", "chunk")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    result: LabelResult
    chunk: bytes
    def __init__(self, result: _Optional[_Union[LabelResult, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class VerifyOptions(_message.Message):
    __slots__ = ("include_html", "report_language")
    INCLUDE_HTML_FIELD_NUMBER: _ClassVar[int]
    REPORT_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    include_html: bool
    report_language: str
    def __init__(self, include_html: _Optional[bool] = ..., report_language: _Optional[str] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("request_id", "content", "content_header", "options", "c2pa_sidecar")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    C2PA_SIDECAR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content: bytes
    content_header: _types_pb2.ContentHeader
    options: VerifyOptions
    c2pa_sidecar: bytes
    def __init__(self, request_id: _Optional[str] = ..., content: _Optional[bytes] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., options: _Optional[_Union[VerifyOptions, _Mapping]] = ..., c2pa_sidecar: _Optional[bytes] = ...) -> None: ...

class VerifyResponse(_message.Message):
    __slots__ = ("inspection", "report")
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    inspection: _types_pb2.Inspection
    report: _types_pb2.ComplianceReport
    def __init__(self, inspection: _Optional[_Union[_types_pb2.Inspection, _Mapping]] = ..., report: _Optional[_Union[_types_pb2.ComplianceReport, _Mapping]] = ...) -> None: ...

class VerifyStreamHeader(_message.Message):
    __slots__ = ("request_id", "content_header", "options", "c2pa_sidecar")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HEADER_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    C2PA_SIDECAR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    content_header: _types_pb2.ContentHeader
    options: VerifyOptions
    c2pa_sidecar: bytes
    def __init__(self, request_id: _Optional[str] = ..., content_header: _Optional[_Union[_types_pb2.ContentHeader, _Mapping]] = ..., options: _Optional[_Union[VerifyOptions, _Mapping]] = ..., c2pa_sidecar: _Optional[bytes] = ...) -> None: ...

class VerifyStreamRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: VerifyStreamHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[VerifyStreamHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class VerifyStreamResponse(_message.Message):
    __slots__ = ("inspection", "report")
    INSPECTION_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    inspection: _types_pb2.Inspection
    report: _types_pb2.ComplianceReport
    def __init__(self, inspection: _Optional[_Union[_types_pb2.Inspection, _Mapping]] = ..., report: _Optional[_Union[_types_pb2.ComplianceReport, _Mapping]] = ...) -> None: ...

class LookupRequest(_message.Message):
    __slots__ = ("produce_id", "propagate_id", "sha256", "request_id", "watermark_id", "similar_content", "limit", "page_token", "max_distance")
    PRODUCE_ID_FIELD_NUMBER: _ClassVar[int]
    PROPAGATE_ID_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_ID_FIELD_NUMBER: _ClassVar[int]
    SIMILAR_CONTENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    produce_id: str
    propagate_id: str
    sha256: str
    request_id: str
    watermark_id: str
    similar_content: bytes
    limit: int
    page_token: str
    max_distance: int
    def __init__(self, produce_id: _Optional[str] = ..., propagate_id: _Optional[str] = ..., sha256: _Optional[str] = ..., request_id: _Optional[str] = ..., watermark_id: _Optional[str] = ..., similar_content: _Optional[bytes] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ..., max_distance: _Optional[int] = ...) -> None: ...

class LookupResponse(_message.Message):
    __slots__ = ("records", "next_page_token", "distances")
    class DistancesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DISTANCES_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[_types_pb2.ProvenanceRecord]
    next_page_token: str
    distances: _containers.ScalarMap[str, int]
    def __init__(self, records: _Optional[_Iterable[_Union[_types_pb2.ProvenanceRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., distances: _Optional[_Mapping[str, int]] = ...) -> None: ...

class TextToCheck(_message.Message):
    __slots__ = ("id", "text", "field")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    field: str
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class CheckTextsRequest(_message.Message):
    __slots__ = ("request_id", "context", "texts")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    TEXTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    context: _types_pb2.CampaignContext
    texts: _containers.RepeatedCompositeFieldContainer[TextToCheck]
    def __init__(self, request_id: _Optional[str] = ..., context: _Optional[_Union[_types_pb2.CampaignContext, _Mapping]] = ..., texts: _Optional[_Iterable[_Union[TextToCheck, _Mapping]]] = ...) -> None: ...

class TextVerdict(_message.Message):
    __slots__ = ("id", "verdict")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    id: str
    verdict: _types_pb2.CampaignVerdict
    def __init__(self, id: _Optional[str] = ..., verdict: _Optional[_Union[_types_pb2.CampaignVerdict, _Mapping]] = ...) -> None: ...

class CheckTextsResponse(_message.Message):
    __slots__ = ("verdicts", "policy_version")
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    verdicts: _containers.RepeatedCompositeFieldContainer[TextVerdict]
    policy_version: str
    def __init__(self, verdicts: _Optional[_Iterable[_Union[TextVerdict, _Mapping]]] = ..., policy_version: _Optional[str] = ...) -> None: ...
