"""Configuration: embedded defaults, a TOML file, environment variables over the file, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from clearmark.core.enums import Corner
from clearmark.service.config import CONFIG_FILE_ENV, Settings, load_settings


def test_defaults_need_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_FILE_ENV, raising=False)
    settings = Settings()
    assert settings.resolved_registry_url.startswith("sqlite:///")
    assert not settings.auth_enabled and settings.producer_code_policy == "reject"
    assert settings.notice_text_generated == "AI生成"


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "clearmark.toml"
    config.write_text(
        'port = 6000\nnotice_corner = "top_left"\nproducer_code_policy = "flag"\n'
        '[api_keys]\n"k-0123456789abcdef" = "tenant-a"\n'
    )
    monkeypatch.setenv("CLEARMARK_PORT", "7000")
    settings = load_settings(config)
    assert settings.port == 7000  # the environment wins over the file
    assert settings.notice_corner is Corner.TOP_LEFT
    assert settings.producer_code_policy == "flag"
    assert settings.api_keys == {"k-0123456789abcdef": "tenant-a"}
    assert "k-0123456789abcdef" not in str(settings.redacted())


@pytest.mark.parametrize(
    "overrides",
    [
        {"notice_height_ratio": 0.04},  # below the 5 % of GB 45438
        {"api_keys": {"short": "t"}},
        {"producer_code_policy": "ignore"},
        {"no_such_setting": 1},
        {"notice_corner": "middle"},
        {"audio_rhythm_frequency_hz": 5000},  # outside what the rhythm detector hears
        {"audio_rhythm_unit_ms": 20},
        {"audio_notice_positions": ["intro"]},
        {"audio_spoken_notice": "/no/such/notice.wav"},
    ],
)
def test_bad_settings_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**overrides)  # type: ignore[arg-type]


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "nope.toml")


def test_loading_a_file_leaves_the_environment_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_FILE_ENV, raising=False)
    config = tmp_path / "c.toml"
    config.write_text("port = 6001\n")
    assert load_settings(config).port == 6001
    assert Settings().port == 50051


@pytest.mark.parametrize("text_px", [0, 11, 16])
def test_the_gated_ocr_text_height_reaches_the_ocr_detector(text_px: int, tmp_path: Path) -> None:
    import clearmark.detectors  # noqa: F401  (registers every detector)
    from clearmark.detectors.registry import build_detectors
    from clearmark.service.app import pipeline_config

    context = pipeline_config(Settings(data_dir=tmp_path, ocr_gated_text_px=text_px), None).detectors
    (detector,) = build_detectors(context, names=["explicit.ocr_notice"])
    assert detector._settings.gated and detector._settings.gated_text_px == text_px


def test_the_gated_ocr_text_height_is_bounded() -> None:
    with pytest.raises(ValidationError):
        Settings(ocr_gated_text_px=-1)
