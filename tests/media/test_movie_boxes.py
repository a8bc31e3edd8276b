"""Reading MP4/MOV label carriers: the forms other tools write, hostile box structures, and c2pa-rs's real files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from clearmark.core.errors import ClearMarkError, InvalidMedia, LabelConflict, MediaTooLarge
from clearmark.media import MediaLimits, Source, sniff_format
from clearmark.media.bmff import make_box, make_full_box
from clearmark.media.movie_boxes import XMP_UUID
from clearmark.media.movie_label import MovieContainer
from clearmark.media.xmp import NS_IPTC_EXT, NS_TC260, XmpDocument
from tests.media.movie_clips import decoded_frames, make_clip, pyav_metadata, top_boxes
from tests.media.samples import LABEL_JSON, PLATFORM_JSON, WRAPPED_JSON

FIXTURES = Path(__file__).parents[1] / "fixtures" / "c2pa-rs-video"
MP4 = MovieContainer("mp4")
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@pytest.fixture(scope="module")
def clip() -> bytes:
    """An H.264 MP4 whose ``moov`` comes last (FFmpeg's default), so boxes can be added to it freely."""
    data = make_clip("h264_aac_mp4")
    assert top_boxes(data)[-1][0] == b"moov"
    return data


def _with_moov_children(data: bytes, *extra: bytes, udta: bytes = b"") -> bytes:
    """The clip with ``extra`` boxes appended to ``moov`` and ``udta`` children appended to a new ``udta``."""
    kind, offset, size = top_boxes(data)[-1]
    body = data[offset + 8 : offset + size]
    if udta:
        body += make_box(b"udta", udta)
    return data[:offset] + make_box(b"moov", body + b"".join(extra))


def _xmp(*properties: tuple[str, str, str]) -> bytes:
    document = XmpDocument.empty()
    for namespace, name, value in properties:
        document.set(namespace, name, value)
    return document.to_packet()


def _carriers(data: bytes) -> list[tuple[str, str, bool]]:
    return [(c.carrier, c.raw_text, c.standard) for c in MP4.read_metadata(Source.of(data)).label_carriers]


@pytest.mark.parametrize(
    "body",
    [
        LABEL_JSON.encode(),  # raw text
        make_box(b"data", (1).to_bytes(4, "big") + bytes(4) + LABEL_JSON.encode()),  # an iTunes data atom
        len(LABEL_JSON).to_bytes(2, "big") + b"\x15\xc7" + LABEL_JSON.encode(),  # a QuickTime string (length, lang)
    ],
    ids=["raw", "data-atom", "quicktime-string"],
)
def test_udta_aigc_box_is_read_as_compat(clip: bytes, body: bytes) -> None:
    data = _with_moov_children(clip, udta=make_box(b"AIGC", body))
    assert decoded_frames(data) == 10
    assert _carriers(data) == [("mp4:udta/AIGC", LABEL_JSON, False)]


def test_xmp_uuid_boxes_and_udta_xmp_are_read(clip: bytes) -> None:
    packet = _xmp((NS_TC260, "AIGC", LABEL_JSON), (NS_IPTC_EXT, "DigitalSourceType", TRAINED))
    in_moov = make_box(b"uuid", XMP_UUID + packet)
    data = _with_moov_children(clip, in_moov, udta=make_box(b"XMP_", packet))
    data += make_box(b"uuid", XMP_UUID + packet)  # top level, after moov
    metadata = MP4.read_metadata(Source.of(data))
    assert [(c.carrier, c.raw_text, c.standard) for c in metadata.label_carriers] == [
        ("mp4:udta/XMP_", LABEL_JSON, False),
        ("mp4:moov/uuid-XMP", LABEL_JSON, False),
        ("mp4:uuid-XMP", LABEL_JSON, False),
    ]
    assert metadata.digital_source_types == (TRAINED,) * 3
    with pytest.raises(LabelConflict):  # writing the key would add a second label
        MP4.write_label(data, LABEL_JSON)


def test_hostile_xmp_is_reported_not_fatal(clip: bytes) -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    data = clip + make_box(b"uuid", XMP_UUID + hostile)
    (packet,) = MP4.read_metadata(Source.of(data)).xmp_packets
    assert packet.document is None and packet.error_reason == "HOSTILE_XML"


def test_itunes_comment_and_freeform_items_holding_a_label_are_compat(clip: bytes) -> None:
    def item(kind: bytes, text: str, *head: bytes) -> bytes:
        return make_box(kind, b"".join(head) + make_box(b"data", (1).to_bytes(4, "big") + bytes(4) + text.encode()))

    hdlr = make_full_box(b"hdlr", 0, 0, bytes(4) + b"mdir" + b"appl" + bytes(8) + b"\x00")
    freeform = (make_full_box(b"mean", 0, 0, b"com.apple.iTunes"), make_full_box(b"name", 0, 0, b"AIGC"))
    ilst = make_box(b"ilst", item(b"\xa9cmt", WRAPPED_JSON) + item(b"----", LABEL_JSON, *freeform) + item(b"desc", "x"))
    data = _with_moov_children(clip, udta=make_full_box(b"meta", 0, 0, hdlr + ilst))
    assert _carriers(data) == [
        ("mp4:udta/meta/ilst/\xa9cmt", WRAPPED_JSON, False),
        ("mp4:udta/meta/ilst/----:AIGC", LABEL_JSON, False),
    ]


def test_label_next_to_itunes_tags_reads_in_ffmpeg(clip: bytes) -> None:
    """FFmpeg writes its ``encoder`` tag in an ``mdir`` meta: the ``mdta`` meta goes beside it, both read."""
    written = MP4.write_label(clip, PLATFORM_JSON)
    assert {"AIGC", "encoder"} <= set(pyav_metadata(written))


def _mutations(data: bytes, count: int) -> list[bytes]:
    rng = random.Random(11)
    moov = top_boxes(data)[-1][1]
    out = []
    for _ in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(moov, len(data))
            mutated[at] = rng.choice((0, 1, 0xFF, 0x7F, rng.randrange(256)))
        out.append(bytes(mutated))
    return out


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda d: d[:-10], InvalidMedia),  # moov cut off: past the end of the file
        (lambda d: d[:32] + (10**9).to_bytes(4, "big") + d[36:], InvalidMedia),  # free box past the end
        (lambda d: d[:32] + (4).to_bytes(4, "big") + d[36:], InvalidMedia),  # size below the header
        (lambda d: d[:32] + (1).to_bytes(4, "big") + d[36:40] + (2**63).to_bytes(8, "big") + d[48:], InvalidMedia),
        (lambda d: d + d[[b for b in top_boxes(d)][-1][1] :], InvalidMedia),  # two moov boxes
        (lambda d: d[: top_boxes(d)[-1][1]], InvalidMedia),  # no moov
        (lambda d: b"\x00\x00\x00\x08wide" + d, InvalidMedia),  # no leading ftyp
    ],
    ids=["truncated", "size-past-end", "size-below-header", "largesize-huge", "two-moov", "no-moov", "no-ftyp"],
)
def test_broken_structures_are_invalid_media(clip: bytes, mutate, error: type[Exception]) -> None:  # noqa: ANN001
    with pytest.raises(error):
        MP4.read_metadata(Source.of(mutate(clip)))
    with pytest.raises(error):
        MP4.write_label(mutate(clip), LABEL_JSON)


def test_limits_on_moov_size_and_box_count(clip: bytes) -> None:
    with pytest.raises(MediaTooLarge):
        MP4.read_metadata(Source.of(clip), limits=MediaLimits(max_movie_box_bytes=1000))
    with pytest.raises(MediaTooLarge):
        MP4.read_metadata(Source.of(clip), limits=MediaLimits(max_chunks=3))
    many = clip[: top_boxes(clip)[-1][1]] + make_box(b"free", b"") * 20_000 + clip[top_boxes(clip)[-1][1] :]
    with pytest.raises(MediaTooLarge):
        MP4.read_metadata(Source.of(many))


def test_huge_counts_inside_moov_are_refused(clip: bytes) -> None:
    keys = make_full_box(b"keys", 0, 0, (2**31).to_bytes(4, "big") + make_box(b"mdta", b"AIGC"))
    hdlr = make_full_box(b"hdlr", 0, 0, bytes(4) + b"mdta" + bytes(12) + b"\x00")
    data = _with_moov_children(clip, udta=make_full_box(b"meta", 0, 0, hdlr + keys + make_box(b"ilst", b"")))
    with pytest.raises(InvalidMedia, match="keys box declares"):
        MP4.read_metadata(Source.of(data))
    faststart = make_clip("faststart_mp4")
    stco = faststart.index(b"stco")
    lying = faststart[: stco + 8] + (2**30).to_bytes(4, "big") + faststart[stco + 12 :]
    with pytest.raises(InvalidMedia, match="stco"):
        MovieContainer("mp4").write_label(lying, LABEL_JSON)


def test_random_corruption_never_escapes_as_another_error(clip: bytes) -> None:
    for data in _mutations(clip, 300):
        try:
            MP4.read_metadata(Source.of(data))
            MP4.write_label(data, LABEL_JSON)
        except ClearMarkError:
            pass


FIXTURE_FILES = {
    "video1.mp4": "mp4",  # a signed C2PA manifest (c2pa-python: Valid) and an XMP uuid box
    "dashinit.mp4": "mp4",  # a DASH init segment (moov + mvex, no media)
    "BigBuckBunny_2s_init.mp4": "mp4",
    "nested_moov_1000.mp4": "mp4",  # boxes nested 1,000 deep (c2pa-rs refuses it; FFmpeg cannot open it)
    "c.mov": "mov",  # Apple QuickTime with com.apple.quicktime.* keys in moov/meta
}


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_c2pa_rs_fixtures_are_read_and_labelled(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    spec = sniff_format(data)
    assert spec.name == FIXTURE_FILES[name]
    container = spec.container
    assert isinstance(container, MovieContainer)
    assert container.read_metadata(Source.of(data)).label_carriers == ()
    written = container.write_label(data, LABEL_JSON)
    assert [c.raw_text for c in container.read_metadata(Source.of(written)).label_carriers] == [LABEL_JSON]
    if name != "nested_moov_1000.mp4":
        assert pyav_metadata(written)["AIGC"] == LABEL_JSON


def test_apple_keys_stay_readable_when_the_label_joins_their_table() -> None:
    data = (FIXTURES / "c.mov").read_bytes()
    written = MovieContainer("mov").write_label(data, LABEL_JSON)
    before, after = pyav_metadata(data), pyav_metadata(written)
    assert after.pop("AIGC") == LABEL_JSON and after == before
    assert decoded_frames(written) == decoded_frames(data)
