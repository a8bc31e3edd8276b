"""The visible-notice codec shared by its writer (labels/) and its checker (detectors/): font, glyphs, record."""

from clearmark.notice.font import NoticeFont, NoticeFontError, load_notice_font
from clearmark.notice.glyphs import SUGGESTED_WORDINGS, has_required_elements, measure_glyph_height
from clearmark.notice.record import RenderedNotice

__all__ = [
    "SUGGESTED_WORDINGS",
    "NoticeFont",
    "NoticeFontError",
    "RenderedNotice",
    "has_required_elements",
    "load_notice_font",
    "measure_glyph_height",
]
