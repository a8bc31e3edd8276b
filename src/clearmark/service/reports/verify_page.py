"""The Verify report as one self-contained HTML page (no external resource): what a person reads.

Thumbnail with the detected notices boxed and measured, the metadata label fields with their
checks, the C2PA summary and ingredient tree, watermark and registry result, campaign findings,
the whole checklist, the tool and the time; in Chinese or English, ``<html lang>`` set to match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from clearmark import __version__
from clearmark.core.enums import Outcome
from clearmark.core.kinds import WATERMARK_PREFIX, Attr, SignalKind
from clearmark.core.signals import ComplianceReport, Signal
from clearmark.media.c2pa_settings import NO_TRUST, C2paTrust
from clearmark.media.c2pa_store import C2paIngredient
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source
from clearmark.service.reports.evidence import ContentView, content_view, ingredient_tree
from clearmark.service.reports.strings import DEFAULT_LANGUAGE, Language, enum_text, requirement_title, text
from clearmark.service.reports.style import OUTCOME_COLOURS, page

# Signals whose box is a notice someone can see, and which part of the pipeline measured it.
NOTICE_KINDS = (SignalKind.NOTICE_RECORDED, SignalKind.NOTICE_SEEN)
_LABEL_KEYS = (
    ("Label", "label"),
    ("ContentProducer", "content_producer"),
    ("ProduceID", "produce_id"),
    ("ReservedCode1", "reserved_code1"),
    ("ContentPropagator", "content_propagator"),
    ("PropagateID", "propagate_id"),
    ("ReservedCode2", "reserved_code2"),
)


@dataclass(frozen=True)
class ReportContext:
    """Everything the page needs besides the report: language, time, limits and trust for the content.

    The registry's answers are on the report's signals (decided once, ``registry.evidence``)."""

    lang: Language = DEFAULT_LANGUAGE
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    tool: str = f"ClearMark {__version__}"
    limits: MediaLimits = MediaLimits()
    trust: C2paTrust = NO_TRUST


def render_report_html(
    report: ComplianceReport, context: ReportContext | None = None, content: bytes | Source | None = None
) -> str:
    """The page. Every string from the content or the client is escaped; nothing is fetched.

    Args:
        report: Verify's result.
        context: language, time, limits, trust (defaults: Chinese, now).
        content: the bytes verified, for the thumbnail / excerpt and the ingredient tree ("" to omit).
    """
    context = context or ReportContext()
    lang = context.lang
    inspection = report.inspection
    view = content_view(content, context.limits)
    verdict_class = "ok" if report.compliant else "bad"
    verdict = text("compliant" if report.compliant else "non_compliant", lang)
    media = inspection.media
    head = (
        f'<p class="facts">{escape(media.mime_type)} · {media.width}×{media.height} · {media.size_bytes} '
        f"{text('bytes', lang)} · SHA-256 <code>{escape(media.sha256)}</code></p>"
        f"<p>{text('category', lang)}: <b>{escape(enum_text(inspection.category, lang))}</b> · "
        f"{text('policy', lang)} <code>{escape(inspection.policy_version)}</code></p>"
    )
    sections = [
        _section(text("content", lang), head + _content(view, inspection.signals, lang), "content"),
        _section(text("metadata", lang), _metadata(report, lang), "metadata"),
        _section(text("c2pa", lang), _c2pa(inspection.signals, content, media.mime_type, context, lang), "c2pa"),
        _section(text("watermark", lang), _watermark(inspection.signals, lang), "watermark"),
        _section(text("campaign", lang), _campaign(report, lang), "campaign"),
        _section(text("checks", lang), _checks(report.checks, lang), "checks"),
    ]
    generated_at = context.generated_at.astimezone(UTC)
    generated = generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    body = f"""<body><header><h1>{text("title", lang)}</h1>
<p class="verdict {verdict_class}" id="verdict">{verdict}</p>
<p class="meta">{text("tool", lang)}: <span id="tool">{escape(context.tool)}</span> ·
{text("generated", lang)}: <time id="generated" datetime="{generated_at.isoformat()}">{generated}</time></p>
</header>
{"".join(sections)}
</body></html>
"""
    return page(lang, text("title", lang), body)


def _section(title: str, body: str, anchor: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>{body}</section>\n'


def _attr(signal: Signal, name: str) -> str:
    return escape(signal.attribute(name))


def _notices(signals: tuple[Signal, ...]) -> list[Signal]:
    return [s for s in signals if s.kind in NOTICE_KINDS and s.attribute("present", "true") == "true"]


def _height_ratio(signal: Signal) -> str:
    ratio = signal.attribute("height_ratio")
    if not ratio:
        try:
            ratio = f"{int(signal.attribute('glyph_height_px')) / int(signal.attribute('shortest_side')):.4f}"
        except (ValueError, ZeroDivisionError):
            return "–"
    return f"{float(ratio) * 100:.2f} %"


def _content(view: ContentView, signals: tuple[Signal, ...], lang: Language) -> str:
    notices = _notices(signals)
    parts: list[str] = []
    if view.thumbnail is not None:
        thumb = view.thumbnail
        boxes = "".join(
            f'<rect class="box box{i % 2}" x="{s.location.bbox.x * thumb.scale:.1f}" '
            f'y="{s.location.bbox.y * thumb.scale:.1f}" width="{s.location.bbox.width * thumb.scale:.1f}" '
            f'height="{s.location.bbox.height * thumb.scale:.1f}"><title>{_attr(s, "text")}</title></rect>'
            for i, s in enumerate(notices)
            if s.location.bbox is not None
        )
        parts.append(
            f'<figure><svg id="thumbnail" xmlns="http://www.w3.org/2000/svg" width="{thumb.width}" '
            f'height="{thumb.height}" viewBox="0 0 {thumb.width} {thumb.height}" role="img">'
            f'<image href="{thumb.data_uri}" width="{thumb.width}" height="{thumb.height}"/>{boxes}</svg>'
            f"<figcaption>{text('thumbnail', lang)}</figcaption></figure>"
        )
    elif view.excerpt:
        parts.append(f'<h3>{text("text_excerpt", lang)}</h3><pre class="excerpt">{escape(view.excerpt)}</pre>')
    if notices:
        rows = "".join(
            f"<tr><td>{_attr(s, 'text')}</td><td>{_attr(s, 'glyph_height_px') or '–'} px</td>"
            f'<td class="ratio">{_height_ratio(s)}</td><td><code>{escape(s.source)}</code></td></tr>'
            for s in notices
        )
        parts.append(
            f"<h3>{text('notice', lang)}</h3><table><tr><th>{text('notice_text', lang)}</th>"
            f"<th>{text('glyph_height', lang)}</th><th>{text('height_ratio', lang)}</th>"
            f"<th>{text('source', lang)}</th></tr>{rows}</table>"
        )
    else:
        parts.append(f"<p>{text('no_notice', lang)}</p>")
    return "".join(parts)


def _outcome(outcome: Outcome, lang: Language) -> str:
    colour = OUTCOME_COLOURS.get(outcome, "#000")
    return f'<span class="outcome" style="color:{colour}">{escape(enum_text(outcome, lang))}</span>'


def _metadata(report: ComplianceReport, lang: Language) -> str:
    label = report.inspection.aigc_label
    fields = (
        "".join(
            f"<tr><th><code>{key}</code></th><td><code>{escape(getattr(label, attr))}</code></td></tr>"
            for key, attr in _LABEL_KEYS
        )
        if label is not None
        else ""
    )
    table = (
        f'<table class="label"><tr><th>{text("field", lang)}</th><th>{text("value", lang)}</th></tr>{fields}</table>'
        if label is not None
        else f"<p>{text('no_label', lang)}</p>"
    )
    checks = [c for c in report.checks if c.requirement_id.startswith("metadata.")]
    return table + (_checks(tuple(checks), lang) if checks else "")


def _c2pa(
    signals: tuple[Signal, ...], content: bytes | Source | None, mime: str, context: ReportContext, lang: Language
) -> str:
    manifests = [s for s in signals if s.kind == SignalKind.C2PA_MANIFEST]
    if not manifests:
        return f"<p>{text('no_c2pa', lang)}</p>"
    s = manifests[0]
    signed_at = _attr(s, "timestamp") or f"{_attr(s, 'not_before')} ({text('no_timestamp', lang)})"
    rows = [
        (text("state", lang), f"<b>{_attr(s, 'validation_state')}</b>"),
        (text("signer", lang), _attr(s, "signer_subject")),
        (text("issuer", lang), _attr(s, "signer_issuer")),
        (text("signed_at", lang), signed_at),
        (text("actions", lang), ", ".join(f"<code>{escape(a)}</code>" for a in s.attribute("actions").split(",") if a)),
        (text("agents", lang), _attr(s, "software_agents")),
    ]
    table = "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"
    tree = ingredient_tree(content, mime, context.trust) or _flat_ingredients(s)
    return table + f"<h3>{text('ingredients', lang)}</h3>" + _tree(tree, lang)


def _flat_ingredients(signal: Signal) -> tuple[C2paIngredient, ...]:
    found = []
    for described in signal.attribute("ingredients").split(";"):
        if described:
            title, relationship, state, codes, label = (described.split("|") + [""] * 5)[:5]
            found.append(C2paIngredient(title, relationship, label, state, tuple(c for c in codes.split(",") if c)))
    return tuple(found)


def _tree(ingredients: tuple[C2paIngredient, ...], lang: Language) -> str:
    if not ingredients:
        return f"<p>{text('no_ingredients', lang)}</p>"
    html, depth = "", 0
    for ingredient in ingredients:
        while depth < ingredient.depth:
            html += '<ul class="tree">'
            depth += 1
        while depth > ingredient.depth:
            html += "</ul>"
            depth -= 1
        state = f" · {escape(ingredient.validation_state)}" if ingredient.validation_state else ""
        codes = f" · <code>{escape(', '.join(ingredient.failure_codes))}</code>" if ingredient.failure_codes else ""
        html += f"<li>{escape(ingredient.title)} <i>({escape(ingredient.relationship)})</i>{state}{codes}</li>"
    return html + "</ul>" * depth


def _watermark(signals: tuple[Signal, ...], lang: Language) -> str:
    marks = [s for s in signals if s.kind.startswith(WATERMARK_PREFIX)]
    if not marks:
        return f"<p>{text('no_watermark', lang)}</p>"
    items = []
    for mark in marks:
        line = f"<li><code>{escape(mark.kind)}</code> {escape(mark.message)}"
        key = mark.attribute(Attr.REGISTRY_KEY)
        if key:
            found = text("found" if mark.attribute(Attr.RESOLVED) == "true" else "not_found", lang)
            line += f"<br>{text('registry_key', lang)} <code>{escape(key)}</code> · {text('resolved', lang)}: {found}"
            binding = mark.attribute(Attr.RECORD_BINDING)
            if binding:
                css = "ok" if binding == "match" else "bad"
                line += (
                    f' · {text("binding", lang)}: <span class="{css}">{text(binding, lang)}</span>'
                    f" ({escape(mark.attribute(Attr.PERCEPTUAL_DISTANCE))}/64)"
                )
        items.append(line + "</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _campaign(report: ComplianceReport, lang: Language) -> str:
    campaign = report.inspection.campaign
    findings = list(report.inspection.findings) + [f for f in campaign.findings if f not in report.inspection.findings]
    items = "".join(
        f"<li><code>{escape(f.label)}</code> {escape(f.message)}"
        + (f"<br><small>{'<br>'.join(escape(e) for e in f.evidence)}</small>" if f.evidence else "")
        + "</li>"
        for f in findings
    )
    return (
        f"<p>{text('suggestion', lang)}: <b>{escape(enum_text(campaign.suggestion, lang))}</b> · "
        f"{text('policy', lang)} <code>{escape(campaign.policy_version)}</code></p>"
        f"<h3>{text('findings', lang)}</h3><ul>{items or '<li>' + text('none', lang) + '</li>'}</ul>"
    )


def _checks(checks: tuple, lang: Language) -> str:
    rows = "".join(
        f'<tr class="check" data-requirement="{escape(c.requirement_id)}"><td><code>{escape(c.requirement_id)}</code>'
        f"</td><td>{escape(requirement_title(c.requirement_id, c.title, lang))}</td>"
        f"<td>{_outcome(c.outcome, lang)}</td>"
        f"<td>{'<br>'.join(escape(e) for e in c.evidence)}</td><td>{escape(c.reference)}</td></tr>"
        for c in checks
    )
    return (
        f"<table><tr><th>{text('requirement', lang)}</th><th></th><th>{text('outcome', lang)}</th>"
        f"<th>{text('evidence', lang)}</th><th>{text('reference', lang)}</th></tr>{rows}</table>"
    )
