"""Timing harness: interleaved repeats, median and spread, ratios against a reference of the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one callable."""

    name: str
    samples_ms: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p90_ms(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def measure(cases: dict[str, Callable[[], object]], *, repeats: int, warmup: int = 2) -> dict[str, Timing]:
    """Run every case ``warmup`` times, then ``repeats`` rounds interleaving the cases (fair to drift)."""
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: Timing(name, tuple(values)) for name, values in samples.items()}


def report(title: str, timings: dict[str, Timing], ratios: list[tuple[str, str]]) -> str:
    """A Markdown table of medians plus each (ours, reference) ratio."""
    lines = [f"### {title}", "", "| case | median ms | p90 ms | n |", "|---|---:|---:|---:|"]
    for timing in timings.values():
        lines.append(f"| {timing.name} | {timing.median_ms:.1f} | {timing.p90_ms:.1f} | {len(timing.samples_ms)} |")
    lines += ["", "| ratio | value |", "|---|---:|"]
    for ours, reference in ratios:
        value = timings[ours].median_ms / timings[reference].median_ms
        lines.append(f"| {ours} / {reference} | {value:.2f}x |")
    return "\n".join(lines) + "\n"
