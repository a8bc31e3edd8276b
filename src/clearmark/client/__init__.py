"""The Python client of ClearMark: typed results, streaming by size, retries, TLS and API keys."""

from clearmark.client.aio import AsyncClient
from clearmark.client.calls import NO_RETRY, ClientOptions, RetryPolicy
from clearmark.client.errors import RpcFailed, ServiceError
from clearmark.client.results import (
    InspectResult,
    LabelResult,
    LookupResult,
    Notice,
    Record,
    StampResult,
    VerifyResult,
    gb45438_dict,
    gb45438_json,
)
from clearmark.client.sync import Client

__all__ = [
    "NO_RETRY",
    "AsyncClient",
    "Client",
    "ClientOptions",
    "InspectResult",
    "LabelResult",
    "LookupResult",
    "Notice",
    "Record",
    "RetryPolicy",
    "RpcFailed",
    "ServiceError",
    "StampResult",
    "VerifyResult",
    "gb45438_dict",
    "gb45438_json",
]
