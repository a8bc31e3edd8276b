"""The Verify report as a self-contained human-readable HTML page."""

from __future__ import annotations

from html import escape

from clearmark.core.enums import Outcome
from clearmark.core.signals import ComplianceReport

_COLOURS = {
    Outcome.PASS: "#1a7f37",
    Outcome.FAIL: "#cf222e",
    Outcome.NOT_APPLICABLE: "#6e7781",
    Outcome.INCONCLUSIVE: "#9a6700",
}


def render_report_html(report: ComplianceReport) -> str:
    """One page: verdict, media facts, every check with its evidence and clause. All text escaped."""
    media = report.inspection.media
    rows = "\n".join(
        f"<tr><td><code>{escape(c.requirement_id)}</code></td><td>{escape(c.title)}</td>"
        f'<td style="color:{_COLOURS.get(c.outcome, "#000")};font-weight:bold">{escape(c.outcome.name)}</td>'
        f"<td>{'<br>'.join(escape(e) for e in c.evidence)}</td><td>{escape(c.reference)}</td></tr>"
        for c in report.checks
    )
    findings = "".join(
        f"<li><code>{escape(f.label)}</code> {escape(f.message)}</li>" for f in report.inspection.findings
    )
    verdict = "COMPLIANT" if report.compliant else "NON-COMPLIANT"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ClearMark compliance report</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top}}</style></head>
<body><h1>ClearMark compliance report: {verdict}</h1>
<p>{escape(media.mime_type)} · {media.width}×{media.height} · {media.size_bytes} bytes
 · SHA-256 <code>{escape(media.sha256)}</code></p>
<p>Category: <b>{escape(report.inspection.category.name)}</b>
 · policy <code>{escape(report.inspection.policy_version)}</code></p>
<table><tr><th>Requirement</th><th>Title</th><th>Outcome</th><th>Evidence</th><th>Reference</th></tr>
{rows}
</table>
<h2>Findings</h2><ul>{findings or "<li>none</li>"}</ul>
</body></html>
"""
