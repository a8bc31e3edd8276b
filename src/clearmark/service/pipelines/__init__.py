"""The four verbs as pipelines of pure functions: bytes and options in, frozen results out."""

from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.inspect import inspect_content
from clearmark.service.pipelines.label import LabelJob, LabelOutcome, label_content
from clearmark.service.pipelines.stamp import StampJob, StampOutcome, stamp_content
from clearmark.service.pipelines.verify import VerifyJob, verify_content

__all__ = [
    "LabelJob",
    "LabelOutcome",
    "PipelineConfig",
    "StampJob",
    "StampOutcome",
    "VerifyJob",
    "inspect_content",
    "label_content",
    "stamp_content",
    "verify_content",
]
