#!/usr/bin/env bash
# Set up and start the server with embedded defaults (SQLite registry and dev keys in ./data, port 50051).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/clearmark serve "$@"
