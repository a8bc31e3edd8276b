"""The one table from ClearMark exceptions to gRPC status codes with google.rpc rich error details."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
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
    errors.ClearMarkError: grpc.StatusCode.INTERNAL,
}


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
    details = [
        _pack(
            error_details_pb2.ErrorInfo(
                reason=error.reason, domain=ERROR_DOMAIN, metadata={"error": type(error).__name__}
            )
        )
    ]
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        violations = error.violations or (errors.FieldViolation("content", error.message),)
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                        for v in violations
                    ]
                )
            )
        )
    elif code is grpc.StatusCode.RESOURCE_EXHAUSTED:
        details.append(
            _pack(
                error_details_pb2.QuotaFailure(
                    violations=[
                        error_details_pb2.QuotaFailure.Violation(subject=error.reason, description=error.message)
                    ]
                )
            )
        )
    elif code is grpc.StatusCode.FAILED_PRECONDITION:
        details.append(
            _pack(
                error_details_pb2.PreconditionFailure(
                    violations=[
                        error_details_pb2.PreconditionFailure.Violation(
                            type=error.reason, subject=v.field, description=v.description
                        )
                        for v in (error.violations or (errors.FieldViolation("content", error.message),))
                    ]
                )
            )
        )
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=error.message, details=details)


def plain_status(code: grpc.StatusCode, message: str, reason: str) -> status_pb2.Status:
    """A rich status for conditions that are not ClearMarkErrors (deadline, overload, shutdown)."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN)
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=[_pack(info)])
