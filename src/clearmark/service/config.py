"""Service configuration from a TOML file and CLEARMARK_* environment variables, with embedded defaults."""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, FilePath, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from clearmark.core.enums import Corner
from clearmark.service.admission import VIDEO_FRAMES

CONFIG_FILE_ENV = "CLEARMARK_CONFIG"
_explicit_config_file: ContextVar[Path | None] = ContextVar("clearmark_config_file", default=None)


class Settings(BaseSettings):
    """Everything an operator can set; every field has a default that needs nothing installed.

    Environment variables are ``CLEARMARK_<FIELD>`` (nested values as JSON, e.g.
    ``CLEARMARK_API_KEYS='{"key…": "tenant-a"}'``); a TOML file named by ``CLEARMARK_CONFIG`` or
    ``--config`` supplies the same keys. Environment wins over the file.
    """

    model_config = SettingsConfigDict(env_prefix="CLEARMARK_", extra="forbid", frozen=True)

    # Where the registry, development keys and spooled uploads live.
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(default=50051, ge=0, le=65535)
    # SQLAlchemy URL; empty means SQLite in data_dir. PostgreSQL: postgresql+psycopg://user@host/db.
    registry_url: str = ""
    # Registry records are kept this long, at least six months (Measures Art. 9); `clearmark purge` deletes older.
    retention_days: int = Field(default=183, ge=183)
    # Stored first responses of Stamp/Label (idempotent replays): in the "registry" database (shared by
    # every replica) or a "directory" all replicas mount (replay_dir, default data_dir/replays).
    replay_store: Literal["registry", "directory"] = "registry"
    replay_dir: Path | None = None
    replay_ttl_hours: float = Field(default=168.0, gt=0)
    # Tenants whose API keys read every tenant's records in Lookup (auditors); empty: none.
    auditor_tenants: tuple[str, ...] = ()

    # Transport limits.
    max_message_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_stream_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1024)
    stream_chunk_bytes: int = Field(default=1024 * 1024, ge=1024)

    # Media limits (decompression bombs, huge dimensions).
    max_media_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_pixels: int = Field(default=50_000_000, ge=1)
    max_dimension: int = Field(default=20_000, ge=1)
    # Memory budget of text reading: content longer than this many characters is read as its head
    # and tail (half each), so a 2 GB log costs the same memory as a 16 MB one.
    max_text_chars: int = Field(default=4 * 1024 * 1024, ge=1024)
    # Video limits, checked from the container header before any frame is decoded.
    max_video_bytes: int = Field(default=4 * 1024 * 1024 * 1024, ge=1024)
    max_video_duration_s: int = Field(default=2 * 3600, ge=1)
    max_video_pixels: int = Field(default=4096 * 2304, ge=1)
    max_video_frames: int = Field(default=2 * 3600 * 60, ge=1)
    # C2PA on MP4/MOV: c2pa-python holds the asset whole to sign (~2.05x its size) and validate (~1.05x)
    # it; up to this size it is signed and validated, and memory admission reserves that (a 512 MiB MP4:
    # ~1.13 GiB, within max_video_request_memory_bytes); past it the labels are written with a warning
    # and no manifest, and C2PA is reported not validated. Other formats c2pa holds whole stop at max_media_bytes.
    max_c2pa_whole_asset_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)

    # Verify: treat empty propagator fields as a failure even on producer output (real producers ship
    # them empty; by default they FAIL only once a C2PA manifest shows a platform published the content).
    verify_requires_propagator: bool = False

    # TC260 SecurityData (SM2 with SM3): the producer's private key file (32-byte scalar in hex; Stamp
    # then signs ReservedCode1) and a JSON file of pinned public keys {"<party code>": "<SPKI or x||y hex>"}.
    sm2_private_key_file: Path | None = None
    sm2_pinned_keys_file: Path | None = None

    # CPU work: 0 runs it on a thread in-process (CLI), N > 0 in a pool of N processes.
    cpu_workers: int = Field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)), ge=0)
    # Inspect: the OCR detectors (their time is the models', outside the GIL) run on this many threads per
    # worker beside the other detectors; a request then takes about the longer of the two, not their sum,
    # where a core is free. 0: every detector in turn.
    detector_threads: int = Field(default=1, ge=0, le=8)
    # OpenCV's thread pool per worker process; 0: OpenCV's default (one thread per core).
    opencv_threads: int = Field(default=1, ge=0, le=64)
    # Jobs admitted (running or waiting for a worker); past this, RESOURCE_EXHAUSTED at once with RetryInfo.
    max_pending_jobs: int = Field(default=64, ge=1)
    # Memory admission: decode cost from the header (pixels x 4 bytes x copies) per request and server-wide.
    max_request_memory_bytes: int = Field(default=512 * 1024 * 1024, ge=1024 * 1024)
    # Video has its own per-request cap: a 4K clip (within max_video_pixels) needs about 1.1 GiB.
    max_video_request_memory_bytes: int = Field(default=1280 * 1024 * 1024, ge=1024 * 1024)
    memory_budget_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1024 * 1024)
    decode_copies: int = Field(default=3, ge=1, le=16)
    # Video: the largest frame its header declares x the frames a job holds at its peak (sampled + in flight).
    video_decode_frames: int = Field(default=VIDEO_FRAMES, ge=1, le=256)
    memory_wait_s: float = Field(default=5.0, ge=0)
    # On SIGTERM: health says NOT_SERVING for drain_s while requests keep being served (load balancers
    # notice), then the server stops taking RPCs and gives in-flight ones shutdown_grace_s to finish.
    drain_s: float = Field(default=5.0, ge=0)
    shutdown_grace_s: float = Field(default=10.0, ge=0)

    # Authentication: API key -> tenant. Empty disables authentication (single tenant "default").
    # Prefer api_key_hashes in files at rest: "sha256:<hex>" -> tenant (``clearmark hash-key`` makes one).
    api_keys: dict[str, str] = Field(default_factory=dict)
    api_key_hashes: dict[str, str] = Field(default_factory=dict)
    # Serving a non-loopback address needs API keys and TLS unless these say otherwise, explicitly.
    allow_unauthenticated_remote: bool = False
    allow_plaintext_remote: bool = False

    # TLS for the server (PEM files); a client CA turns on mutual TLS (client certificates required).
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    # TLS for the CLI as a client of --server: the server's CA, and a client certificate for mutual TLS.
    client_tls_ca_file: Path | None = None
    client_tls_cert_file: Path | None = None
    client_tls_key_file: Path | None = None

    # The gRPC health service alone on its own plaintext port (None: off), for probes that cannot do TLS
    # (Kubernetes grpc probes, the container HEALTHCHECK); it carries no key and no content.
    health_port: int | None = Field(default=None, ge=0, le=65535)
    health_host: str = "127.0.0.1"
    # Prometheus metrics on their own port (None: off; 0: any free port); /metrics.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # One line per RPC and every other log line: "text" for a terminal, "json" for collectors.
    log_format: Literal["text", "json"] = "text"
    # Also require a key for read-only RPCs (Inspect, Verify); Lookup always needs one when keys exist.
    require_auth_for_reads: bool = False

    # GB 45438 writing.
    producer_code_policy: Literal["reject", "flag"] = "reject"
    notice_text_generated: str = "AI生成"
    notice_text_possible: str = "可能为AI生成"
    notice_text_suspected: str = "疑似AI生成"
    notice_corner: Corner = Corner.BOTTOM_RIGHT
    notice_height_ratio: float = Field(default=0.06, ge=0.05, le=0.5)
    # Text and documents: the notice line goes at the "start" and/or the "end".
    text_notice_positions: tuple[Literal["start", "end"], ...] = ("start",)
    # Platforms draw their "possibly"/"suspected" notice into the pixels unless the request says not to.
    platform_draws_notice: bool = True
    # Audio: the audible notice (the rhythm 短长短短) at the "start", "middle" and/or "end"; its unit, tone
    # and level are kept within what the rhythm detector hears (45-300 ms, 400-3000 Hz), so Inspect and
    # Verify always find ClearMark's own. A spoken notice file (WAV/MP3) replaces the rhythm.
    audio_notice_positions: tuple[Literal["start", "middle", "end"], ...] = ("start",)
    audio_rhythm_unit_ms: float = Field(default=120.0, ge=45.0, le=300.0)
    audio_rhythm_frequency_hz: float = Field(default=1000.0, ge=400.0, le=3000.0)
    audio_rhythm_level_dbfs: float = Field(default=-6.0, ge=-30.0, le=0.0)
    audio_spoken_notice: FilePath | None = None  # checked at start: a missing file stops the server there
    jpeg_quality: int = Field(default=95, ge=50, le=100)
    webp_quality: int = Field(default=90, ge=50, le=100)
    font_path: Path | None = None
    # Video notices: the start screen (GB 45438: >= 2 s), optionally around the middle and at the end
    # (seconds; 0 = none), and a persistent corner badge on every frame.
    video_notice_start_s: float = Field(default=2.0, ge=2.0, le=3600)
    video_notice_middle_s: float = Field(default=0.0, ge=0, le=3600)
    video_notice_end_s: float = Field(default=0.0, ge=0, le=3600)
    video_badge: bool = False

    # C2PA signing material; empty means development material created in data_dir on first start.
    signing_cert_chain: Path | None = None
    signing_private_key: Path | None = None
    # Sign a C2PA manifest on Stamp and Label (after the GB 45438 XMP is written).
    c2pa_sign: bool = True
    c2pa_thumbnails: bool = False
    # RFC 3161 timestamp authority; without one a manifest turns invalid when the signer's leaf expires.
    c2pa_tsa_url: str = ""
    # PEM bundle of trust anchors (c2pa ships none: without anchors a valid manifest is "Valid", never "Trusted").
    c2pa_trust_anchors: Path | None = None
    # Signer EKU OIDs accepted beyond c2pa's built-in set.
    c2pa_allowed_ekus: tuple[str, ...] = ()
    # Let c2pa fetch manifests an asset only points to (off: the URL is reported, never fetched).
    c2pa_fetch_remote: bool = False
    # Trust the bundled snapshot of the public C2PA trust list beside c2pa_trust_anchors (see assets/c2pa).
    c2pa_public_trust_list: bool = True

    # ClearMark's invisible image watermark: embedded by Stamp (and by Label when it redraws pixels).
    watermark_embed: bool = True
    # Read the image mark with the decoder's second pass too (slower on unmarked pictures).
    watermark_wide_search: bool = False
    # The deployment's watermark secret (a file of >= 16 random bytes); empty: created in data_dir.
    watermark_key_file: Path | None = None
    # A local tokenizer for the generation-time text watermark (keyed by the same secret); none: off.
    text_watermark_tokenizer: Path | None = None

    # OCR of visible labels and image text: "gated" reads the whole image where a cheap text-region
    # gate fires (one pass for the notice checks and the campaign rules), "bands" only the edge bands
    # (ocr_band_ratio of the shortest side deep), "whole" everything; ocr_whole_image forces "whole".
    ocr_mode: Literal["gated", "bands", "whole"] = "gated"
    ocr_band_ratio: float = Field(default=0.2, gt=0.0, le=0.5)
    ocr_whole_image: bool = False
    # Gated OCR detects a large frame's text regions scaled so that text 1.6 % of its shortest side
    # is this many pixels tall (0: at full resolution when the region is small; more recall of the
    # smallest text for more detector time).
    ocr_gated_text_px: int = Field(default=11, ge=0, le=64)
    # Campaign checks: an operator's rule pack (TOML; none: the starter pack shipped in the package)
    # and per-tenant overrides {"tenant": {"allow_terms": [...], "deny_terms": [...], "block": 0.9}}.
    campaign_rule_pack: Path | None = None
    campaign_tenants: dict[str, dict[str, Any]] = {}
    # Of a video's sampled frames (their OCR text is shared with the notice check), at most this many are
    # scanned for QR codes by the campaign checks (about 7 ms a 1080p frame).
    campaign_video_frames: int = Field(default=8, ge=0, le=64)
    # CheckTexts limits: texts per call, characters per text, characters per call.
    check_texts_max_items: int = Field(default=20_000, gt=0)
    check_texts_max_chars: int = Field(default=20_000, gt=0)
    check_texts_max_total_chars: int = Field(default=16 * 1024 * 1024, gt=0)
    # A local transformers image classifier (none: disabled) and its score -> false-positive-rate JSON.
    classifier_dir: Path | None = None
    classifier_calibration: Path | None = None
    classifier_name: str = "default"
    classifier_timeout_s: float = Field(default=10.0, gt=0)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("notice_corner", mode="before")
    @classmethod
    def _corner_by_name(cls, value: object) -> object:
        if isinstance(value, str) and not value.isdigit():
            try:
                return Corner[value.upper()]
            except KeyError:
                raise ValueError(f"notice_corner must be one of {[c.name for c in Corner][1:]}") from None
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_are_long(cls, value: dict[str, str]) -> dict[str, str]:
        short = [tenant for key, tenant in value.items() if len(key) < 16]
        if short:
            raise ValueError(f"API keys must be at least 16 characters (tenants: {sorted(short)})")
        return value

    @field_validator("api_key_hashes")
    @classmethod
    def _hashes_are_sha256(cls, value: dict[str, str]) -> dict[str, str]:
        for digest in value:
            algorithm, _, hexdigest = digest.partition(":")
            if algorithm != "sha256" or len(hexdigest) != 64 or any(c not in "0123456789abcdef" for c in hexdigest):
                raise ValueError("api_key_hashes keys must be 'sha256:' and 64 lowercase hex digits")
        return value

    @model_validator(mode="after")
    def _tls_files_pair(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("tls_client_ca_file (mutual TLS) needs tls_cert_file and tls_key_file")
        if (self.client_tls_cert_file is None) != (self.client_tls_key_file is None):
            raise ValueError("client_tls_cert_file and client_tls_key_file go together")
        return self

    @property
    def tls_enabled(self) -> bool:
        """True when the server has a certificate."""
        return self.tls_cert_file is not None

    @property
    def resolved_registry_url(self) -> str:
        """The registry URL, defaulting to a SQLite file in the data directory."""
        return self.registry_url or f"sqlite:///{(self.data_dir / 'registry.sqlite3').resolve()}"

    @property
    def auth_enabled(self) -> bool:
        """True when API keys are configured."""
        return bool(self.api_keys or self.api_key_hashes)

    def redacted(self) -> dict[str, object]:
        """The settings for logs: API keys and their hashes replaced by their tenants."""
        dumped = self.model_dump(mode="json")
        dumped["api_keys"] = sorted(set(self.api_keys.values()))
        dumped["api_key_hashes"] = sorted(set(self.api_key_hashes.values()))
        return dumped

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _explicit_config_file.get() or os.environ.get(CONFIG_FILE_ENV)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Settings from an optional TOML file, the environment and explicit overrides (highest)."""
    if config_file is not None and not config_file.is_file():
        raise FileNotFoundError(f"config file not found: {config_file}")
    token = _explicit_config_file.set(config_file)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    finally:
        _explicit_config_file.reset(token)


__all__ = ["CONFIG_FILE_ENV", "Settings", "load_settings"]
