"""Prometheus metrics of one server (RPCs, latency, bytes, verdicts, pool, registry), on their own port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from clearmark.service.pool import PoolStats

# Seconds: small Inspects take milliseconds, 4K Stamps with OCR several seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
SIZE_BUCKETS = tuple(float(4**n) for n in range(5, 15))  # 1 KiB .. 256 MiB


@dataclass(frozen=True)
class ServerStats:
    """What the collector reads at scrape time from the running app."""

    pool: PoolStats
    memory_in_use_bytes: int
    memory_budget_bytes: int
    registry_errors: int
    registry_healthy: bool


class _LiveCollector(Collector):
    """Gauges read at scrape time (pool, memory budget) and the registry's own error count."""

    def __init__(self, read: Callable[[], ServerStats | None]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        stats = self._read()
        if stats is None:
            return
        pool = stats.pool
        for name, doc, value in (
            ("clearmark_pool_workers", "Worker processes in the pool.", pool.workers),
            ("clearmark_pool_busy_workers", "Workers running a job now.", pool.busy),
            ("clearmark_pool_queue_depth", "Admitted jobs waiting for a free worker.", pool.queued),
            ("clearmark_pool_pending_jobs", "Jobs admitted (running or waiting).", pool.pending),
            ("clearmark_memory_in_use_bytes", "Decode memory reserved now.", stats.memory_in_use_bytes),
            ("clearmark_memory_budget_bytes", "Server-wide decode memory budget.", stats.memory_budget_bytes),
            ("clearmark_registry_up", "1 while the registry database is usable.", int(stats.registry_healthy)),
        ):
            yield GaugeMetricFamily(name, doc, value=value)
        yield CounterMetricFamily(
            "clearmark_pool_rebuilds", "Workers replaced after dying or being stopped.", value=pool.rebuilds
        )
        yield CounterMetricFamily(
            "clearmark_registry_errors", "Registry health-check and operation failures.", value=stats.registry_errors
        )


class Metrics:
    """One server's metrics in their own registry (several servers can share a process in tests)."""

    def __init__(self, read_stats: Callable[[], ServerStats | None] = lambda: None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "clearmark_rpc_requests",
            "RPCs handled, by method and status code.",
            ["method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "clearmark_rpc_duration_seconds",
            "RPC latency, by method.",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.received = Counter(
            "clearmark_rpc_received_bytes",
            "Request message bytes received, by method.",
            ["method"],
            registry=self.registry,
        )
        self.sent = Counter(
            "clearmark_rpc_sent_bytes", "Response message bytes sent, by method.", ["method"], registry=self.registry
        )
        self.request_size = Histogram(
            "clearmark_rpc_request_size_bytes",
            "Request size, by method.",
            ["method"],
            buckets=SIZE_BUCKETS,
            registry=self.registry,
        )
        self.categories = Counter(
            "clearmark_inspection_category",
            "Art. 6 categories decided, by method.",
            ["method", "category"],
            registry=self.registry,
        )
        self.suggestions = Counter(
            "clearmark_campaign_suggestion",
            "Campaign verdicts, by method.",
            ["method", "suggestion"],
            registry=self.registry,
        )
        self.compliance = Counter(
            "clearmark_verify_compliant", "Verify reports, compliant or not.", ["compliant"], registry=self.registry
        )
        self.registry.register(_LiveCollector(read_stats))
        self._http: WSGIServer | None = None
        self.port = 0

    def serve(self, host: str, port: int) -> int:
        """Expose ``/metrics`` over HTTP on ``host:port`` (0: any free port); returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._http = server
        self.port = server.server_port
        return self.port

    def close(self) -> None:
        """Stop the HTTP endpoint."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
