"""Cleaning rules for transaction logs; nothing dropped is lost.

The rules run in this order, each on the rows the earlier ones kept:

1. ``missing_customer`` – no customer id: the row cannot be attributed to anyone.
2. ``missing_date`` / ``missing_amount`` – blank date or amount (unparseable values stop the run
   at loading instead).
3. ``excluded_product`` – product codes listed in ``cleaning.exclude_products`` (postage, fees…).
4. ``exact_duplicate`` – a row identical in every input column to an earlier row.
5. Cancellations – rows whose invoice starts with ``cleaning.cancellation_prefix``. With
   ``cancellations: net`` each is matched to the latest earlier purchase of the same customer (and
   product, when a product column is mapped) on or before its date; the purchase's amount is reduced
   by the cancelled amount (``cancellation_netted``; a purchase cancelled in full is dropped as
   ``cancelled_in_full``). A cancellation with no such purchase is dropped
   (``cancellation_unmatched``). With ``cancellations: drop`` all are dropped (``cancellation``).
6. ``nonpositive_amount`` – negative amounts left after the above, and zero amounts unless
   ``cleaning.zero_amounts: keep`` (a free or fully discounted order is still a purchase occasion:
   the published CDNOW analyses count them).
7. ``outside_window`` – dates before ``analysis.observation_start`` or after
   ``analysis.observation_end``.
8. Same-day purchases of one customer are merged into one transaction (amounts and quantities
   summed), as the published BTYD analyses do (Fader, Hardie & Lee 2005a). Merged rows are
   *changed*, not dropped: every kept input row is counted in the merged row's ``n_lines``.

Every dropped row goes to the quarantine with its reason, so that
``input_rows == kept_rows + quarantined_rows`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import AnalysisSettings, CleaningSettings
from .loading import ROW, LoadedTransactions

DROP_REASONS = (
    "missing_customer",
    "missing_date",
    "missing_amount",
    "excluded_product",
    "exact_duplicate",
    "cancellation",
    "cancellation_netted",
    "cancellation_unmatched",
    "cancelled_in_full",
    "nonpositive_amount",
    "outside_window",
)


@dataclass
class CleaningResult:
    transactions: pd.DataFrame  # one row per customer and purchase day
    quarantine: pd.DataFrame  # dropped input rows, all input columns, with reason
    dropped: dict[str, int]  # reason -> input rows dropped
    changed: dict[str, int] = field(default_factory=dict)  # reason -> rows kept but altered
    input_rows: int = 0
    kept_rows: int = 0

    @property
    def quarantined_rows(self) -> int:
        return int(len(self.quarantine))

    def counts(self) -> dict:
        """The cleaning counts as they go into results.json."""
        return {
            "input_rows": self.input_rows,
            "kept_rows": self.kept_rows,
            "quarantined_rows": self.quarantined_rows,
            "transactions": int(len(self.transactions)),
            "customers": int(self.transactions["customer_id"].nunique()),
            "dropped": {k: v for k, v in self.dropped.items() if v},
            "changed": {k: v for k, v in self.changed.items() if v},
        }


class _Quarantine:
    def __init__(self, data: pd.DataFrame):
        self.data = data
        self.reasons: dict[int, str] = {}  # _row -> reason
        self.dropped = dict.fromkeys(DROP_REASONS, 0)

    def drop(self, mask: pd.Series, reason: str) -> None:
        rows = self.data.loc[mask, ROW].to_numpy()
        self.reasons.update(dict.fromkeys(rows.tolist(), reason))
        self.dropped[reason] += int(len(rows))
        self.data = self.data.loc[~mask]


def clean_transactions(
    loaded: LoadedTransactions,
    cleaning: CleaningSettings,
    analysis: AnalysisSettings,
) -> CleaningResult:
    data = loaded.transactions
    q = _Quarantine(data)
    changed: dict[str, int] = {}

    q.drop(q.data["customer_id"].isna(), "missing_customer")
    q.drop(q.data["date"].isna(), "missing_date")
    q.drop(q.data["amount"].isna(), "missing_amount")
    if cleaning.exclude_products and "product" in q.data:
        q.drop(q.data["product"].isin(cleaning.exclude_products), "excluded_product")
    if cleaning.drop_exact_duplicates:
        raw_kept = loaded.raw.loc[loaded.raw[ROW].isin(q.data[ROW])]
        duplicated_rows = raw_kept.loc[raw_kept.drop(columns=ROW).duplicated(keep="first"), ROW]
        q.drop(q.data[ROW].isin(duplicated_rows), "exact_duplicate")
    if cleaning.cancellation_prefix and "invoice" in q.data:
        is_cancel = q.data["invoice"].fillna("").str.startswith(cleaning.cancellation_prefix)
        if cleaning.cancellations == "drop":
            q.drop(is_cancel, "cancellation")
        elif is_cancel.any():
            changed["reduced_by_cancellation"] = _net_cancellations(q, is_cancel)
    nonpositive = q.data["amount"] < 0 if cleaning.zero_amounts == "keep" else q.data["amount"] <= 0
    q.drop(nonpositive, "nonpositive_amount")
    outside = pd.Series(False, index=q.data.index)
    if analysis.observation_start is not None:
        outside |= q.data["date"] < pd.Timestamp(analysis.observation_start)
    if analysis.observation_end is not None:
        outside |= q.data["date"] >= pd.Timestamp(analysis.observation_end) + pd.Timedelta(days=1)
    q.drop(outside, "outside_window")

    kept = q.data
    transactions = merge_same_day(kept) if cleaning.merge_same_day else _one_per_row(kept)
    changed["merged_same_day"] = int(len(kept) - len(transactions))

    reasons = pd.Series(q.reasons, name="reason", dtype="string")
    quarantine = loaded.raw.loc[loaded.raw[ROW].isin(reasons.index)].copy()
    quarantine["reason"] = quarantine[ROW].map(reasons).astype("string")
    quarantine = quarantine.sort_values(ROW, kind="stable").reset_index(drop=True)
    return CleaningResult(
        transactions=transactions,
        quarantine=quarantine,
        dropped=q.dropped,
        changed=changed,
        input_rows=int(len(data)),
        kept_rows=int(len(kept)),
    )


def _net_cancellations(q: _Quarantine, is_cancel: pd.Series) -> int:
    """Net each cancellation against the purchase it reverses; return purchases reduced."""
    keys = ["customer_id"] + (["product"] if "product" in q.data else [])
    cancels = q.data.loc[is_cancel, [ROW, "date", "amount", *keys]]
    purchases = q.data.loc[~is_cancel & (q.data["amount"] > 0), [ROW, "date", *keys]]
    matched = pd.merge_asof(
        cancels.sort_values("date", kind="stable"),
        purchases.rename(columns={ROW: "purchase_row"}).sort_values("date", kind="stable"),
        on="date",
        by=keys,
        direction="backward",
        allow_exact_matches=True,
    )
    netted = matched["purchase_row"].notna()
    netted_rows = set(matched.loc[netted, ROW])
    q.drop(q.data[ROW].isin(netted_rows), "cancellation_netted")
    q.drop(q.data[ROW].isin(set(matched.loc[~netted, ROW])), "cancellation_unmatched")

    cancelled = matched.loc[netted].groupby("purchase_row")["amount"].sum().abs()
    target = q.data[ROW].map(cancelled)
    hit = target.notna()
    remaining = q.data["amount"] - target.fillna(0.0)
    # a cent is the smallest amount that is still a purchase
    full = hit & (remaining < 0.005)
    q.data = q.data.assign(amount=remaining.where(hit, q.data["amount"]))
    q.drop(full, "cancelled_in_full")
    return int((hit & ~full).sum())


def merge_same_day(kept: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and day: amounts (and quantities) summed, input rows counted."""
    day = kept["date"].dt.normalize()
    frame = kept.assign(date=day)
    aggregations = {"amount": ("amount", "sum"), "n_lines": (ROW, "size"), "first_row": (ROW, "min")}
    if "quantity" in frame:
        aggregations["quantity"] = ("quantity", "sum")
    if "segment" in frame:
        aggregations["segment"] = ("segment", "first")
    merged = frame.groupby(["customer_id", "date"], sort=True, observed=True).agg(**aggregations)
    merged = merged.reset_index().drop(columns="first_row")
    merged["n_lines"] = merged["n_lines"].astype("int64")
    merged["customer_id"] = merged["customer_id"].astype("string")
    return merged


def _one_per_row(kept: pd.DataFrame) -> pd.DataFrame:
    frame = kept.drop(columns=[c for c in ("invoice", "product") if c in kept]).copy()
    frame["n_lines"] = np.int64(1)
    return frame.drop(columns=ROW).sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
