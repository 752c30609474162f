"""Table column headers as people read them: words and units, in English and Chinese.

Tables are saved with the column names the code uses (``threshold_days``); the report shows them
through this one catalogue. A money column takes the study's currency symbol; a period column
takes the study's period; a column not listed is shown with spaces for underscores.
"""

from __future__ import annotations

from ..clv.settings import MODEL_NAMES
from ..core.i18n import tr
from .common import currency_symbol, period_name

# column → (English, Chinese); "{money}" and "{period}" are filled with the study's currency and period
LABELS: dict[str, tuple[str, str]] = {
    "stage": ("Stage", "阶段"),
    "rule": ("Rule", "规则"),
    "rows": ("Rows", "行数"),
    "calibration_frequency": ("Repeat purchases in calibration", "校准期重复购买次数"),
    "customers": ("Customers", "客户数"),
    "actual": ("Actual", "实际"),
    **{key: (name, name) for key, name in MODEL_NAMES.items()},
    "model": ("Model", "模型"),
    "loglik": ("Log-likelihood", "对数似然"),
    "aic": ("AIC", "AIC"),
    "bic": ("BIC", "BIC"),
    "converged": ("Converged", "是否收敛"),
    "holdout_mae": ("Holdout MAE (purchases per customer)", "验证期平均绝对误差（每位客户购买次数）"),
    "holdout_total_error": ("Holdout total error (share)", "验证期总量误差（比例）"),
    "window_months": ("Window (months)", "窗口（月）"),
    "windows": ("Windows", "窗口数"),
    "share_buyers": ("Top-20% share of buyers", "购买者中前 20% 的占比"),
    "share_all_customers": ("Top-20% share of all customers", "全部客户中前 20% 的占比"),
    "term": ("Term", "变量"),
    "hazard_ratio": ("Hazard ratio", "风险比"),
    "lower": ("95% CI lower", "95% 置信下限"),
    "upper": ("95% CI upper", "95% 置信上限"),
    "p_value": ("p-value", "p 值"),
    "threshold_days": ("Threshold (days)", "阈值（天）"),
    "share_churned": ("Share churned", "流失比例"),
    "censored": ("Censored", "删失数"),
    "median_lifetime": ("Median lifetime ({period}s)", "中位寿命（{period}）"),
    "class": ("Class", "客户类别"),
    "cost_per_contact": ("Cost per contact{money}", "单次联系成本{money}"),
    "gain_per_contact": ("Gain per contact{money}", "单次联系收益{money}"),
    "contacts": ("Contacts", "联系人数"),
    "spend": ("Spend{money}", "花费{money}"),
    "expected_gain": ("Expected gain{money}", "预期收益{money}"),
    "even_gain": ("Even-spread gain{money}", "平均分配收益{money}"),
    "budget": ("Budget{money}", "预算{money}"),
    "uplift_factor": ("Uplift factor", "提升系数"),
    "return_per_dollar": ("Return per unit spent", "每单位花费的回报"),
    "p_alive": ("P(alive)", "存活概率"),
    "expected_transactions": ("Expected transactions, forecast horizon", "预测期预期交易次数"),
    "dert": ("DERT", "DERT"),
}


def column_label(column: str, period: str = "week") -> str:
    """The header a reader sees for ``column``."""
    en, zh = LABELS.get(str(column), (str(column).replace("_", " "), str(column).replace("_", " ")))
    symbol = currency_symbol()
    money = tr(f" ({symbol})", f"（{symbol}）") if symbol else ""
    unit = tr(period_name(period), {"day": "天", "week": "周", "month": "月"}.get(period, period))
    return tr(en, zh).format(money=money, period=unit)
