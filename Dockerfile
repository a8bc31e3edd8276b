# syntax=docker/dockerfile:1
# ClearMark's image. Targets:
#   docker build -t clearmark .                 the service without torch (default, last stage)
#   docker build --target ml -t clearmark:ml .  plus CPU-only torch and transformers (text watermark, classifiers)
# Runs as a non-root user; state in the /data volume; settings from /etc/clearmark/clearmark.toml
# (mount your own) and CLEARMARK_* environment variables. See docs/operations.md.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY deploy/docker/install.sh /usr/local/bin/clearmark-install
RUN clearmark-install /opt/clearmark

FROM ${PYTHON_IMAGE} AS build-ml
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TORCH_INDEX_URL=${TORCH_INDEX_URL}
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY deploy/docker/install.sh /usr/local/bin/clearmark-install
RUN clearmark-install /opt/clearmark ml

FROM ${PYTHON_IMAGE} AS base
# opencv-python (pulled in by rapidocr and the watermark) needs libGL and GLib at import time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 clearmark \
    && useradd --system --uid 10001 --gid clearmark --home-dir /data --no-create-home --shell /usr/sbin/nologin clearmark \
    && mkdir -p /data /etc/clearmark \
    && chown clearmark:clearmark /data
COPY deploy/docker/clearmark.toml /etc/clearmark/clearmark.toml
ENV PATH=/opt/clearmark/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CLEARMARK_CONFIG=/etc/clearmark/clearmark.toml \
    CLEARMARK_DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /data
EXPOSE 50051 8081 9095
# The gRPC health service on the plaintext health port (health_port in the config).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["clearmark", "health", "--server", "127.0.0.1:8081", "--timeout", "4"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["clearmark"]
CMD ["serve"]

FROM base AS ml
ARG CLEARMARK_BUILD=dev
ENV CLEARMARK_BUILD=${CLEARMARK_BUILD}
COPY --from=build-ml /opt/clearmark /opt/clearmark
USER 10001:10001

FROM base AS runtime
ARG CLEARMARK_BUILD=dev
ENV CLEARMARK_BUILD=${CLEARMARK_BUILD}
COPY --from=build /opt/clearmark /opt/clearmark
USER 10001:10001
