"""Server reflection answers under grpc.reflection.v1 (what grpcurl asks first) and v1alpha."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2

VERSIONS = ("grpc.reflection.v1", "grpc.reflection.v1alpha")


def _ask(channel, package: str, *requests: reflection_pb2.ServerReflectionRequest):
    call = channel.stream_stream(
        f"/{package}.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    return list(call(iter(requests), timeout=10))


@pytest.mark.parametrize("package", VERSIONS)
def test_both_versions_list_the_services(server, package: str) -> None:
    with server.channel() as channel:
        (reply,) = _ask(channel, package, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in reply.list_services_response.service}
    expected = {"clearmark.v1.ClearMarkService", "grpc.health.v1.Health", *(f"{v}.ServerReflection" for v in VERSIONS)}
    assert expected <= names


@pytest.mark.parametrize("package", VERSIONS)
def test_both_versions_describe_the_contract_and_themselves(server, package: str) -> None:
    with server.channel() as channel:
        replies = _ask(
            channel,
            package,
            reflection_pb2.ServerReflectionRequest(file_containing_symbol="clearmark.v1.ClearMarkService"),
            reflection_pb2.ServerReflectionRequest(file_containing_symbol=f"{package}.ServerReflection"),
        )
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for reply in replies
        for raw in reply.file_descriptor_response.file_descriptor_proto
    ]
    packages = {f.package for f in files}
    assert {"clearmark.v1", package, "google.api"} <= packages
    service = next(f for f in files if f.package == "clearmark.v1" and f.service).service[0]
    assert "Stamp" in {m.name for m in service.method}
