"""Watermark benchmark: attack suite, false positives and timings (``run(repeats) -> Markdown``)."""


def run(repeats: int) -> str:
    """Run the watermark benchmark (imports scikit-image and invisible-watermark only when called)."""
    from bench.watermark.suite import run as run_suite

    return run_suite(repeats)


__all__ = ["run"]
