"""A mixed corpus for batch audits: stamped and plain images in three formats, texts, Markdown, broken files."""

from __future__ import annotations

import io
from pathlib import Path

from bench.images import photo_like
from clearmark.service.pipelines import PipelineConfig, StampJob, stamp_content

PRODUCERS = ("001191440300708461136T1XGW3", "001191440300708461136T2PLAT")
_FORMATS = (("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp"))


def _image(seed: int, fmt: str, side: int) -> bytes:
    buffer = io.BytesIO()
    photo_like(side, side * 3 // 4, seed=seed).convert("RGB").save(buffer, fmt, quality=85)
    return buffer.getvalue()


def make_corpus(directory: Path, count: int = 200, *, side: int = 192) -> list[Path]:
    """Write ``count`` files into ``directory`` (sub-folders per kind); deterministic; returns their paths.

    About a quarter are stamped by ClearMark's own pipeline (two producers, no C2PA, no mark), half
    are plain pictures, a fifth texts and Markdown (half stamped), the rest truncated or random bytes.
    """
    config = PipelineConfig()
    written: list[Path] = []
    for i in range(count):
        slot = i % 20
        if slot < 5:
            fmt, suffix = _FORMATS[i % 3]
            job = StampJob(f"corpus-{i}", "bench", _image(i, fmt, side), PRODUCERS[i % 2])
            path, data = directory / "stamped" / f"s{i:05d}{suffix}", stamp_content(job, config).content
        elif slot < 15:
            fmt, suffix = _FORMATS[i % 3]
            path, data = directory / "plain" / f"p{i:05d}{suffix}", _image(i, fmt, side)
        elif slot < 19:
            suffix = ".md" if i % 2 else ".txt"
            body = f"# 第{i}篇\n\n这是一段用于批量核验的生成文字，编号 {i}。\nSome English words, item {i}.\n"
            data = body.encode()
            if i % 4 < 2:
                job = StampJob(f"corpus-{i}", "bench", data, PRODUCERS[i % 2])
                data = stamp_content(job, config).content
            path = directory / "text" / f"t{i:05d}{suffix}"
        else:
            good = _image(i, "PNG", side)
            path, data = directory / "broken" / f"b{i:05d}.png", good[: len(good) // 3]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
