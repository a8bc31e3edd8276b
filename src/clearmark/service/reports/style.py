"""The reports' inline stylesheet and colours (no external font, script or image)."""

from __future__ import annotations

from clearmark.core.enums import Outcome

OUTCOME_COLOURS = {
    Outcome.PASS: "#1a7f37",
    Outcome.FAIL: "#cf222e",
    Outcome.NOT_APPLICABLE: "#6e7781",
    Outcome.INCONCLUSIVE: "#9a6700",
}

PAGE_CSS = """
body{font-family:"Noto Sans SC","Noto Sans CJK SC","PingFang SC","Microsoft YaHei","ClearMark CJK",sans-serif;
margin:2em;color:#1f2328}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;
text-align:left}th{background:#f6f8fa}.verdict{font-size:1.4em;font-weight:bold;display:inline-block;
padding:.2em .6em;border-radius:6px}.verdict.ok,.ok{color:#1a7f37}.verdict.bad,.bad{color:#cf222e}
.verdict.ok{background:#dafbe1}.verdict.bad{background:#ffebe9}.meta,.facts{color:#57606a}
figure{margin:.5em 0}svg#thumbnail{border:1px solid #d0d7de;max-width:100%;height:auto}
.box{fill:none;stroke-width:3}.box0{stroke:#cf222e}.box1{stroke:#0969da;stroke-dasharray:6 3}
ul.tree{list-style:square;margin:.2em 0 .2em 1.2em}pre.excerpt{white-space:pre-wrap;background:#f6f8fa;padding:.6em;
max-height:18em;overflow:auto}.outcome{font-weight:bold}.bar{fill:#1a7f37}.bar-bg{fill:#ffebe9}
svg.chart text{font-size:12px;fill:#1f2328}
"""


def page(lang: str, title: str, body: str) -> str:
    """A whole document: ``<html lang>``, the stylesheet and the CJK glyphs ``body`` uses, embedded."""
    from html import escape

    from clearmark.service.reports.fonts import font_face_css

    fonts = font_face_css(title + body)
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title><style>{fonts}{PAGE_CSS}</style></head>\n{body}"
    )
