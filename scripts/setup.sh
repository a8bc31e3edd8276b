#!/usr/bin/env bash
# Create .venv with Python 3.11 and install ClearMark; "test" also installs the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 required, found {sys.version}"'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ "${1:-}" = "test" ]; then
  # Debian tools some tests use to check our PDFs independently (qpdf --check, pdftoppm rendering).
  if ! command -v qpdf >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qpdf poppler-utils) >/dev/null \
        || echo "setup: could not install qpdf/poppler-utils; the tests that need them will skip" >&2
    fi
  fi
  # The registry tests start a throwaway PostgreSQL cluster (initdb/pg_ctl); the report tests render
  # the Verify HTML page in headless Chromium.
  if ! command -v chromium >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql chromium) >/dev/null \
        || echo "setup: could not install postgresql/chromium; the tests that need them will skip" >&2
    fi
  fi
  # exiftool reads our XMP labels back from every image format independently (GIF, HEIF, AVIF, TIFF…).
  if ! command -v exiftool >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libimage-exiftool-perl) >/dev/null \
        || echo "setup: could not install libimage-exiftool-perl; the tests that need exiftool will skip" >&2
    fi
  fi
  # CJK fonts ClearMark does not ship (sans, Ming/Song, Kai): the OCR tests draw visible labels in them
  # and check the measured height of the Chinese characters. Tests only; the service never reads them.
  if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || [ ! -f /usr/share/fonts/truetype/arphic/ukai.ttc ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei \
        fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai) >/dev/null \
        || echo "setup: could not install the CJK test fonts; the OCR font test will skip" >&2
    fi
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,ml]"
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
