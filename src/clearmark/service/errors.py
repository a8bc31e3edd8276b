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

# Lower layers name their own fields (the notice spec's `text`); clients need the request's path.
REQUEST_PATH_OF_FIELD: dict[str, str] = {
    "text": "options.notice_text",
    "corner": "options.notice_corner",
}

# zh-CN wording per stable reason (google.rpc.LocalizedMessage); the English message is the status's.
ZH_CN_BY_REASON: dict[str, str] = {
    "INVALID_MEDIA": "内容不是格式正确的文件（为空、损坏、截断或长度字段不实）。",
    "HOSTILE_XML": "内容中的 XMP 含有 DTD 或实体声明，已拒绝处理。",
    "MALFORMED_XML": "内容中的 XML 格式错误。",
    "MALFORMED_PDF": "PDF 文件格式错误。",
    "MALFORMED_ZIP": "ZIP/OOXML 文件格式错误。",
    "ENCRYPTED": "内容已加密，无法处理。",
    "INVALID_NOTICE": "显式标识文字须包含“人工智能”或“AI”以及“生成”或“合成”。",
    "UNSUPPORTED_FORMAT": "已识别该格式，但当前版本尚不支持。",
    "INVALID_REQUEST": "请求字段有误。",
    "INVALID_PARTY_CODE": "服务提供者编码不符合 PG-20252A（27 位，统一社会信用代码校验位须正确）。",
    "BAD_STREAM": "流式上传有误：须先发送一个头消息，且大小与 SHA-256 须与头消息一致。",
    "MEDIA_TOO_LARGE": "内容超出配置的限制（字节数、像素数或尺寸）。",
    "OVERLOADED": "服务器繁忙，请稍后重试。",
    "LABEL_CONFLICT": "该内容已带有他方标识，不能重复或覆盖写入。",
    "REQUEST_ID_REUSED": "该请求 ID 已用于不同的内容或选项。",
    "RECORD_NOT_FOUND": "本租户的登记库中没有匹配的记录。",
    "UNAUTHENTICATED": "需要有效的 API 密钥（x-api-key）。",
    "DEADLINE_EXCEEDED": "处理未能在客户端截止时间内完成。",
    "UNAVAILABLE": "服务暂时不可用，请稍后重试。",
    "INTERNAL": "服务器内部错误，请查看服务器日志。",
}
ZH_CN_BY_CODE: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.INVALID_ARGUMENT: "请求或内容无效。",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "超出资源限制。",
    grpc.StatusCode.FAILED_PRECONDITION: "内容的当前状态不允许此操作。",
    grpc.StatusCode.INTERNAL: ZH_CN_BY_REASON["INTERNAL"],
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


def request_path(field: str, *, streamed: bool = False) -> str:
    """The BadRequest path of a violation's field in the request the client actually sent.

    A carrier name ("jpeg:app1-xmp") is a place in the content, so the path is the content's. On a
    stream RPC the content is the ``chunk`` messages and everything else sits in the ``header``.
    """
    path = "content" if ":" in field or not field else REQUEST_PATH_OF_FIELD.get(field, field)
    if not streamed or path.startswith(("header", "chunk", "part")):
        return path
    return "chunk" if path == "content" else f"header.{path}"


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def _localized(code: grpc.StatusCode, reason: str, english: str) -> list[any_pb2.Any]:
    chinese = ZH_CN_BY_REASON.get(reason) or ZH_CN_BY_CODE.get(code, "请求未能完成。")
    return [
        _pack(error_details_pb2.LocalizedMessage(locale="en-US", message=english)),
        _pack(error_details_pb2.LocalizedMessage(locale="zh-CN", message=chinese)),
    ]


def rich_status(error: errors.ClearMarkError, *, streamed: bool = False) -> status_pb2.Status:
    """A google.rpc.Status: ErrorInfo, English and zh-CN LocalizedMessages, and the detail that fits.

    ``streamed`` says the client sent a *Stream RPC, so field paths point into its header/chunks.
    """
    code = status_code_for(error)
    message = public_message(error.message)
    violations = [
        errors.FieldViolation(
            request_path(v.field, streamed=streamed),
            public_message(v.description if ":" not in v.field else f"{v.field}: {v.description}"),
        )
        for v in error.violations
    ]
    metadata = {"fields": ",".join(dict.fromkeys(v.field for v in violations))} if violations else {}
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=metadata))]
    details += _localized(code, error.reason, message)
    fallback = [errors.FieldViolation(request_path("content", streamed=streamed), message)]
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                        for v in violations or fallback
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
                        for v in error.violations or fallback
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
    details = [_pack(info), *_localized(code, reason, message)]
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=details)
