"""Which audio formats c2pa-python 0.38.1 signs and reads (measured); a signed file keeps its GB 45438 label.

Measured answer (recorded in the report of the audio building blocks): WAV, MP3, FLAC and M4A sign and
read back "Trusted" under the signer's CA; Ogg Opus is refused ("type is unsupported"). The label is
written before signing (a later edit would break the manifest's hard binding).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import c2pa
import pytest
from tests.media.audio.conftest import LABEL, RATE, tone

from clearmark.media import sniff_format
from clearmark.media.audio import decode_audio, encode_audio, read_audio_labels, write_audio_label
from clearmark.service.keys import ensure_dev_signing_material

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
DEFINITION = {
    "claim_generator_info": [{"name": "ClearMark-test", "version": "0"}],
    "assertions": [
        {"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": TRAINED}]}}
    ],
}
SIGNED_FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "m4a": "audio/mp4"}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory):
    return ensure_dev_signing_material(tmp_path_factory.mktemp("c2pa-audio"))


def _sign(data: bytes, mime: str, dev) -> bytes:
    info = c2pa.C2paSignerInfo(
        dev.algorithm.encode(), Path(dev.cert_chain_pem).read_bytes(), Path(dev.private_key_pem).read_bytes(), None
    )
    settings = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    with c2pa.Signer.from_info(info) as signer, c2pa.Context(settings, signer) as context:
        with c2pa.Builder(DEFINITION, context) as builder:
            out = io.BytesIO()
            builder.sign(mime, io.BytesIO(data), out)
    return out.getvalue()


def _reader(data: bytes, mime: str, dev) -> c2pa.Reader:
    anchors = Path(dev.ca_cert_pem).read_text()
    settings = {"verify": {"remote_manifest_fetch": False}, "trust": {"user_anchors": anchors}}
    return c2pa.Reader(mime, io.BytesIO(data), None, c2pa.Context.from_dict(settings))


@pytest.mark.parametrize("fmt", sorted(SIGNED_FORMATS))
def test_c2pa_signs_and_reads_the_format(fmt: str, dev) -> None:
    mime = SIGNED_FORMATS[fmt]
    assert mime in c2pa.Builder.get_supported_mime_types()
    source = encode_audio(tone(1.0), RATE, fmt) or b""
    if fmt != "m4a":  # the MP4 `keys` label is left to the video/MP4 container work
        source = write_audio_label(source, LABEL) or b""
    signed = _sign(source, mime, dev)
    reader = _reader(signed, mime, dev)
    assert reader.get_validation_state() == "Trusted"
    store = json.loads(reader.json())
    assertions = store["manifests"][store["active_manifest"]]["assertions"]
    actions = next(a["data"]["actions"] for a in assertions if a["label"].startswith("c2pa.actions"))
    assert actions[0]["digitalSourceType"] == TRAINED
    assert decode_audio(signed).samples.shape[1] == 2
    if fmt != "m4a":
        assert [entry.text for entry in read_audio_labels(signed)] == [LABEL.to_json()]
        assert sniff_format(signed).name == fmt  # c2pa puts an ID3v2 tag in front of FLAC: still FLAC


def test_c2pa_does_not_sign_ogg_opus(dev) -> None:
    source = encode_audio(tone(1.0), RATE, "opus") or b""
    assert "audio/ogg" not in c2pa.Builder.get_supported_mime_types()
    with pytest.raises(c2pa.C2paError):
        _sign(source, "audio/ogg", dev)
