"""The batch-audit summary as one self-contained HTML page: pass rates with inline SVG bar charts."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from clearmark import __version__
from clearmark.service.audit import AuditRow, AuditSummary, Rate
from clearmark.service.reports.strings import DEFAULT_LANGUAGE, Language, text
from clearmark.service.reports.style import page

_BAR_WIDTH = 360
_ROW_HEIGHT = 22
_LABEL_WIDTH = 300


def bar_chart(rates: dict[str, Rate], chart_id: str) -> str:
    """Horizontal bars, one per name: the green share passed, the label and ``passed/total (xx.x %)``."""
    height = _ROW_HEIGHT * len(rates) + 6
    width = _LABEL_WIDTH + _BAR_WIDTH + 150
    bars = []
    for i, (name, rate) in enumerate(rates.items()):
        y = 3 + i * _ROW_HEIGHT
        filled = _BAR_WIDTH * rate.ratio
        bars.append(
            f'<g class="row" data-name="{escape(name)}" data-passed="{rate.passed}" data-total="{rate.total}">'
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(_short(name))}</text>'
            f'<rect class="bar-bg" x="{_LABEL_WIDTH}" y="{y + 2}" width="{_BAR_WIDTH}" height="{_ROW_HEIGHT - 6}"/>'
            f'<rect class="bar" x="{_LABEL_WIDTH}" y="{y + 2}" width="{filled:.1f}" height="{_ROW_HEIGHT - 6}"/>'
            f'<text x="{_LABEL_WIDTH + _BAR_WIDTH + 6}" y="{y + 15}">{rate.passed}/{rate.total} '
            f"({rate.ratio * 100:.1f} %)</text></g>"
        )
    return (
        f'<svg class="chart" id="{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{"".join(bars)}</svg>'
    )


def _short(name: str) -> str:
    return name if len(name) <= 44 else name[:41] + "…"


def render_audit_html(
    summary: AuditSummary,
    rows: list[AuditRow],
    *,
    lang: Language = DEFAULT_LANGUAGE,
    generated_at: datetime | None = None,
) -> str:
    """The page: totals, then the three charts, then the files that failed or could not be verified."""
    generated = (generated_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    producers = {name or text("unlabelled", lang): rate for name, rate in summary.by_producer.items()}
    problems = [row for row in rows if row.compliant is not True][:500]
    problem_rows = "".join(
        f"<tr><td><code>{escape(row.path)}</code></td><td>{escape(row.format)}</td>"
        f"<td>{escape(row.error or ' '.join(r for r, o in sorted(row.outcomes.items()) if o == 'FAIL'))}</td></tr>"
        for row in problems
    )
    requirements = bar_chart(summary.by_requirement, "chart-requirements")
    body = f"""<body><header><h1>{text("audit_title", lang)}</h1>
<p class="meta">{text("tool", lang)}: ClearMark {__version__} · {text("generated", lang)}: {generated}</p></header>
<section id="totals"><table>
<tr><th>{text("files", lang)}</th><td id="files">{summary.files}</td></tr>
<tr><th>{text("checked", lang)}</th><td>{summary.verified}</td></tr>
<tr><th>{text("errors", lang)}</th><td id="errors">{summary.errors}</td></tr>
<tr><th>{text("compliant", lang)}</th><td id="compliant">{summary.compliant.passed}/{summary.compliant.total}
({summary.compliant.ratio * 100:.1f} %)</td></tr></table></section>
<section id="requirements"><h2>{text("by_requirement", lang)}</h2>{requirements}</section>
<section id="producers"><h2>{text("by_producer", lang)}</h2>{bar_chart(producers, "chart-producers")}</section>
<section id="formats"><h2>{text("by_format", lang)}</h2>{bar_chart(summary.by_format, "chart-formats")}</section>
<section id="problems"><h2>{text("non_compliant", lang)} / {text("errors", lang)}</h2>
<table><tr><th>{text("content", lang)}</th><th>{text("format", lang)}</th><th>{text("evidence", lang)}</th></tr>
{problem_rows}</table></section>
</body></html>
"""
    return page(lang, text("audit_title", lang), body)
