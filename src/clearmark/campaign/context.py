"""Context checks: what the caller says about where and by whom content is shown (minors, news).

Without the context fields a check needs, it reports ``not_evaluated``; it never guesses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clearmark.campaign.rules import ContextRules
from clearmark.core.enums import Suggestion
from clearmark.core.signals import Finding


@dataclass(frozen=True)
class CampaignContext:
    """What the caller knows about the content's placement and publisher.

    Attributes:
        surface: where it will be shown ("homepage", "trending", "minors_mode", "comment" …).
        account_type: the publishing account ("personal", "self_media", "news_licensed" …).
        content_type: what the account says it is ("news", "current_affairs", "entertainment" …).
        declared_source: the source the publisher names for current-affairs content.
        licence: the account's Internet news information service licence number, if any.
    """

    surface: str = ""
    account_type: str = ""
    content_type: str = ""
    declared_source: str = ""
    licence: str = ""


ContextCheck = Callable[[ContextRules, CampaignContext, tuple[Finding, ...], str], tuple[list[Finding], bool]]
CONTEXT_CHECKS: dict[str, ContextCheck] = {}


def context_check(prefix: str) -> Callable[[ContextCheck], ContextCheck]:
    """Register a context check under the label prefix it reports (``minors.*``)."""

    def add(check: ContextCheck) -> ContextCheck:
        CONTEXT_CHECKS[prefix] = check
        return check

    return add


@context_check("minors.*")
def check_minors(
    rules: ContextRules, context: CampaignContext, findings: tuple[Finding, ...], text: str
) -> tuple[list[Finding], bool]:
    """Task 7: content unsuitable for minors in a prominent position. Needs ``surface``."""
    if not context.surface:
        return [], False
    if context.surface not in rules.minors_surfaces:
        return [], True
    unsuitable = [f for f in findings if f.label in rules.minors_labels and f.suggestion >= Suggestion.REVIEW]
    if not unsuitable:
        return [], True
    strongest = max(f.suggestion for f in unsuitable)
    return [
        Finding(
            label="minors.prominent_undesirable",
            message=f"{', '.join(sorted({f.label for f in unsuitable}))} on the {context.surface!r} surface minors see",
            score=max(f.score for f in unsuitable),
            suggestion=strongest,
            rule_id="minors.surface",
            evidence=(f"surface={context.surface}",),
        )
    ], True


@context_check("news.*")
def check_news(
    rules: ContextRules, context: CampaignContext, findings: tuple[Finding, ...], text: str
) -> tuple[list[Finding], bool]:
    """Tasks 4 and 9: news naming or current affairs by an unlicensed account, or without a source.

    Needs ``account_type`` and ``content_type``.
    """
    if not context.account_type or not context.content_type:
        return [], False
    licensed = context.account_type in rules.news_licensed_accounts or bool(context.licence)
    is_news = context.content_type in rules.news_content_types
    folded = text.casefold()
    naming = sorted({t for t in rules.news_naming_terms if t in folded})
    out: list[Finding] = []
    if not licensed and (is_news or naming):
        out.append(
            Finding(
                label="news.unlicensed",
                message=f"{'news content' if is_news else 'news naming'} by a {context.account_type!r} account "
                "without a news licence",
                score=0.7,
                suggestion=Suggestion.REVIEW,
                rule_id="news.licence",
                evidence=(f"account_type={context.account_type}", f"content_type={context.content_type}", *naming),
            )
        )
    if is_news and not context.declared_source:
        out.append(
            Finding(
                label="news.unsourced",
                message="current-affairs content without a declared source",
                score=0.7,
                suggestion=Suggestion.REVIEW,
                rule_id="news.source",
                evidence=(f"content_type={context.content_type}",),
            )
        )
    return out, True
