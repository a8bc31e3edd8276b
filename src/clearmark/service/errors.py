"""The one table from ClearMark exceptions to gRPC status codes with google.rpc rich error details."""

from __future__ import annotations

import re

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from clearmark.core import errors

ERROR_DOMAIN = "clearmark.dev"

STATUS_BY_ERROR: dict[type[errors.ClearMarkError], grpc.StatusCode] = {
    errors.InvalidMedia: grpc.StatusCode.INVALID_ARGUMENT,
    errors.UnsupportedFormat: grpc.StatusCode.INVALID_ARGUMENT,
    errors.InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    errors.MediaTooLarge: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.LabelConflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.RequestConflict: grpc.StatusCode.ALREADY_EXISTS,
    errors.RecordNotFound: grpc.StatusCode.NOT_FOUND,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.Overloaded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.DeadlineExceeded: grpc.StatusCode.DEADLINE_EXCEEDED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
    errors.ClearMarkError: grpc.StatusCode.INTERNAL,
}

# Errors a client should retry, and after how long (sent as google.rpc.RetryInfo).
RETRY_AFTER_S: dict[type[errors.ClearMarkError], float] = {
    errors.Overloaded: 1.0,
    errors.Unavailable: 1.0,
}
# ``<_io.BytesIO object at 0x7f…>`` and bare addresses: a library's repr must not reach a client.
_ADDRESS = re.compile(r"<([\w.]+) object at 0x[0-9a-fA-F]+>|\b0x[0-9a-fA-F]{6,}\b")


def public_message(message: str) -> str:
    """An error message fit for a client: object reprs and memory addresses removed, length bounded."""
    cleaned = _ADDRESS.sub(lambda m: f"<{m.group(1)}>" if m.group(1) else "<address>", message)
    return cleaned if len(cleaned) <= 1000 else cleaned[:997] + "..."


def retry_after_s(error: errors.ClearMarkError) -> float | None:
    """Seconds after which a retry may succeed, or None when retrying the same request is pointless."""
    for cls in type(error).__mro__:
        if cls in RETRY_AFTER_S:
            return RETRY_AFTER_S[cls]
    return None


def status_code_for(error: errors.ClearMarkError) -> grpc.StatusCode:
    """The status code of the nearest mapped class in the error's MRO."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return grpc.StatusCode.INTERNAL


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def rich_status(error: errors.ClearMarkError) -> status_pb2.Status:
    """A google.rpc.Status with ErrorInfo plus the detail type that fits the code."""
    code = status_code_for(error)
    message = public_message(error.message)
    details = [
        _pack(
            error_details_pb2.ErrorInfo(
                reason=error.reason, domain=ERROR_DOMAIN, metadata={"error": type(error).__name__}
            )
        )
    ]
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        violations = error.violations or (errors.FieldViolation("content", message),)
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=public_message(v.description)
                        )
                        for v in violations
                    ]
                )
            )
        )
    elif code is grpc.StatusCode.RESOURCE_EXHAUSTED:
        details.append(
            _pack(
                error_details_pb2.QuotaFailure(
                    violations=[error_details_pb2.QuotaFailure.Violation(subject=error.reason, description=message)]
                )
            )
        )
    elif code is grpc.StatusCode.FAILED_PRECONDITION:
        details.append(
            _pack(
                error_details_pb2.PreconditionFailure(
                    violations=[
                        error_details_pb2.PreconditionFailure.Violation(
                            type=error.reason, subject=v.field, description=public_message(v.description)
                        )
                        for v in (error.violations or (errors.FieldViolation("content", message),))
                    ]
                )
            )
        )
    retry = retry_after_s(error)
    if retry is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(retry * 1e9))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=details)


def plain_status(code: grpc.StatusCode, message: str, reason: str) -> status_pb2.Status:
    """A rich status for conditions that are not ClearMarkErrors (deadline, overload, shutdown)."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN)
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=[_pack(info)])
