"""Every English and Chinese string of the satisfaction chapter, in one place."""

from __future__ import annotations

# Importance-performance quadrants, as CRM courses name them (Martilla & James 1977:
# "concentrate here", "keep up the good work", "low priority", "possible overkill").
QUADRANTS: dict[str, dict[str, str]] = {
    "concentrate_here": {"en": "Concentrate here", "zh": "重点改进区"},
    "keep_up": {"en": "Keep up the good work", "zh": "继续保持区"},
    "low_priority": {"en": "Low priority", "zh": "次要改进区"},
    "possible_overkill": {"en": "Possible overkill", "zh": "过度投入区"},
}

LOYALTY_LADDER: dict[str, dict[str, str]] = {
    "one_time": {"en": "One-time buyer", "zh": "一次性购买客户"},
    "repeat": {"en": "Repeat buyer", "zh": "重复购买客户"},
    "loyal": {"en": "Loyal customer", "zh": "忠诚客户"},
}

NPS_GROUPS: dict[str, dict[str, str]] = {
    "promoter": {"en": "Promoters (9-10)", "zh": "推荐者"},
    "passive": {"en": "Passives (7-8)", "zh": "被动者"},
    "detractor": {"en": "Detractors (0-6)", "zh": "贬损者"},
}

TERMS: dict[str, dict[str, str]] = {
    "satisfaction": {"en": "Customer satisfaction", "zh": "客户满意度"},
    "loyalty": {"en": "Loyalty", "zh": "忠诚度"},
    "nps": {"en": "Net Promoter Score", "zh": "净推荐值"},
    "ipa": {"en": "Importance-performance analysis", "zh": "重要性–绩效分析"},
    "index": {"en": "Satisfaction index (0-100)", "zh": "满意度指数(0–100)"},
    "repeat_rate": {"en": "Repeat-purchase rate", "zh": "重复购买率"},
    "return_rate": {"en": "Return rate", "zh": "退货率"},
    "simulated": {"en": "Simulated survey (not real answers)", "zh": "模拟问卷(非真实回答)"},
}


def label(table: dict[str, dict[str, str]], key: str, language: str = "en") -> str:
    """The label of ``key`` in ``language`` ("en" or "zh")."""
    return table[key][language]
