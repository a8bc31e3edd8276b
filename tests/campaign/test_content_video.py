"""The campaign checks on video frames (OCR lines and QR codes, with frame times) and on audio (not read)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import grpc
import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from clearmark.campaign.content import campaign_signals, spread_frames
from clearmark.core.enums import Suggestion
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import BoundingBox
from clearmark.detectors.registry import DetectorContext
from clearmark.media.asset import open_asset
from clearmark.media.audio import encode_audio
from clearmark.media.limits import MediaLimits
from clearmark.media.video import SampledFrame
from clearmark.notice import load_notice_font
from clearmark.service.cli import EXIT_OK, EXIT_PROBLEMS, main
from clearmark.service.config import Settings
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.inspect import inspect_content
from clearmark.service.server import server_in_thread
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.media.audio.conftest import RATE, tone

WIDTH, HEIGHT, FPS, SECONDS = 320, 240, 10, 4
SHOWN = range(15, 25)  # frames 1.5 s to 2.5 s: one second in the middle
DIVERSION = "加微信 abc12345"
TEXT_AT = (20, 100)
QR_AT = (100, 60)
SHORT_LINK = "https://t.cn/A6xYz9"


def _background() -> Image.Image:
    ramp = np.linspace(170, 230, WIDTH, dtype=np.uint8)[None, :, None]
    return Image.fromarray(np.repeat(np.repeat(ramp, HEIGHT, axis=0), 3, axis=2))


def _with_text(index: int) -> Image.Image:
    image = _background()
    if index in SHOWN:
        ImageDraw.Draw(image).text(TEXT_AT, DIVERSION, font=load_notice_font().at(26), fill=(20, 20, 20))
    return image


def _with_code(index: int) -> Image.Image:
    image = _background()
    if index in SHOWN:
        symbol = zxingcpp.create_barcode(SHORT_LINK, zxingcpp.BarcodeFormat.QRCode)
        image.paste(Image.fromarray(np.asarray(symbol.to_image(scale=4))).convert("RGB"), QR_AT)
    return image


def _clip(path: Path, draw: Callable[[int], Image.Image]) -> Path:
    """A 4 s 320x240 H.264 MP4 at 10 fps whose frames ``draw`` makes."""
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        for index in range(FPS * SECONDS):
            frame = av.VideoFrame.from_ndarray(np.asarray(draw(index)), format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                container.mux(packet)
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("video-campaign")
    return {
        "text": _clip(folder / "text.mp4", _with_text),
        "code": _clip(folder / "code.mp4", _with_code),
        "clean": _clip(folder / "clean.mp4", lambda index: _background()),
    }


def _campaign(path: Path, **options: object):
    inspection = inspect_content(path.read_bytes(), PipelineConfig(**options), "req-video")
    return inspection.campaign, inspection.signals


def _overlaps(box: BoundingBox, x0: int, y0: int, x1: int, y1: int) -> bool:
    return box.x < x1 and x0 < box.x + box.width and box.y < y1 and y0 < box.y + box.height


def test_a_diversion_line_is_one_finding_with_its_time_window_and_box(clips: dict[str, Path]) -> None:
    campaign, signals = _campaign(clips["text"])
    assert campaign.suggestion is Suggestion.BLOCK
    (finding,) = [f for f in campaign.findings if f.label == "diversion.contact.wechat"]
    # Sampled every 0.25 s over the first 3 s, each sample the frame then on screen (10 fps): frames at
    # 1.5, 1.7, 2.0 and 2.2 s show the line, the frame at 2.5 s no longer does.
    (hit,) = finding.hits  # the same line on four frames is one hit, not four
    assert hit.source == "ocr" and "abc12345" in hit.normalized
    assert (hit.location.time_start_ms, hit.location.time_end_ms) == (1500, 2200)
    assert hit.location.bbox is not None and _overlaps(hit.location.bbox, *TEXT_AT, TEXT_AT[0] + 260, TEXT_AT[1] + 34)
    (text,) = [s for s in signals if s.kind == SignalKind.OCR_TEXT]  # one text signal for the whole video
    assert (text.location.time_start_ms, text.location.time_end_ms) == (1500, 2200)


def test_a_short_link_qr_code_in_a_frame_is_found(clips: dict[str, Path]) -> None:
    campaign, _ = _campaign(clips["code"])
    (finding,) = [f for f in campaign.findings if f.label == "diversion.qrcode.url"]
    assert finding.suggestion is Suggestion.REVIEW
    (hit,) = [h for h in finding.hits if h.source == "qrcode"]
    assert hit.text == SHORT_LINK
    # Of the 8 frames scanned (spread over the clip), those at 1.7 s and 2.2 s show the code.
    assert (hit.location.time_start_ms, hit.location.time_end_ms) == (1700, 2200)
    assert _overlaps(hit.location.bbox, *QR_AT, QR_AT[0] + 100, QR_AT[1] + 100)
    assert "diversion.url.short_link" in {f.label for f in campaign.findings}


def test_the_qr_frame_cap_is_configurable(clips: dict[str, Path]) -> None:
    # Two frames, spread over the clip (about 1 s and 3 s): neither shows the code.
    campaign, _ = _campaign(clips["code"], detectors=DetectorContext(campaign_video_frames=2))
    assert not [f for f in campaign.findings if f.label.startswith("diversion.qrcode")]


def test_spread_frames_picks_frames_across_the_video_not_the_start_screen() -> None:
    blank = np.zeros((2, 2, 3), np.uint8)
    times = [i * 0.25 for i in range(13)] + [3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]
    frames = tuple(SampledFrame(t, blank[..., 0], blank, False) for t in times)
    assert [f.time_s for f in spread_frames(frames, 4)] == [1.25, 3.5, 5.5, 8.5]
    assert spread_frames(frames, 40) == frames and spread_frames(frames, 0) == ()


def test_a_clean_clip_passes_with_no_findings(clips: dict[str, Path]) -> None:
    campaign, signals = _campaign(clips["clean"])
    assert campaign.suggestion is Suggestion.PASS and campaign.findings == ()
    assert set(campaign.not_evaluated) == {"minors.*", "news.*"}  # the frames were read
    (summary,) = [s for s in signals if s.kind == SignalKind.CAMPAIGN_SUMMARY]
    assert summary.attribute("texts") == "0"


def test_audio_is_not_evaluated_with_the_reason() -> None:
    asset = open_asset(encode_audio(tone(), RATE, "wav"), MediaLimits())
    (summary,) = campaign_signals(asset, ())
    assert summary.attribute("unread") == "audio is not read: no speech recognition"
    campaign = inspect_content(asset.data, PipelineConfig(), "req-audio").campaign
    assert "diversion.* (audio is not read: no speech recognition)" in campaign.not_evaluated


def test_inspect_json_on_the_clip_shows_the_campaign_suggestion(
    clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["inspect", str(clips["text"]), "--json", "--data-dir", str(tmp_path / "data")])
    campaign = json.loads(capsys.readouterr().out)["response"]["inspection"]["campaign"]
    assert code == EXIT_PROBLEMS and campaign["suggestion"] == "SUGGESTION_BLOCK"
    (finding,) = [f for f in campaign["findings"] if f["label"] == "diversion.contact.wechat"]
    location = finding["hits"][0]["location"]
    # proto3 JSON writes 64-bit integers as strings
    assert (location["time_start_ms"], location["time_end_ms"]) == ("1500", "2200") and "bbox" in location
    assert main(["inspect", str(clips["clean"]), "--json", "--data-dir", str(tmp_path / "data")]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["response"]["inspection"]["campaign"]["suggestion"] == "SUGGESTION_PASS"


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[api_grpc.ClearMarkServiceStub]:
    settings = Settings(host="127.0.0.1", port=0, cpu_workers=1, data_dir=tmp_path_factory.mktemp("video-server"))
    with server_in_thread(settings) as server, grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield api_grpc.ClearMarkServiceStub(channel)


@pytest.mark.e2e
def test_grpc_inspect_of_the_clip_returns_the_campaign_verdict(
    clips: dict[str, Path], stub: api_grpc.ClearMarkServiceStub
) -> None:
    response = stub.Inspect(
        api.InspectRequest(
            content=clips["text"].read_bytes(), request_id="vid-1", campaign=pb.CampaignOptions(title="周末vlog")
        ),
        timeout=120,
    )
    campaign = response.inspection.campaign
    assert campaign.suggestion == pb.SUGGESTION_BLOCK and campaign.request_id == "vid-1"
    (finding,) = [f for f in campaign.findings if f.label == "diversion.contact.wechat"]
    assert (finding.hits[0].location.time_start_ms, finding.hits[0].location.time_end_ms) == (1500, 2200)


@pytest.mark.e2e
def test_grpc_inspect_of_audio_checks_the_callers_texts_and_says_why_the_sound_is_not(
    stub: api_grpc.ClearMarkServiceStub,
) -> None:
    response = stub.Inspect(
        api.InspectRequest(
            content=encode_audio(tone(), RATE, "wav"), campaign=pb.CampaignOptions(comments=["加我vx: abc12345"])
        ),
        timeout=120,
    )
    campaign = response.inspection.campaign
    assert campaign.suggestion == pb.SUGGESTION_BLOCK
    assert [h.source for f in campaign.findings for h in f.hits] == ["comments[0]"]
    assert "content.* (audio is not read: no speech recognition)" in campaign.not_evaluated
