"""Audio through the real server: Stamp, Inspect, Label, Verify, tags read back by mutagen, hostile containers."""

from __future__ import annotations

import io
import json
import struct

import av
import grpc
import mutagen.flac
import mutagen.id3
import mutagen.mp3
import mutagen.mp4
import mutagen.oggopus
import numpy as np
import pytest
from bench.audio.signals import music_like, speech_like
from mutagen._riff import RiffFile  # mutagen's own RIFF walker (what mutagen.wave is built on)

from clearmark.media.audio import decode_audio, encode_audio, probe_audio
from clearmark.media.audio.recode import source_codec
from clearmark.notice.audio_rhythm import mix_rhythm
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER

pytestmark = pytest.mark.e2e

RATE = 44100
SECONDS = 15.0  # the mark repeats every 4.1 s: a few repetitions survive a second lossy encode
PASS, FAIL = pb.OUTCOME_PASS, pb.OUTCOME_FAIL


def _stereo(mono: np.ndarray) -> np.ndarray:
    return np.repeat(mono[:, None], 2, axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def music() -> np.ndarray:
    return _stereo(0.5 * music_like(7, SECONDS, RATE))


@pytest.fixture(scope="module")
def generated(music: np.ndarray) -> dict[str, bytes]:
    """What a generator would hand over: one file per container, with a title tag that must survive."""
    tags = {"title": "Generated track", "artist": "Model X"}
    files = {fmt: encode_audio(music, RATE, fmt, metadata=tags) for fmt in ("wav", "mp3", "flac", "opus", "m4a")}
    return {fmt: data for fmt, data in files.items() if data is not None}


def read_tags_independently(fmt: str, content: bytes) -> tuple[list[str], str]:
    """Every AIGC value and the title, as mutagen reads them (no ClearMark code).

    mutagen 1.48.1 does not read MP4 ``mdta`` keys (it lists only the ``©``-atoms of ``ilst``), so the
    M4A label is read by FFmpeg's MP4 demuxer (through PyAV) and the title by mutagen.
    """
    stream = io.BytesIO(content)
    if fmt == "m4a":
        with av.open(io.BytesIO(content)) as container:
            value = container.metadata.get("AIGC")
        return ([value] if value else []), mutagen.mp4.MP4(stream).tags["\xa9nam"][0]
    if fmt == "wav":
        riff = RiffFile(stream)
        labels = [riff[name].read().rstrip(b"\x00").decode() for name in ("AIGC",) if name in riff]
        info = next((chunk for chunk in riff.root.subchunks() if chunk.id == "LIST"), None)
        title = ""
        if info is not None:
            body = info.read()
            at = body.find(b"INAM")
            size = struct.unpack("<I", body[at + 4 : at + 8])[0]
            title = body[at + 8 : at + 8 + size].rstrip(b"\x00").decode()
        return labels, title
    if fmt == "mp3":
        tags = mutagen.id3.ID3(stream)
        return [str(frame) for frame in tags.getall("TXXX:AIGC")], str(tags["TIT2"])
    reader = mutagen.flac.FLAC if fmt == "flac" else mutagen.oggopus.OggOpus
    tags = reader(stream).tags
    return list(tags.get("AIGC", [])), tags["title"][0]


def _stamp(stub, content: bytes, request_id: str) -> api.StampResponse:
    return stub.Stamp(
        api.StampRequest(request_id=request_id, content=content, options=api.StampOptions(producer_code=PRODUCER)),
        timeout=120,
    )


@pytest.fixture(scope="module")
def stamped(server, generated: dict[str, bytes]) -> dict[str, api.StampResponse]:
    from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

    with server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        return {fmt: _stamp(stub, data, f"audio-{fmt}") for fmt, data in generated.items()}


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "m4a"])
def test_stamp_writes_every_label_and_keeps_the_audio_as_it_was_coded(
    fmt: str, generated: dict[str, bytes], stamped: dict[str, api.StampResponse]
) -> None:
    response = stamped[fmt]
    result = response.result
    applied = set(result.labels_applied)
    assert {pb.APPLIED_LABEL_EXPLICIT_NOTICE, pb.APPLIED_LABEL_WATERMARK, pb.APPLIED_LABEL_METADATA_PRODUCER} <= applied
    # c2pa-python signs WAV, MP3, FLAC and M4A; Ogg/Opus it cannot carry (tests/media/audio/test_c2pa_audio.py).
    assert (pb.APPLIED_LABEL_C2PA_MANIFEST in applied) == (fmt != "opus")
    assert result.notice.text == "短长短短" and list(result.notice.positions) == ["start"]
    labels, title = read_tags_independently(fmt, response.content)
    assert [json.loads(value) for value in labels] == [
        {
            "Label": "1",
            "ContentProducer": PRODUCER,
            "ProduceID": result.produce_id,
            "ReservedCode1": "",
            "ContentPropagator": PRODUCER,
            "PropagateID": result.produce_id,
            "ReservedCode2": "",
        }
    ]
    assert title == "Generated track"
    before, after = source_codec(generated[fmt]), source_codec(response.content)
    assert (after.muxer, after.decoder, after.sample_rate, after.channels) == (
        before.muxer,
        before.decoder,
        before.sample_rate,
        before.channels,
    )
    assert after.bits_per_sample == before.bits_per_sample
    assert abs(after.bit_rate - before.bit_rate) <= 0.25 * before.bit_rate
    assert abs(probe_audio(response.content).duration_s - probe_audio(generated[fmt]).duration_s) < 0.1


def test_mp3_bit_rate_and_flac_bit_depth_follow_the_source(stub, music: np.ndarray) -> None:
    mp3 = encode_audio(music, RATE, "mp3", bit_rate=192_000)
    stamped = _stamp(stub, mp3, "audio-mp3-192").content
    assert round(mutagen.mp3.MP3(io.BytesIO(stamped)).info.bitrate, -3) == 192_000
    flac24 = _stamp(stub, _flac_24(music), "audio-flac-24").content
    info = mutagen.flac.FLAC(io.BytesIO(flac24)).info
    assert (info.bits_per_sample, info.sample_rate, info.channels) == (24, RATE, 2)


def _flac_24(pcm: np.ndarray) -> bytes:
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="flac") as container:
        stream = container.add_stream("flac", rate=RATE, layout="stereo", options={"bits_per_raw_sample": "24"})
        stream.codec_context.format = "s32"
        resampler = av.AudioResampler(format="s32", layout="stereo", rate=RATE)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm.T), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = RATE, 0
        for converted in resampler.resample(frame):
            for packet in stream.encode(converted):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    assert mutagen.flac.FLAC(io.BytesIO(buffer.getvalue())).info.bits_per_sample == 24
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "m4a"])
def test_inspect_finds_the_rhythm_with_its_time_the_mark_and_the_label(
    stub, fmt: str, stamped: dict[str, api.StampResponse]
) -> None:
    inspection = stub.Inspect(api.InspectRequest(content=stamped[fmt].content), timeout=60).inspection
    assert inspection.category == pb.CATEGORY_AI_GENERATED
    assert inspection.media.kind == pb.MEDIA_KIND_AUDIO
    rhythms = [s for s in inspection.signals if s.kind == "explicit.audio_rhythm"]
    assert len(rhythms) == 1
    rhythm = rhythms[0]
    assert 30 <= rhythm.location.time_start_ms <= 80 and 1000 <= rhythm.location.time_end_ms <= 1250
    assert rhythm.attributes["position"] == "start" and 110 <= float(rhythm.attributes["unit_ms"]) <= 130
    marks = [s for s in inspection.signals if s.kind == "watermark.clearmark"]
    assert len(marks) == 1 and marks[0].attributes["resolved"] == "true"
    assert marks[0].category_hint == pb.CATEGORY_AI_GENERATED
    labels = [s for s in inspection.signals if s.kind == "aigc.metadata_label"]
    assert len(labels) == 1 and labels[0].attributes["standard_carrier"] == "true"
    assert not [f.label for f in inspection.findings]


@pytest.mark.parametrize("fmt", ["wav", "mp3", "m4a"])
def test_verify_checks_the_audible_notice_the_single_label_and_the_mark(
    stub, fmt: str, stamped: dict[str, api.StampResponse]
) -> None:
    report = stub.Verify(api.VerifyRequest(content=stamped[fmt].content), timeout=60).report
    checks = {check.requirement_id: check for check in report.checks}
    for requirement in (
        "audio.notice.present",
        "audio.notice.position",
        "metadata.present",
        "metadata.single_label",
        "metadata.carrier",
        "metadata.seven_keys",
        "watermark.consistency",
    ):
        assert checks[requirement].outcome == PASS, (requirement, checks[requirement].evidence)
    assert any("start" in line and " ms-" in line for line in checks["audio.notice.position"].evidence)
    assert not any(requirement.startswith("image.") for requirement in checks)


def test_verify_of_a_label_without_any_audible_notice_is_inconclusive(stub, generated: dict[str, bytes]) -> None:
    stamped = stub.Stamp(
        api.StampRequest(
            request_id="audio-no-notice",
            content=generated["flac"],
            options=api.StampOptions(producer_code=PRODUCER, omit_visible_notice=True, omit_reason="r", recipient="u"),
        ),
        timeout=60,
    )
    assert pb.APPLIED_LABEL_EXPLICIT_NOTICE not in stamped.result.labels_applied
    report = stub.Verify(api.VerifyRequest(content=stamped.content), timeout=60).report
    checks = {check.requirement_id: check for check in report.checks}
    assert checks["audio.notice.present"].outcome == pb.OUTCOME_INCONCLUSIVE
    assert checks["audio.notice.position"].outcome == pb.OUTCOME_NOT_APPLICABLE


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "m4a"])
def test_label_adds_propagator_fields_in_place_without_re_encoding(
    stub, fmt: str, stamped: dict[str, api.StampResponse]
) -> None:
    upload = stamped[fmt].content
    response = stub.Label(
        api.LabelRequest(
            request_id=f"audio-label-{fmt}", content=upload, options=api.LabelOptions(platform_code=PLATFORM)
        ),
        timeout=60,
    )
    result = response.result
    assert result.label_value == "1"
    assert pb.APPLIED_LABEL_METADATA_PROPAGATOR in result.labels_applied
    assert pb.APPLIED_LABEL_EXPLICIT_NOTICE not in result.labels_applied
    assert pb.APPLIED_LABEL_WATERMARK not in result.labels_applied
    labels, title = read_tags_independently(fmt, response.content)
    assert len(labels) == 1 and title == "Generated track"
    fields = json.loads(labels[0])
    assert fields["ContentProducer"] == PRODUCER and fields["ProduceID"] == stamped[fmt].result.produce_id
    assert (fields["ContentPropagator"], fields["PropagateID"]) == (PLATFORM, result.propagate_id)
    assert np.array_equal(decode_audio(response.content).samples, decode_audio(upload).samples)


def test_label_of_an_unlabelled_upload_with_a_rhythm_adds_no_second_rhythm(stub, music: np.ndarray) -> None:
    with_rhythm, _ = mix_rhythm(music, RATE)
    upload = encode_audio(with_rhythm, RATE, "wav")
    response = stub.Label(
        api.LabelRequest(
            request_id="audio-label-heard", content=upload, options=api.LabelOptions(platform_code=PLATFORM)
        ),
        timeout=60,
    )
    result = response.result
    assert result.label_value == "3"  # an explicit label heard, nothing else: suspected (Art. 6 case 3)
    assert pb.APPLIED_LABEL_EXPLICIT_NOTICE not in result.labels_applied
    inspection = stub.Inspect(api.InspectRequest(content=response.content), timeout=60).inspection
    assert len([s for s in inspection.signals if s.kind == "explicit.audio_rhythm"]) == 1


def test_label_of_a_declared_upload_adds_the_rhythm_and_label_2(stub) -> None:
    speech = _stereo(0.5 * speech_like(11, SECONDS, RATE))
    upload = encode_audio(speech, RATE, "mp3")
    response = stub.Label(
        api.LabelRequest(
            request_id="audio-label-declared",
            content=upload,
            options=api.LabelOptions(platform_code=PLATFORM, user_declared_ai=True),
        ),
        timeout=60,
    )
    result = response.result
    assert result.label_value == "2"
    assert {pb.APPLIED_LABEL_EXPLICIT_NOTICE, pb.APPLIED_LABEL_METADATA_PROPAGATOR} <= set(result.labels_applied)
    labels = [str(frame) for frame in mutagen.id3.ID3(io.BytesIO(response.content)).getall("TXXX:AIGC")]
    assert json.loads(labels[0])["Label"] == "2"
    inspection = stub.Inspect(api.InspectRequest(content=response.content), timeout=60).inspection
    assert [s.attributes["position"] for s in inspection.signals if s.kind == "explicit.audio_rhythm"] == ["start"]


def _riff(*chunks: bytes, declared: int | None = None) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if declared is None else declared) + body


def _chunk(chunk_id: bytes, body: bytes, declared: int | None = None) -> bytes:
    size = len(body) if declared is None else declared
    return chunk_id + struct.pack("<I", size) + body + (b"\x00" if len(body) % 2 else b"")


FMT = _chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (_riff(FMT, _chunk(b"LIST", b"INFO", declared=0x7FFFFFF0), _chunk(b"data", b"\x00" * 64)), "INVALID_ARGUMENT"),
        (_riff(FMT, *([_chunk(b"JUNK", b"")] * 20_000), _chunk(b"data", b"\x00" * 64)), "RESOURCE_EXHAUSTED"),
        (b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + b"\x00" * 64 + b"\xff\xfb\x90\x64" + b"\x00" * 600, "RESOURCE_EXHAUSTED"),
        (b"ID3\x04\x00\x00\x00\x00\x80\x10" + b"\x00" * 64 + b"\xff\xfb\x90\x64" + b"\x00" * 600, "INVALID_ARGUMENT"),
        (_riff(FMT, _chunk(b"data", b"")), "INVALID_ARGUMENT"),
    ],
    ids=["riff-chunk-size-bomb", "riff-chunk-count-bomb", "id3-size-bomb", "id3-not-syncsafe", "no-samples"],
)
@pytest.mark.parametrize("verb", ["inspect", "stamp", "verify"])
def test_hostile_containers_are_clean_errors(stub, content: bytes, code: str, verb: str) -> None:
    calls = {
        "inspect": lambda: stub.Inspect(api.InspectRequest(content=content), timeout=30),
        "verify": lambda: stub.Verify(api.VerifyRequest(content=content), timeout=30),
        "stamp": lambda: stub.Stamp(
            api.StampRequest(content=content, options=api.StampOptions(producer_code=PRODUCER)), timeout=30
        ),
    }
    with pytest.raises(grpc.RpcError) as caught:
        calls[verb]()
    assert caught.value.code().name == code, caught.value.details()
    assert caught.value.details()


def test_a_riff_size_bomb_in_the_header_is_clamped_and_stamped(stub, generated: dict[str, bytes]) -> None:
    wav = generated["wav"]
    bomb = wav[:4] + struct.pack("<I", 0xFFFFFFFF) + wav[8:]
    stamped = _stamp(stub, bomb, "audio-riff-bomb").content
    assert struct.unpack("<I", stamped[4:8])[0] == len(stamped) - 8
    assert len(read_tags_independently("wav", stamped)[0]) == 1


def test_audio_over_the_whole_file_limit_streams_through_inspect_and_verify(server_factory, music: np.ndarray) -> None:
    import hashlib

    from clearmark.media.audio import write_audio_label
    from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
    from tests.media.audio.conftest import LABEL

    with_rhythm, _ = mix_rhythm(music, RATE)
    wav = write_audio_label(encode_audio(with_rhythm, RATE, "wav") or b"", LABEL) or b""
    small = server_factory(cpu_workers=1, max_media_bytes=256 * 1024)
    assert len(wav) > 4 * 256 * 1024

    def parts(request_type, header_type, chunk: int = 64 * 1024):  # noqa: ANN001, ANN202
        header = pb.ContentHeader(size_bytes=len(wav), sha256=hashlib.sha256(wav).hexdigest())
        yield request_type(header=header_type(content_header=header))
        for start in range(0, len(wav), chunk):
            yield request_type(chunk=wav[start : start + chunk])

    with small.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        inspected = stub.InspectStream(parts(api.InspectStreamRequest, api.InspectStreamHeader), timeout=60)
        verified = stub.VerifyStream(parts(api.VerifyStreamRequest, api.VerifyStreamHeader), timeout=60)
    kinds = [s.kind for s in inspected.inspection.signals]
    assert kinds.count("explicit.audio_rhythm") == 1 and kinds.count("aigc.metadata_label") == 1
    assert inspected.inspection.category == pb.CATEGORY_AI_GENERATED
    outcomes = {check.requirement_id: check.outcome for check in verified.report.checks}
    assert outcomes["audio.notice.present"] == PASS and outcomes["metadata.single_label"] == PASS


def test_labels_other_implementations_write_are_read_as_one_label(stub, generated: dict[str, bytes]) -> None:
    # gtkit/aigc (Go): a top-level AIGC chunk plus a LIST/INFO copy, `omitempty` JSON (empty fields dropped).
    value = json.dumps({"Label": "1", "ContentProducer": PRODUCER, "ProduceID": "G-1"}, separators=(",", ":"))
    wav = (
        generated["wav"] + _chunk(b"AIGC", value.encode()) + _chunk(b"LIST", b"INFO" + _chunk(b"AIGC", value.encode()))
    )
    wav = wav[:4] + struct.pack("<I", len(wav) - 8) + wav[8:]
    # Another tool's MP3: ID3v2.3, the wrapped {"AIGC": {...}} form.
    tags = mutagen.id3.ID3(io.BytesIO(generated["mp3"]))
    tags.add(mutagen.id3.TXXX(encoding=1, desc="AIGC", text=[json.dumps({"AIGC": json.loads(value)})]))
    mp3 = io.BytesIO(generated["mp3"])
    tags.save(mp3, v2_version=3)
    for content, carrier in ((wav, "riff/AIGC"), (mp3.getvalue(), "id3v2.3/TXXX:AIGC")):
        inspection = stub.Inspect(api.InspectRequest(content=content), timeout=60).inspection
        labels = [s for s in inspection.signals if s.kind == "aigc.metadata_label"]
        assert [s.attributes["carrier"] for s in labels] == [carrier]
        assert inspection.category == pb.CATEGORY_AI_GENERATED
        assert "aigc.duplicate_label" not in {f.label for f in inspection.findings}
        assert "aigc.label_shape" in {f.label for f in inspection.findings}  # missing keys are reported
        report = stub.Verify(api.VerifyRequest(content=content), timeout=60).report
        outcomes = {check.requirement_id: check.outcome for check in report.checks}
        assert outcomes["metadata.single_label"] == PASS and outcomes["metadata.seven_keys"] == FAIL
