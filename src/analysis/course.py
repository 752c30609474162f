"""The CRM course's worked examples, computed with the package (notebook 00 and its exercises)."""

from __future__ import annotations

import pandas as pd

from .clv.textbook import textbook_clv
from .core.i18n import tr
from .pareto.cost import whale_curve
from .segments.matrix import value_matrix

# The course's CLV example (published_values.md): acquisition 2,500; retention cost 500 a year;
# revenue 1,000, 1,500, then 2,000 a year; 15%; five years.
CLV_EXAMPLE = {"revenue": [1000, 1500, 2000, 2000, 2000], "recurring_cost": 500, "discount_rate": 0.15,
               "acquisition_cost": 2500}

# Ten customers' yearly profit, for the 80/20/30 rule.
PROFIT_TABLE = pd.DataFrame({"customer": list("ABCDEFGHIJ"),
                             "profit": [500.0, 300.0, 120.0, 60.0, 40.0, 20.0, 10.0, -20.0, -40.0, -90.0]})

# Eight customers' current (historical) and potential (predicted) value.
VALUE_TABLE = pd.DataFrame({"customer": list("ABCDEFGH"),
                            "current": [900.0, 850.0, 120.0, 80.0, 700.0, 650.0, 60.0, 40.0],
                            "potential": [800.0, 50.0, 700.0, 30.0, 900.0, 20.0, 600.0, 10.0]})

# Last purchases, for the dormant-account rule (no activity for 12 months).
ACTIVITY_TABLE = pd.DataFrame({"account": ["a1", "a2", "a3", "a4", "a5"],
                               "last_activity": pd.to_datetime(["2024-12-20", "2024-03-01", "2023-11-30",
                                                                "2024-06-15", "2022-08-01"])})


def clv_example(discount_rate: float = 0.15, timing: str = "end") -> float:
    example = {**CLV_EXAMPLE, "discount_rate": discount_rate}
    return round(textbook_clv(example["revenue"], example["recurring_cost"], discount_rate=example["discount_rate"],
                              acquisition_cost=example["acquisition_cost"], timing=timing), 2)


def rule_80_20_30(profits) -> dict:
    """Share of profit from the top 20%, and the share of it the bottom 30% consume."""
    whale = whale_curve(profits)
    return {"top20_share": whale.top20_share, "bottom30_consumes": whale.bottom30_consumes,
            "whale_peak": whale.peak}


def value_potential_cells(table: pd.DataFrame = VALUE_TABLE) -> pd.DataFrame:
    cells, _ = value_matrix(table["current"], table["potential"], 0.5)
    return table.assign(cell=cells.to_numpy())


def dormant_accounts(table: pd.DataFrame = ACTIVITY_TABLE, as_of="2024-12-31", dormant_days: int = 365) -> list[str]:
    silent = (pd.Timestamp(as_of) - table["last_activity"]).dt.days
    return table.loc[silent >= dormant_days, "account"].tolist()


# what the notebook shows: column names and cell values in the notebook's language
LABELS = {"customer": ("customer", "客户"), "profit": ("profit", "利润"), "current": ("current value", "当前价值"),
          "potential": ("potential value", "潜在价值"), "cell": ("cell", "象限"), "account": ("account", "账户"),
          "last_activity": ("last activity", "最近活动"), "keep": ("keep", "保持"), "develop": ("develop", "发展"),
          "maintain": ("maintain", "低成本维持"), "reconsider": ("reconsider", "重新考虑"),
          "end of year": ("end of year", "年末"), "start of year": ("start of year", "年初"),
          "top20_share": ("top 20%'s share of profit", "前 20% 的利润占比"),
          "bottom30_consumes": ("share of it the bottom 30% consume", "后 30% 消耗的比例"),
          "whale_peak": ("whale-curve peak", "鲸鱼曲线峰值")}


def label(text: str) -> str:
    """``text`` (a column name or a value of the examples) in the notebook's language."""
    return tr(*LABELS[text]) if text in LABELS else text


def shown(table: pd.DataFrame | dict) -> pd.DataFrame | dict:
    """An example's table or result with its labels in the notebook's language (the values the tests
    check are unchanged)."""
    if isinstance(table, dict):
        return {label(key): value for key, value in table.items()}
    frame = table.rename(columns=label)
    for column in frame.columns:
        if frame[column].dtype == object or isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object).map(lambda v: label(v) if isinstance(v, str) else v)
    return frame
