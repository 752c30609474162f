"""The CRM course's worked examples, computed with the package (notebook 00 and its exercises)."""

from __future__ import annotations

import pandas as pd

from .clv.textbook import textbook_clv
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
