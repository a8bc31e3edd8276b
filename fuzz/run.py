"""Run one reader's atheris fuzzer: ``python -m fuzz.run READER CORPUS_DIR [libFuzzer flags]``.

e.g. ``python -m fuzz.run png .fuzz/png -max_total_time=3600 -rss_limit_mb=4096``. Inputs that crash
(anything but a ClearMarkError) are saved by libFuzzer as ``crash-<sha1>`` in the working directory.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["clearmark"]):
    from fuzz.harnesses import HARNESSES


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in HARNESSES:
        sys.exit(f"usage: python -m fuzz.run {{{','.join(HARNESSES)}}} CORPUS_DIR [libFuzzer flags]")
    harness = HARNESSES[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], harness)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
