#!/bin/sh
# Install ClearMark from the source tree in the current directory into a virtual environment.
#   install.sh PREFIX [ml]
# The image's build stages run exactly this. With CLEARMARK_OFFLINE_SITE set to a site-packages
# directory (the tests do), dependencies are taken from there instead of the package index, so the
# same steps can be checked on a machine without network.
set -eu
prefix=$1
extras=${2:-}
python3 -m venv "$prefix"
pip="$prefix/bin/python -m pip --disable-pip-version-check --no-cache-dir"
if [ -n "${CLEARMARK_OFFLINE_SITE:-}" ]; then
  # ClearMark itself is built and installed as in the image (with the build tools found there);
  # its dependencies are linked in after.
  PYTHONPATH="$CLEARMARK_OFFLINE_SITE" $pip install --quiet --no-index --no-deps --no-build-isolation .
  site=$("$prefix/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$CLEARMARK_OFFLINE_SITE" > "$site/clearmark-offline-deps.pth"
elif [ "$extras" = "ml" ]; then
  # The CPU build of torch only (the default index would bring the CUDA build and its libraries).
  $pip install --quiet --index-url "${TORCH_INDEX_URL:?set TORCH_INDEX_URL to the CPU wheel index}" torch==2.13.0
  $pip install --quiet ".[ml]"
else
  $pip install --quiet .
fi
# Byte-compile now so the non-root runtime never writes into the read-only environment.
"$prefix/bin/python" -m compileall -q "$prefix/lib" >/dev/null
