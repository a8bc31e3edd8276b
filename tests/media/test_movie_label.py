"""The MP4/MOV/M4A label container: the ``AIGC`` key written, read back by FFmpeg and by a plain walk, media intact."""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
import numpy as np
import pytest

from clearmark.core.errors import InvalidRequest, LabelConflict
from clearmark.media import Source, sniff_format, write_label_file
from clearmark.media.movie_label import MovieContainer
from tests.media.movie_clips import decoded_frames, make_clip, pyav_metadata, top_boxes, walk_keys
from tests.media.samples import LABEL_JSON, PLATFORM_JSON, rgb, save

MOVIES = {
    "h264_aac_mp4": "mp4",
    "faststart_mp4": "mp4",
    "hevc_mp4": "mp4",
    "fragmented_mp4": "mp4",
    "h264_mov": "mov",
    "aac_m4a": "m4a",
}
OTHER_LABEL = PLATFORM_JSON.replace("up-42", "up-43")


@pytest.fixture(scope="module")
def clips() -> dict[str, bytes]:
    return {name: make_clip(name) for name in MOVIES}


def _container(data: bytes) -> MovieContainer:
    container = sniff_format(data).container
    assert isinstance(container, MovieContainer)
    return container


@pytest.mark.parametrize("name", MOVIES)
def test_label_is_written_once_and_read_back_independently(clips: dict[str, bytes], name: str) -> None:
    data = clips[name]
    assert sniff_format(data).name == MOVIES[name]
    written = _container(data).write_label(data, LABEL_JSON)
    assert pyav_metadata(written)["AIGC"] == LABEL_JSON
    assert walk_keys(written) == {"AIGC": [LABEL_JSON]}
    carriers = _container(written).read_metadata(Source.of(written)).label_carriers
    assert [(c.carrier, c.raw_text, c.standard) for c in carriers] == [
        (f"{MOVIES[name]}:udta/meta/keys/AIGC", LABEL_JSON, True)
    ]
    assert carriers[0].parsed is not None and carriers[0].parsed.label.produce_id == "gen-0001"
    if name != "aac_m4a":
        assert decoded_frames(written) == decoded_frames(data) == 10
    assert pyav_metadata(written).get("encoder") == pyav_metadata(data).get("encoder")  # FFmpeg's own tag kept


def test_faststart_moov_grows_before_the_media_and_chunk_offsets_follow(clips: dict[str, bytes]) -> None:
    data = clips["faststart_mp4"]
    order = [kind for kind, _, _ in top_boxes(data)]
    assert order.index(b"moov") < order.index(b"mdat")
    written = _container(data).write_label(data, LABEL_JSON)
    moved = {kind: off for kind, off, _ in top_boxes(written)}[b"mdat"] - {k: o for k, o, _ in top_boxes(data)}[b"mdat"]
    assert moved > len(LABEL_JSON)  # the media really moved: offsets had to be patched to decode
    assert decoded_frames(written) == 10


def test_fragmented_mp4_keeps_its_fragments_playable(clips: dict[str, bytes]) -> None:
    data = clips["fragmented_mp4"]
    assert [kind for kind, _, _ in top_boxes(data)].count(b"moof") >= 1
    written = _container(data).write_label(data, LABEL_JSON)
    assert decoded_frames(written) == 10
    again = _container(written).write_label(written, PLATFORM_JSON)  # shrink/grow a second time
    assert decoded_frames(again) == 10 and walk_keys(again) == {"AIGC": [PLATFORM_JSON]}


def test_update_in_place_keeps_every_other_key() -> None:
    data = make_clip("h264_aac_mp4", {"AIGC": LABEL_JSON, "title": "keep me"})  # FFmpeg needs use_metadata_tags
    assert "AIGC" not in pyav_metadata(data)  # … which it silently dropped: the reason to read back
    tagged = _ffmpeg_keys_clip({"AIGC": LABEL_JSON, "title": "keep me"})
    container = _container(tagged)
    (carrier,) = container.read_metadata(Source.of(tagged)).label_carriers
    updated = container.write_label(tagged, PLATFORM_JSON, target=carrier)
    assert walk_keys(updated) == {
        "AIGC": [PLATFORM_JSON],
        "title": ["keep me"],
        "encoder": walk_keys(tagged)["encoder"],
    }
    assert pyav_metadata(updated)["title"] == "keep me"
    assert decoded_frames(updated) == 10


def _ffmpeg_keys_clip(metadata: dict[str, str]) -> bytes:
    """An MP4 whose tags FFmpeg wrote as ``mdta`` keys (``movflags=use_metadata_tags``), as GB 45438 guides show."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "keys.mp4"
        with av.open(str(path), "w", options={"movflags": "use_metadata_tags"}) as out:
            out.metadata.update(metadata)
            stream = out.add_stream("libx264", rate=10)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            for index in range(10):
                frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index * 20, np.uint8), format="rgb24")
                out.mux(stream.encode(frame))
            out.mux(stream.encode())
        return path.read_bytes()


def test_two_different_labels_are_a_conflict() -> None:
    tagged = _ffmpeg_keys_clip({"AIGC": LABEL_JSON, "XXXX": OTHER_LABEL})
    doubled = tagged.replace(b"mdtaXXXX", b"mdtaAIGC")
    container = _container(doubled)
    assert len(container.read_metadata(Source.of(doubled)).label_carriers) == 2
    with pytest.raises(LabelConflict) as caught:
        container.write_label(doubled, PLATFORM_JSON)
    assert caught.value.reason == "DUPLICATE_LABEL"


def test_stale_target_and_extra_properties_are_refused(clips: dict[str, bytes]) -> None:
    data = clips["h264_aac_mp4"]
    container = _container(data)
    labelled = container.write_label(data, LABEL_JSON)
    (carrier,) = container.read_metadata(Source.of(labelled)).label_carriers
    relabelled = container.write_label(labelled, PLATFORM_JSON, target=carrier)
    with pytest.raises(InvalidRequest) as stale:
        container.write_label(relabelled, OTHER_LABEL, target=carrier)
    assert stale.value.reason == "STALE_TARGET"
    with pytest.raises(InvalidRequest) as extra:
        container.write_label(data, LABEL_JSON, extra_properties={("urn:x", "y"): "z"})
    assert extra.value.reason == "NO_XMP_IN_MOVIE"
    with pytest.raises(InvalidRequest):
        container.write_label(data, '{"not": "a label"}')


def test_write_label_to_streams_file_to_file_atomically(clips: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / "in.mp4"
    source.write_bytes(clips["faststart_mp4"])
    output = tmp_path / "out.mp4"
    container = _container(clips["faststart_mp4"])
    container.write_label_to(Source(path=source), output, LABEL_JSON)
    assert output.read_bytes() == container.write_label(clips["faststart_mp4"], LABEL_JSON)
    output.write_bytes(b"previous")
    with pytest.raises(InvalidRequest):
        container.write_label_to(Source(path=source), output, LABEL_JSON, extra_properties={("urn:x", "y"): "z"})
    assert output.read_bytes() == b"previous"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]  # no temporary left
    container.write_label_to(Source.of(clips["faststart_mp4"]), output, LABEL_JSON)  # bytes in: chunked copy
    assert output.read_bytes() == container.write_label(clips["faststart_mp4"], LABEL_JSON)


def test_write_label_file_streams_or_falls_back_to_bytes(clips: dict[str, bytes], tmp_path: Path) -> None:
    output = tmp_path / "out.mp4"
    data = clips["h264_mov"]
    write_label_file(sniff_format(data).container, Source.of(data), output, LABEL_JSON)
    assert pyav_metadata(output.read_bytes())["AIGC"] == LABEL_JSON
    png = save(rgb(), "png")
    spec = sniff_format(png)
    assert not hasattr(spec.container, "write_label_to")
    write_label_file(spec.container, Source.of(png), tmp_path / "out.png", LABEL_JSON)
    read = spec.container.read_metadata(Source(path=tmp_path / "out.png")).label_carriers
    assert [carrier.raw_text for carrier in read] == [LABEL_JSON]


def test_write_label_file_onto_its_own_source_path(clips: dict[str, bytes], tmp_path: Path) -> None:
    """The audio writer relabels its own output in place: the source is read whole before the rename."""
    path = tmp_path / "clip.m4a"
    path.write_bytes(clips["aac_m4a"])
    container = _container(clips["aac_m4a"])
    write_label_file(container, Source(path=path), path, LABEL_JSON)
    assert path.read_bytes() == container.write_label(clips["aac_m4a"], LABEL_JSON)
    assert [p.name for p in tmp_path.iterdir()] == ["clip.m4a"]
