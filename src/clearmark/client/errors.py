"""Server failures as the house's typed exceptions, with the gRPC status and its rich details kept."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from clearmark.core import errors


class ServiceError(errors.ClearMarkError):
    """A failed RPC: the status code, the server's reason and details, in English and zh-CN.

    Each ClearMark condition arrives as a subclass that is also the matching core error, so
    ``except clearmark.core.errors.InvalidMedia`` works the same in-process and over the wire.
    """

    default_reason = "RPC_FAILED"

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode = grpc.StatusCode.UNKNOWN,
        reason: str | None = None,
        violations: tuple[errors.FieldViolation, ...] = (),
        localized: Mapping[str, str] | None = None,
        status: status_pb2.Status | None = None,
        retry_delay_s: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason, violations=violations)
        self.code = code
        # The server's google.rpc.RetryInfo: it says a retry may succeed, after this many seconds.
        self.retry_delay_s = retry_delay_s
        self.localized: Mapping[str, str] = MappingProxyType(dict(localized or {}))
        self.status = status

    def message_in(self, locale: str) -> str:
        """The server's message in ``locale`` ("zh-CN", "en-US"), else the status message."""
        return self.localized.get(locale, self.message)

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"


class RpcFailed(ServiceError):
    """A status without a ClearMark meaning: UNAVAILABLE, INTERNAL, a transport failure."""


def _typed(base: type[errors.ClearMarkError]) -> type[ServiceError]:
    return type(base.__name__, (ServiceError, base), {"__doc__": base.__doc__, "__module__": __name__})


InvalidMedia = _typed(errors.InvalidMedia)
UnsupportedFormat = _typed(errors.UnsupportedFormat)
InvalidRequest = _typed(errors.InvalidRequest)
MediaTooLarge = _typed(errors.MediaTooLarge)
Overloaded = _typed(errors.Overloaded)
LabelConflict = _typed(errors.LabelConflict)
RequestConflict = _typed(errors.RequestConflict)
RecordNotFound = _typed(errors.RecordNotFound)
Unauthenticated = _typed(errors.Unauthenticated)
DeadlineExceeded = _typed(errors.DeadlineExceeded)

# The reverse of the server's table (service/errors.py): a reason first, else the status code.
ERROR_BY_REASON: dict[str, type[ServiceError]] = {
    "UNSUPPORTED_FORMAT": UnsupportedFormat,
    "INVALID_REQUEST": InvalidRequest,
    "INVALID_PARTY_CODE": InvalidRequest,
    "INVALID_NOTICE": InvalidRequest,
    "BAD_STREAM": InvalidRequest,
    "OVERLOADED": Overloaded,
}
ERROR_BY_CODE: dict[grpc.StatusCode, type[ServiceError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidMedia,
    grpc.StatusCode.RESOURCE_EXHAUSTED: MediaTooLarge,
    grpc.StatusCode.FAILED_PRECONDITION: LabelConflict,
    grpc.StatusCode.ALREADY_EXISTS: RequestConflict,
    grpc.StatusCode.NOT_FOUND: RecordNotFound,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
}


def _unpack(status: status_pb2.Status, cls: type) -> list:
    found = []
    for detail in status.details:
        if detail.Is(cls.DESCRIPTOR):
            message = cls()
            detail.Unpack(message)
            found.append(message)
    return found


def error_from_rpc(error: grpc.RpcError) -> ServiceError:
    """The typed error of a failed call (``grpc.RpcError`` from a sync or an aio call)."""
    code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
    message: str = error.details() or code.name  # type: ignore[attr-defined]
    status: status_pb2.Status | None
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        status = None
    if status is None:  # aio errors and transport failures carry the status in trailing metadata
        status = _status_from_trailers(error)
    reason, violations, localized, retry_delay_s = code.name, (), {}, None
    if status is not None:
        infos = _unpack(status, error_details_pb2.ErrorInfo)
        reason = infos[0].reason if infos else reason
        violations = tuple(
            errors.FieldViolation(v.field, v.description)
            for bad in _unpack(status, error_details_pb2.BadRequest)
            for v in bad.field_violations
        )
        localized = {m.locale: m.message for m in _unpack(status, error_details_pb2.LocalizedMessage)}
        hints = _unpack(status, error_details_pb2.RetryInfo)
        retry_delay_s = hints[0].retry_delay.ToNanoseconds() / 1e9 if hints else None
    cls = ERROR_BY_REASON.get(reason) or ERROR_BY_CODE.get(code, RpcFailed)
    return cls(
        message,
        code=code,
        reason=reason,
        violations=violations,
        localized=localized,
        status=status,
        retry_delay_s=retry_delay_s,
    )


def _status_from_trailers(error: grpc.RpcError) -> status_pb2.Status | None:
    trailers = getattr(error, "trailing_metadata", lambda: None)() or ()
    for key, value in trailers:
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    return None
