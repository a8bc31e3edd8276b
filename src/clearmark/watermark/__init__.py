"""Invisible watermarks: ClearMark's keyed image mark, and readers of other systems' marks."""

from clearmark.watermark.binding import Binding, Verdict, claim_holds
from clearmark.watermark.external import (
    EXTERNAL_READER_FACTORIES,
    ExternalModelSpec,
    ExternalReading,
    ExternalWatermarkReader,
    load_external_readers,
    register_external_reader,
)
from clearmark.watermark.image import WatermarkReading, decode_luma, decode_watermark, embed_watermark, mark_for_luma
from clearmark.watermark.payload import PAYLOAD_BYTES, payload_for_produce_id, payload_hex
from clearmark.watermark.stable_diffusion import DwtDctMatch, match_dwtdct_marks

__all__ = [
    "EXTERNAL_READER_FACTORIES",
    "PAYLOAD_BYTES",
    "Binding",
    "DwtDctMatch",
    "ExternalModelSpec",
    "ExternalReading",
    "ExternalWatermarkReader",
    "Verdict",
    "WatermarkReading",
    "claim_holds",
    "decode_luma",
    "decode_watermark",
    "embed_watermark",
    "load_external_readers",
    "mark_for_luma",
    "match_dwtdct_marks",
    "payload_for_produce_id",
    "payload_hex",
    "register_external_reader",
]
