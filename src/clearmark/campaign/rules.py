"""Rule packs: versioned TOML data (rules, diversion vocabularies, thresholds), loaded, checked and hot-swapped.

A pack is data, never code: each rule has an id, a dotted label, a severity, the views it runs in,
its terms, allow-listed exceptions and its own tests (texts it must and must not hit). The
``policy_version`` hashes every rule and threshold, including the tenant overrides applied.
"""

from __future__ import annotations

import hashlib
import json
import threading
import tomllib
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path

from clearmark.core.enums import Suggestion
from clearmark.core.errors import ClearMarkError

VIEWS = ("keyword", "pinyin", "radical")
SEVERITIES = {"block": Suggestion.BLOCK, "review": Suggestion.REVIEW, "info": Suggestion.PASS}
STARTER_PACK = "starter.toml"


class RulePackError(ClearMarkError):
    """A rule pack is malformed or fails its own tests; the running pack stays in place."""

    default_reason = "RULE_PACK_INVALID"


@dataclass(frozen=True)
class Rule:
    """One rule: terms matched in the named views, reported under ``label`` with ``severity``."""

    id: str
    label: str
    severity: str
    terms: tuple[str, ...]
    views: tuple[str, ...] = ("keyword",)
    exceptions: tuple[str, ...] = ()
    score: float = 0.9
    task: int = 0
    tests_hit: tuple[str, ...] = ()
    tests_miss: tuple[str, ...] = ()

    @property
    def suggestion(self) -> Suggestion:
        """What a full-strength hit of this rule suggests."""
        return SEVERITIES[self.severity]


@dataclass(frozen=True)
class Thresholds:
    """Scores and windows policy uses; part of ``policy_version``."""

    block: float = 0.8
    review: float = 0.4
    homophone_factor: float = 0.6
    radical_factor: float = 0.6
    trigger_window: int = 8


@dataclass(frozen=True)
class Diversion:
    """Vocabularies of the diversion checks: triggers, handles per platform, short-link hosts, URL tails."""

    triggers: tuple[str, ...]
    not_triggers: tuple[str, ...]
    handles: tuple[tuple[str, tuple[str, ...]], ...]
    short_link_hosts: tuple[str, ...]
    url_suffixes: tuple[str, ...]
    spelled_dots: tuple[str, ...]
    qrcode_prefixes: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class ContextRules:
    """What the context checks need: prominent surfaces for minors, news content types and licences."""

    minors_surfaces: tuple[str, ...] = ()
    minors_labels: tuple[str, ...] = ()
    news_content_types: tuple[str, ...] = ()
    news_licensed_accounts: tuple[str, ...] = ()
    news_naming_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class TenantPolicy:
    """A tenant's overrides from configuration: allowed and denied terms, threshold changes."""

    allow_terms: tuple[str, ...] = ()
    deny_terms: tuple[str, ...] = ()
    block: float | None = None
    review: float | None = None


@dataclass(frozen=True)
class RulePack:
    """A loaded pack: name, version, rules, diversion vocabularies, context rules, thresholds."""

    name: str
    version: str
    rules: tuple[Rule, ...]
    diversion: Diversion
    context: ContextRules
    thresholds: Thresholds = field(default_factory=Thresholds)
    allow_terms: tuple[str, ...] = ()

    @property
    def policy_version(self) -> str:
        """``name@version#hash`` over every rule and threshold: changes whenever the policy does."""
        blob = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False).encode()
        return f"{self.name}@{self.version}#{hashlib.sha256(blob).hexdigest()[:12]}"

    def for_tenant(self, tenant: TenantPolicy) -> RulePack:
        """This pack with a tenant's deny terms as a rule, its allowed terms and its thresholds applied."""
        rules = self.rules
        if tenant.deny_terms:
            rules += (Rule("tenant.deny", "content.tenant_deny", "block", tuple(tenant.deny_terms)),)
        thresholds = replace(
            self.thresholds,
            block=self.thresholds.block if tenant.block is None else tenant.block,
            review=self.thresholds.review if tenant.review is None else tenant.review,
        )
        return replace(
            self, rules=rules, thresholds=thresholds, allow_terms=self.allow_terms + tuple(tenant.allow_terms)
        )


def _strings(data: dict, key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RulePackError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(value)


def _rule(data: dict, index: int) -> Rule:
    where = f"rules[{index}]"
    try:
        rule = Rule(
            id=str(data["id"]),
            label=str(data["label"]),
            severity=str(data.get("severity", "review")),
            terms=_strings(data, "terms", where),
            views=_strings(data, "views", where) or ("keyword",),
            exceptions=_strings(data, "exceptions", where),
            score=float(data.get("score", 0.9)),
            task=int(data.get("task", 0)),
            tests_hit=_strings(data.get("tests", {}), "hit", where),
            tests_miss=_strings(data.get("tests", {}), "miss", where),
        )
    except KeyError as exc:
        raise RulePackError(f"{where}: missing {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise RulePackError(f"{where}: {exc}") from None
    if rule.severity not in SEVERITIES:
        raise RulePackError(f"{where} {rule.id}: severity must be one of {sorted(SEVERITIES)}")
    if unknown := set(rule.views) - set(VIEWS):
        raise RulePackError(f"{where} {rule.id}: unknown views {sorted(unknown)}; known: {VIEWS}")
    if not rule.terms or "." not in rule.label or not 0.0 < rule.score <= 1.0:
        raise RulePackError(f"{where} {rule.id}: needs terms, a dotted label and a score in (0, 1]")
    return rule


def parse_rule_pack(text: str, origin: str = "<pack>") -> RulePack:
    """A pack from TOML text.

    Raises:
        RulePackError: the TOML is invalid, a field is missing or malformed, or rule ids repeat.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulePackError(f"{origin}: not valid TOML: {exc}") from None
    meta, div, ctx = data.get("pack", {}), data.get("diversion", {}), data.get("context", {})
    rules = tuple(_rule(r, i) for i, r in enumerate(data.get("rules", [])))
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise RulePackError(f"{origin}: rule ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    handles, qrcode = div.get("handles", {}), div.get("qrcode", {})
    try:
        thresholds = Thresholds(**data.get("thresholds", {}))
        return RulePack(
            name=str(meta["name"]),
            version=str(meta["version"]),
            rules=rules,
            diversion=Diversion(
                triggers=_strings(div, "triggers", "diversion"),
                not_triggers=_strings(div, "not_triggers", "diversion"),
                handles=tuple((str(k), _strings(handles, k, "diversion.handles")) for k in sorted(handles)),
                short_link_hosts=_strings(div, "short_link_hosts", "diversion"),
                url_suffixes=_strings(div, "url_suffixes", "diversion"),
                spelled_dots=_strings(div, "spelled_dots", "diversion"),
                qrcode_prefixes=tuple((str(k), _strings(qrcode, k, "diversion.qrcode")) for k in sorted(qrcode)),
            ),
            context=ContextRules(
                minors_surfaces=_strings(ctx, "minors_surfaces", "context"),
                minors_labels=_strings(ctx, "minors_labels", "context"),
                news_content_types=_strings(ctx, "news_content_types", "context"),
                news_licensed_accounts=_strings(ctx, "news_licensed_accounts", "context"),
                news_naming_terms=_strings(ctx, "news_naming_terms", "context"),
            ),
            thresholds=thresholds,
        )
    except KeyError as exc:
        raise RulePackError(f"{origin}: [pack] needs {exc.args[0]!r}") from None
    except TypeError as exc:
        raise RulePackError(f"{origin}: {exc}") from None


def load_rule_pack(path: Path | None = None) -> RulePack:
    """The pack at ``path``, or the starter pack shipped in the package.

    Raises:
        RulePackError: the file cannot be read or is malformed.
    """
    if path is None:
        text = resources.files("clearmark.campaign").joinpath("packs", STARTER_PACK).read_text("utf-8")
        return parse_rule_pack(text, STARTER_PACK)
    try:
        return parse_rule_pack(Path(path).read_text("utf-8"), str(path))
    except OSError as exc:
        raise RulePackError(f"cannot read rule pack {path}: {exc.strerror}") from None


class RulePackStore:
    """Holds the compiled pack in use; ``swap`` replaces it atomically once the new one compiled and passed its tests.

    Readers call ``current()`` once per request and use that object throughout, so a request never
    sees half of one pack and half of another.
    """

    def __init__(self, compiled: object) -> None:
        self._current = compiled
        self._lock = threading.Lock()

    def current(self) -> object:
        """The compiled pack in use."""
        return self._current

    def swap(self, compiled: object) -> object:
        """Install ``compiled`` (already built and verified by the caller); returns the previous one."""
        with self._lock:
            previous, self._current = self._current, compiled
        return previous
