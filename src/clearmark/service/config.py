"""Service configuration from a TOML file and CLEARMARK_* environment variables, with embedded defaults."""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from clearmark.core.enums import Corner

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
    # SQLAlchemy URL; empty means SQLite in data_dir.
    registry_url: str = ""

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

    # Verify: treat empty propagator fields as a failure even on producer output (real producers ship
    # them empty; by default they FAIL only once a C2PA manifest shows a platform published the content).
    verify_requires_propagator: bool = False

    # TC260 SecurityData (SM2 with SM3): the producer's private key file (32-byte scalar in hex; Stamp
    # then signs ReservedCode1) and a JSON file of pinned public keys {"<party code>": "<SPKI or x||y hex>"}.
    sm2_private_key_file: Path | None = None
    sm2_pinned_keys_file: Path | None = None

    # CPU work: 0 runs it on a thread in-process (CLI), N > 0 in a pool of N processes.
    cpu_workers: int = Field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)), ge=0)
    max_pending_jobs: int = Field(default=64, ge=1)
    shutdown_grace_s: float = Field(default=10.0, ge=0)

    # Authentication: API key -> tenant. Empty disables authentication (single tenant "default").
    api_keys: dict[str, str] = Field(default_factory=dict)
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
    jpeg_quality: int = Field(default=95, ge=50, le=100)
    webp_quality: int = Field(default=90, ge=50, le=100)
    font_path: Path | None = None

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
    # The deployment's watermark secret (a file of >= 16 random bytes); empty: created in data_dir.
    watermark_key_file: Path | None = None
    # A local tokenizer for the generation-time text watermark (keyed by the same secret); none: off.
    text_watermark_tokenizer: Path | None = None

    # OCR of visible labels: depth of the edge bands read (share of the shortest side), or the whole image.
    ocr_band_ratio: float = Field(default=0.2, gt=0.0, le=0.5)
    ocr_whole_image: bool = False
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

    @property
    def resolved_registry_url(self) -> str:
        """The registry URL, defaulting to a SQLite file in the data directory."""
        return self.registry_url or f"sqlite:///{(self.data_dir / 'registry.sqlite3').resolve()}"

    @property
    def auth_enabled(self) -> bool:
        """True when API keys are configured."""
        return bool(self.api_keys)

    def redacted(self) -> dict[str, object]:
        """The settings for logs: API keys replaced by their tenants."""
        dumped = self.model_dump(mode="json")
        dumped["api_keys"] = sorted(set(self.api_keys.values()))
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
