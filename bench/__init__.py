"""Reproducible benchmarks comparing ClearMark with a reference measured in the same run."""
