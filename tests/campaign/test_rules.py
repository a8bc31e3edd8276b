"""Rule packs: parsed from TOML, checked, versioned by content, verified by their own tests, swapped atomically."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from clearmark.campaign import CampaignChecker, RulePackError, TenantPolicy, TextItem, load_rule_pack, parse_rule_pack
from clearmark.core.enums import Suggestion

STARTER = resources.files("clearmark.campaign").joinpath("packs", "starter.toml").read_text("utf-8")


def test_the_starter_pack_loads_and_covers_the_checkable_tasks() -> None:
    pack = load_rule_pack()
    assert {r.task for r in pack.rules} >= {1, 2, 3, 5, 7, 10}
    assert pack.policy_version.startswith("clearmark-starter@")
    assert dict(pack.diversion.handles).keys() == {"wechat", "qq", "telegram"}


def test_policy_version_changes_with_a_rule_or_a_threshold() -> None:
    base = parse_rule_pack(STARTER).policy_version
    assert parse_rule_pack(STARTER.replace("block = 0.8", "block = 0.85")).policy_version != base
    assert parse_rule_pack(STARTER.replace('"网赌", ', "")).policy_version != base
    assert parse_rule_pack(STARTER).policy_version == base


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s + "\n[[rules]]\nid = 'x'\n", "missing 'label'"),
        (lambda s: s.replace('severity = "block"', 'severity = "ban"', 1), "severity"),
        (lambda s: s.replace('views = ["keyword", "pinyin", "radical"]', 'views = ["soundex"]', 1), "unknown views"),
        (lambda s: s.replace('id = "porn.terms"', 'id = "gambling.terms"'), "repeat"),
        (lambda s: s + "\n[[rules", "not valid TOML"),
    ],
)
def test_malformed_packs_are_refused_precisely(edit, message: str) -> None:
    with pytest.raises(RulePackError, match=message):
        parse_rule_pack(edit(STARTER))


def test_a_pack_failing_its_own_tests_is_not_swapped_in(tmp_path: Path, checker: CampaignChecker) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(STARTER.replace('miss = ["冰雪节"', 'miss = ["冰毒"'), "utf-8")
    local = CampaignChecker()
    before = local.policy_version
    with pytest.raises(RulePackError, match="drugs.terms"):
        local.reload(broken)
    assert local.policy_version == before


def test_reload_swaps_in_an_operator_pack(tmp_path: Path) -> None:
    extended = tmp_path / "extended.toml"
    extended.write_text(
        STARTER + '\n[[rules]]\nid = "local.scam"\nlabel = "content.local_fraud"\nseverity = "block"\n'
        'terms = ["高价回收茅台"]\ntests = { hit = ["高价回收茅台酒"] }\n',
        "utf-8",
    )
    local = CampaignChecker()
    before = local.check([TextItem("高价回收茅台")])
    version = local.reload(extended)
    after = local.check([TextItem("高价回收茅台")])
    assert before.suggestion is Suggestion.PASS and after.suggestion is Suggestion.BLOCK
    assert after.policy_version == version != before.policy_version


def test_tenant_allow_and_deny_lists_and_thresholds() -> None:
    local = CampaignChecker(
        tenants={"shop": TenantPolicy(allow_terms=("刷单",), deny_terms=("竞品名",), review=0.95)}
    )
    shop = local.check([TextItem("刷单 竞品名")], tenant="shop")
    other = local.check([TextItem("刷单 竞品名")], tenant="other")
    assert {f.label for f in shop.findings} == {"content.tenant_deny"}
    assert shop.suggestion is Suggestion.BLOCK and shop.policy_version != other.policy_version
    assert {f.label for f in other.findings} == {"content.water_army"}


def test_refresh_swaps_a_changed_pack_file_and_keeps_the_old_on_error(tmp_path: Path) -> None:
    import os

    path = tmp_path / "pack.toml"
    path.write_text(STARTER, "utf-8")
    local = CampaignChecker(load_rule_pack(path))
    assert local.refresh(path) is False  # first look: remembers the modification time
    before = local.policy_version
    path.write_text(STARTER.replace("block = 0.8", "block = 0.85"), "utf-8")
    os.utime(path, ns=(1, 10**18))
    assert local.refresh(path) is True and local.policy_version != before
    changed = local.policy_version
    path.write_text(STARTER + "\n[[rules", "utf-8")
    os.utime(path, ns=(1, 2 * 10**18))
    assert local.refresh(path) is False and local.policy_version == changed
