"""What c2pa-python 0.38.1 does with MP4, MOV and M4A (measured): signs with its BMFF hash, validates, keeps our key.

Facts recorded in the format modules: ``video/mp4``, ``video/quicktime`` and ``audio/mp4`` are in both
the Builder's and the Reader's types; a file labelled first and signed after reads back ``Trusted``
under the signer's CA with the ``AIGC`` key intact; editing the key after signing breaks the hard
binding (the manifest then validates as ``Invalid``), which is why the label goes in before signing.
WebM and Matroska are not c2pa asset types.
"""

from __future__ import annotations

import io
from pathlib import Path

import c2pa
import pytest

from clearmark.media import Source, sniff_format
from clearmark.service.keys import ensure_dev_signing_material
from tests.media.movie_clips import make_clip, pyav_metadata
from tests.media.samples import LABEL_JSON, PLATFORM_JSON

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
DEFINITION = {
    "claim_generator_info": [{"name": "ClearMark-test", "version": "0"}],
    "assertions": [
        {"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": TRAINED}]}}
    ],
}
CLIPS = {
    "h264_aac_mp4": "video/mp4",
    "faststart_mp4": "video/mp4",
    "h264_mov": "video/quicktime",
    "aac_m4a": "audio/mp4",
}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory):
    return ensure_dev_signing_material(tmp_path_factory.mktemp("c2pa-movie"))


def _sign(data: bytes, mime: str, dev) -> bytes:  # noqa: ANN001
    info = c2pa.C2paSignerInfo(
        dev.algorithm.encode(), Path(dev.cert_chain_pem).read_bytes(), Path(dev.private_key_pem).read_bytes(), None
    )
    settings = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    with c2pa.Signer.from_info(info) as signer, c2pa.Context(settings, signer) as context:
        with c2pa.Builder(DEFINITION, context) as builder:
            out = io.BytesIO()
            builder.sign(mime, io.BytesIO(data), out)
    return out.getvalue()


def _state(data: bytes, mime: str, dev) -> str:  # noqa: ANN001
    settings = {
        "verify": {"remote_manifest_fetch": False},
        "trust": {"user_anchors": Path(dev.ca_cert_pem).read_text()},
    }
    return c2pa.Reader(mime, io.BytesIO(data), None, c2pa.Context.from_dict(settings)).get_validation_state()


@pytest.mark.parametrize("name", CLIPS)
def test_labelled_then_signed_validates_and_keeps_the_label(name: str, dev) -> None:  # noqa: ANN001
    mime = CLIPS[name]
    assert mime in c2pa.Builder.get_supported_mime_types()
    data = make_clip(name)
    spec = sniff_format(data)
    assert spec.mime_type == mime and spec.signs_c2pa
    labelled = spec.container.write_label(data, LABEL_JSON)
    signed = _sign(labelled, mime, dev)
    assert _state(signed, mime, dev) == "Trusted"
    assert sniff_format(signed).name == spec.name
    carriers = spec.container.read_metadata(Source.of(signed)).label_carriers
    assert [c.raw_text for c in carriers] == [LABEL_JSON]
    assert pyav_metadata(signed)["AIGC"] == LABEL_JSON
    relabelled = spec.container.write_label(signed, PLATFORM_JSON, target=carriers[0])
    assert _state(relabelled, mime, dev) == "Invalid"  # a later edit breaks the BMFF hard binding


def test_matroska_is_not_a_c2pa_type() -> None:
    supported = c2pa.Builder.get_supported_mime_types()
    assert "video/webm" not in supported and "video/x-matroska" not in supported
