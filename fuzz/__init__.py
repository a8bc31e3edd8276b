"""Coverage-guided fuzzing of ClearMark's container readers with atheris (see fuzz/README.md)."""
