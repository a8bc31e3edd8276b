#!/usr/bin/env bash
# Set up and run everything CI runs: lint, the contract checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check src tests scripts bench
.venv/bin/python -m pytest -q "$@"
