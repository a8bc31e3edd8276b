"""The one exception tree of ClearMark; the servicer maps it to gRPC status codes in one table."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request or of the content (mirrors google.rpc.BadRequest.FieldViolation)."""

    field: str
    description: str


class ClearMarkError(Exception):
    """Root of every error ClearMark raises on purpose.

    Args:
        message: what went wrong, safe to show to the client (never key material).
        reason: a stable UPPER_SNAKE machine-readable reason (google.rpc.ErrorInfo.reason).
        violations: offending fields, when the error is about the request or content.
    """

    default_reason = "CLEARMARK_ERROR"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        violations: tuple[FieldViolation, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.violations = violations


class InvalidMedia(ClearMarkError):
    """The content is not a well-formed file of the format it claims or sniffs as."""

    default_reason = "INVALID_MEDIA"


class UnsupportedFormat(ClearMarkError):
    """The content is well-formed but of a format or modality this build cannot handle."""

    default_reason = "UNSUPPORTED_FORMAT"


class MediaTooLarge(ClearMarkError):
    """The content exceeds a configured limit (bytes, pixels, decompressed size)."""

    default_reason = "MEDIA_TOO_LARGE"


class InvalidRequest(ClearMarkError):
    """A request field is malformed (producer code, notice text, ids)."""

    default_reason = "INVALID_REQUEST"


class LabelConflict(ClearMarkError):
    """The requested write would forge, remove or duplicate another party's label."""

    default_reason = "LABEL_CONFLICT"


class RequestConflict(ClearMarkError):
    """A request id was reused for different content (idempotency violated)."""

    default_reason = "REQUEST_ID_REUSED"


class RecordNotFound(ClearMarkError):
    """A registry lookup found nothing the caller may see."""

    default_reason = "RECORD_NOT_FOUND"


class Unauthenticated(ClearMarkError):
    """A mutating call arrived without valid credentials."""

    default_reason = "UNAUTHENTICATED"


@dataclass(frozen=True)
class ErrorDetails:
    """Serializable snapshot of a ClearMarkError, for crossing a process boundary."""

    kind: str
    message: str
    reason: str
    violations: tuple[FieldViolation, ...] = field(default_factory=tuple)
