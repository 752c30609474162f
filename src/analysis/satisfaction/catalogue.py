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

# why a part of the chapter is not estimable: the results hold the English reason, the report shows
# the Chinese one (a reason not listed here is shown as it is)
REASONS_ZH: dict[str, str] = {
    "no respondent's customer id is in the transaction log": "没有受访者的客户编号出现在交易记录中",
    "the survey has no customer id column, so answers cannot be joined to purchases":
        "问卷没有客户编号列，回答无法与购买记录关联",
    "the survey has neither an overall item nor a target dimension to measure satisfaction":
        "问卷既没有总体满意度题项，也没有可衡量满意度的目标维度",
    "the study has no calibration end, so no purchase after the survey is observed":
        "本研究没有校准期截止日，因此观察不到调查后的购买",
    "every joined respondent has the same outcome (all or none bought again)":
        "所有匹配的受访者结果相同（全部或全部未再次购买）",
    "the study has no calibration end, so no time after the survey is observed":
        "本研究没有校准期截止日，因此观察不到调查后的时间",
    "the log does not run longer after the survey than the churn rule's time without a purchase, so no churn "
    "after the survey can be seen": "调查后的记录时长不超过流失规则的无购买时长，因此看不到调查后的流失",
    "every joined respondent has the same churn outcome (all or none churned)":
        "所有匹配的受访者流失结果相同（全部流失或全部未流失）",
    "the Cox model gives no finite estimate of the satisfaction effect": "Cox 模型没有给出满意度效应的有限估计",
    "fewer than ten respondents with a value, or a single satisfaction level": "有取值的受访者少于十位，或满意度只有一个水平",
    "the purchase after a simulated survey is simulated and has no amount": "模拟问卷之后的购买是模拟的，没有金额",
    "no spend after the survey is observed": "观察不到调查后的消费",
    "the CLV chapter (03_clv) has not run for this study, so there is no per-customer CLV":
        "本研究未运行客户终身价值一章（03_clv），因此没有每位客户的终身价值",
    "CLV is not estimable for this study (the CLV chapter says why)": "本研究的客户终身价值无法估计（原因见客户终身价值一章）",
    "the CLV chapter wrote no per-customer CLV for this study": "客户终身价值一章未写出每位客户的终身价值",
}


def label(table: dict[str, dict[str, str]], key: str, language: str = "en") -> str:
    """The label of ``key`` in ``language`` ("en" or "zh")."""
    return table[key][language]
