"""The Qinglang campaign checks: text views, rule packs, diversion patterns, QR codes; verdicts out."""

from clearmark.campaign.checker import CampaignChecker, TextItem, check_texts_job, shared_checker
from clearmark.campaign.context import CampaignContext
from clearmark.campaign.rules import RulePack, RulePackError, TenantPolicy, load_rule_pack, parse_rule_pack

__all__ = [
    "CampaignChecker",
    "CampaignContext",
    "RulePack",
    "RulePackError",
    "TenantPolicy",
    "TextItem",
    "check_texts_job",
    "load_rule_pack",
    "parse_rule_pack",
    "shared_checker",
]
