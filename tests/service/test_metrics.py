"""Prometheus metrics on their own port: scraped from a real server after real RPCs."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from tests.conftest import PRODUCER
from tests.service.conftest import RunningServer

pytestmark = pytest.mark.e2e


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_rpcs_codes_bytes_verdicts_and_load(
    server_factory: Callable[..., RunningServer], png_bytes: bytes
) -> None:
    running = server_factory(cpu_workers=1, metrics_port=0)
    port = running.server.metrics_port
    assert port and port != int(running.address.rsplit(":", 1)[1])
    with running.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        stamped = stub.Stamp(
            api.StampRequest(content=png_bytes, options=api.StampOptions(producer_code=PRODUCER)), timeout=120
        )
        stub.Inspect(api.InspectRequest(content=stamped.content), timeout=120)
        stub.Inspect(api.InspectRequest(content=png_bytes), timeout=120)
        stub.Verify(api.VerifyRequest(content=stamped.content), timeout=120)
        with pytest.raises(grpc.RpcError):
            stub.Inspect(api.InspectRequest(content=b""), timeout=60)
    # An aborted RPC's status reaches the client before the server's handler records it: wait for it.
    failed = ("clearmark_rpc_requests_total", (("code", "INVALID_ARGUMENT"), ("method", "Inspect")))
    deadline = time.monotonic() + 10
    metrics = _scrape(port)
    while metrics.get(failed, 0.0) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
        metrics = _scrape(port)

    def value(name: str, **labels: str) -> float:
        return metrics.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("clearmark_rpc_requests_total", method="Inspect", code="OK") == 2
    assert value("clearmark_rpc_requests_total", method="Inspect", code="INVALID_ARGUMENT") == 1
    assert value("clearmark_rpc_requests_total", method="Stamp", code="OK") == 1
    assert value("clearmark_rpc_duration_seconds_count", method="Inspect") == 3
    assert value("clearmark_rpc_duration_seconds_bucket", method="Stamp", le="+Inf") == 1
    assert value("clearmark_rpc_received_bytes_total", method="Stamp") >= len(png_bytes)
    assert value("clearmark_rpc_sent_bytes_total", method="Stamp") >= len(stamped.content)
    assert value("clearmark_inspection_category_total", method="Inspect", category="CATEGORY_AI_GENERATED") == 1
    assert value("clearmark_inspection_category_total", method="Inspect", category="CATEGORY_NO_SIGNAL") == 1
    assert sum(v for (n, _), v in metrics.items() if n == "clearmark_campaign_suggestion_total") == 3
    assert sum(v for (n, _), v in metrics.items() if n == "clearmark_verify_compliant_total") == 1
    assert value("clearmark_pool_workers") == 1
    assert value("clearmark_pool_busy_workers") == 0 and value("clearmark_pool_queue_depth") == 0
    assert value("clearmark_registry_up") == 1 and value("clearmark_registry_errors_total") == 0
    assert value("clearmark_memory_budget_bytes") == running.settings.memory_budget_bytes


def test_health_and_reflection_name_the_version(server_factory: Callable[..., RunningServer]) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    from clearmark import __version__

    running = server_factory(cpu_workers=0)
    with running.channel() as channel:
        _, call = health_pb2_grpc.HealthStub(channel).Check.with_call(health_pb2.HealthCheckRequest(), timeout=10)
        assert dict(call.initial_metadata())["clearmark-version"] == __version__
        stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        services = [s.name for r in stream for s in r.list_services_response.service]
        assert "clearmark.v1.ClearMarkService" in services
        metadata = dict(stream.initial_metadata())
        assert metadata["clearmark-version"] == __version__ and metadata["clearmark-build"]
