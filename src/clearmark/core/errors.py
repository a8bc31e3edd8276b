"""The one exception tree of ClearMark; the servicer maps it to gRPC status codes in one table."""

from __future__ import annotations

from dataclasses import dataclass


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

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields must survive pickling across the worker-process boundary.
        return (_rebuild_error, (type(self), self.message, self.reason, self.violations))


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


class Overloaded(ClearMarkError):
    """Too much work is queued; the client should retry later."""

    default_reason = "OVERLOADED"


class DeadlineExceeded(ClearMarkError):
    """The caller's deadline passed before the work finished."""

    default_reason = "DEADLINE_EXCEEDED"


class Unavailable(ClearMarkError):
    """The service cannot do this now but may on a retry (a worker died, the registry is unreachable)."""

    default_reason = "UNAVAILABLE"


def _rebuild_error(
    cls: type[ClearMarkError], message: str, reason: str, violations: tuple[FieldViolation, ...]
) -> ClearMarkError:
    return cls(message, reason=reason, violations=violations)
