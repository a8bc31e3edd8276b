"""Inspect-like scan of 1 MB of Markdown (notices, label carriers, invisible marks) against read + one regex."""

from __future__ import annotations

import re

from bench.harness import measure, report
from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import MediaKind
from clearmark.detectors import DetectorContext, build_detectors, run_detectors
from clearmark.media.asset import open_asset
from clearmark.media.formats.markdown import MARKDOWN
from clearmark.media.limits import MediaLimits
from clearmark.service.pipelines import PipelineConfig, inspect_content

PRODUCER = "001191440300708461136T1XGW3"
TEXT_DETECTORS = ("text.notice", "text.invisible_mark", "gb45438.metadata")
_NOTICE = re.compile(r"AI生成|人工智能生成|AI-generated")


def sample_markdown(size: int = 1024 * 1024) -> bytes:
    """About ``size`` bytes of mixed Chinese/English Markdown with a front-matter label and a few notices."""
    paragraph = (
        "本段落讨论数据处理流程与系统设计，包括输入校验、错误处理和性能测试。"
        "The pipeline validates inputs, handles errors and measures throughput on commodity machines.\n\n"
    )
    parts = ["# 报告\n\n本内容由AI生成\n\n"]
    while sum(len(p.encode()) for p in parts) < size:
        parts.append(paragraph)
    parts.append("AI-generated summary.\n")
    label = AigcLabel("1", PRODUCER, "bench-1", "", PRODUCER, "bench-1", "")
    return MARKDOWN.write_label("".join(parts).encode(), label.to_json())


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    data = sample_markdown()
    limits = MediaLimits()
    detectors = build_detectors(DetectorContext(), TEXT_DETECTORS)
    kinds = frozenset({MediaKind.TEXT, MediaKind.DOCUMENT})

    def clearmark_scan() -> int:
        return len(run_detectors(detectors, open_asset(data, limits, kinds=kinds)))

    def read_and_regex() -> int:
        return len(_NOTICE.findall(data.decode("utf-8")))

    config = PipelineConfig()

    def clearmark_inspect() -> int:
        return len(inspect_content(data, config).signals)

    assert clearmark_scan() >= 3 and read_and_regex() >= 2 and clearmark_inspect() >= 3
    timings = measure(
        {
            "clearmark Inspect (whole pipeline)": clearmark_inspect,
            "clearmark text scan (notices + labels + marks)": clearmark_scan,
            "read + regex": read_and_regex,
        },
        repeats=repeats,
    )
    return report(
        f"Text inspect, {len(data) / 1024 / 1024:.2f} MiB Markdown: against a plain read + regex",
        timings,
        [
            ("clearmark Inspect (whole pipeline)", "read + regex"),
            ("clearmark text scan (notices + labels + marks)", "read + regex"),
        ],
    )


if __name__ == "__main__":
    print(run(15))
