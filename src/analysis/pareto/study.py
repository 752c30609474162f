"""The 80/20 chapter's analysis: one function from the clean data to the ``pareto`` results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from ..chapters.readiness import MIN_CUSTOMERS  # the same limit validate applies
from ..core.errors import NotEstimable, not_estimable
from ..data.transaction_log import TransactionLog, as_log
from . import inference, measures
from .cost import whale_curve
from .settings import ParetoSettings
from .tail import fit_power_law_tail, tail_aware_bootstrap
from .windows import persistence, window_shares


@dataclass
class Concentration:
    """Top-q share of a value with its uncertainty (``analysis.pareto.concentration``)."""

    share: float
    ci: tuple[float, float]
    se: float
    bootstrap_se: float
    p_value_80: float
    tost_p_value: float
    equivalent_to_80: bool
    gini: float
    q: float
    n: int
    replicates: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"share": self.share, "ci": list(self.ci), "se": self.se, "bootstrap_se": self.bootstrap_se,
                "p_value_80": self.p_value_80, "tost_p_value": self.tost_p_value,
                "equivalent_to_80": self.equivalent_to_80, "gini": self.gini, "q": self.q, "n": self.n}


def concentration(values, q: float = 0.2, n_boot: int = 2000, seed: int | np.random.Generator = 0, *,
                  level: float = 0.95, margin: float = 0.05) -> Concentration:
    """Top-q share, its BCa bootstrap interval, influence-function SE and the 80/20 tests."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    values = np.asarray(values, float)
    # sorted once: the measures below sort again, but a stable sort of sorted values is one linear
    # pass; only the influence values keep the customers' order (their sums depend on it)
    ordered = np.sort(values, kind="stable")
    share = measures.top_share(ordered, q)
    psi = inference.influence_values(values, q)
    se = float(np.sqrt(np.mean(psi**2) / psi.size))
    replicates = inference.bootstrap_top_share(ordered, q, n_boot=n_boot, rng=rng)
    ci = inference.bca_interval(replicates, share, psi, level)
    tests = inference.tests_against_80(share, se, margin=margin)
    return Concentration(share=share, ci=ci, se=se, bootstrap_se=float(replicates.std(ddof=1)),
                         p_value_80=tests.p_value_80, tost_p_value=tests.tost_p_value,
                         equivalent_to_80=tests.equivalent, gini=measures.gini(ordered), q=q,
                         n=int(values.size), replicates=replicates)


def pareto_columns(settings: ParetoSettings, transactions: TransactionLog | pd.DataFrame) -> list[str]:
    """The customer-summary columns :func:`run_pareto` reads: the ids only when the log has segments
    (a segment is matched to its customers by id); at 10^7 customers the ids are the largest column."""
    columns = ["total_value", "n_transactions", "T"]
    if settings.cost.cost_column:
        columns.append(settings.cost.cost_column)
    return ["customer_id", *columns] if "segment" in as_log(transactions) else columns


def value_per_customer(customers: pd.DataFrame, settings: ParetoSettings) -> pd.Series:
    if settings.value_measure == "revenue":
        return customers["total_value"]
    if settings.value_measure == "purchases":
        return customers["n_transactions"].astype(float)
    return settings.cost.profit(customers).clip(lower=0)


def gamma_rate_top_share(r: float, q: float = 0.2) -> float:
    """Top-q share of purchase rates that are Gamma(r, ·) distributed: 1 − P(r + 1, P⁻¹(r, 1 − q)),
    P the regularised lower incomplete gamma (the mean of the top q over the mean of all)."""
    from scipy.special import gammainc, gammaincinv

    return float(1 - gammainc(r + 1, gammaincinv(r, 1 - q)))




@dataclass
class ParetoStudy:
    results: dict[str, Any]
    values: np.ndarray
    concentration: Concentration
    tail_replicates: np.ndarray | None
    windows: pd.DataFrame
    persistence: dict[str, Any]
    whale: Any
    segments: pd.DataFrame | None


def run_pareto(transactions: TransactionLog | pd.DataFrame, customers: pd.DataFrame, settings: ParetoSettings,
               rng: np.random.Generator) -> ParetoStudy:
    log = as_log(transactions)
    values = value_per_customer(customers, settings).to_numpy(dtype=float)
    if values.size < MIN_CUSTOMERS:
        raise NotEstimable("too few customers to measure how value is concentrated")
    if not np.any(values > 0):
        raise NotEstimable("no customer has a positive value, so no share of value can be measured")
    conc = concentration(values, settings.q, settings.n_boot, rng, level=settings.level,
                         margin=settings.equivalence_margin)
    # for the measures that sort the values themselves (see concentration)
    ordered = np.sort(values, kind="stable")
    try:
        tail = fit_power_law_tail(ordered[ordered > 0])
    except NotEstimable as exc:
        tail, tail_record = None, not_estimable(exc.reason)
    tail_replicates, trusted = None, {"interval": "bootstrap (BCa)", "ci": list(conc.ci)}
    if tail is not None:
        tail_record = tail.to_dict()
    if tail is None:
        trusted["rule"] = "no_tail"  # no power-law tail could be fitted: the bootstrap interval is used
    elif not tail.infinite_variance:
        trusted["rule"] = "finite_variance"  # survival exponent ≥ 2: the bootstrap holds
    elif tail.verdict == "lognormal":
        trusted["rule"] = "lognormal_tail"  # the tail is better described by a lognormal: finite variance
    else:
        tail_replicates = tail_aware_bootstrap(ordered, tail, settings.q, n_boot=min(settings.n_boot, 1000), rng=rng)
        tail_ci = list(inference.percentile_interval(tail_replicates, settings.level))
        if tail.verdict == "power law":
            # resampling the observed customers understates how large the largest can be
            trusted = {"interval": "tail-aware bootstrap", "ci": tail_ci, "rule": "power_law_tail"}
        else:
            # which tail holds cannot be told: the interval spans both answers
            trusted = {"interval": "union of BCa and tail-aware bootstrap",
                       "ci": [min(conc.ci[0], tail_ci[0]), max(conc.ci[1], tail_ci[1])],
                       "rule": "tail_undecided", "bca_ci": list(conc.ci), "tail_aware_ci": tail_ci}
    grid = {f"{q:g}": measures.top_share(ordered, q) for q in settings.q_grid}
    win = window_shares(log, months=settings.window_months, q=settings.q)
    pers = persistence(log, q=settings.q)
    profit = settings.cost.profit(customers)
    try:
        whale = whale_curve(profit.to_numpy())
        profit_record = whale.to_dict()
    except NotEstimable as exc:  # the concentration of value stands without the profit view
        whale, profit_record = None, not_estimable(exc.reason)
    segment_table = None
    if "segment" in log:
        segment_table = segment_shares(log, customers, values, settings)
    results = {
        "q": settings.q, "value_measure": settings.value_measure, "n_customers": int(values.size),
        "top_share": conc.share, "top_share_ci": list(conc.ci), "ci_level": settings.level,
        "se": conc.se, "bootstrap_se": conc.bootstrap_se, "p_value_80": conc.p_value_80,
        "tost": {"p_value": conc.tost_p_value, "equivalent": conc.equivalent_to_80,
                 "margin": settings.equivalence_margin},
        "gini": conc.gini, "xy_point": measures.xy_point(ordered), "hhi": measures.hhi(ordered),
        "top10_customers_share": measures.largest_share(ordered, 10), "shares": grid,
        "tail_index": tail.survival_exponent if tail is not None else None, "tail": tail_record,
        "trusted_interval": trusted,
        "windows": win.to_dict(orient="records"),
        "persistence": ({k: v for k, v in pers.items() if k != "transition"} if pers["customers"] else
                        not_estimable("no customer bought in the first half of the window, so persistence cannot be measured")),
        "profit": {**profit_record, "assumptions": settings.cost.model_dump(),
                   "total_profit": float(profit.sum())},
    }
    if segment_table is not None:
        results["segments"] = segment_table.to_dict(orient="records")
    return ParetoStudy(results=results, values=values, concentration=conc, tail_replicates=tail_replicates,
                       windows=win, persistence=pers, whale=whale, segments=segment_table)


def segment_shares(transactions: TransactionLog | pd.DataFrame, customers: pd.DataFrame, values: np.ndarray,
                   settings: ParetoSettings) -> pd.DataFrame:
    """Top-q share per segment (a customer's segment: that of their first purchase), with the
    one-sided test of H0: share ≥ 0.8 and Holm-adjusted p-values across segments."""
    first = as_log(transactions).first_per_customer("segment")
    segment = customers["customer_id"].map(first).fillna("(unknown)").to_numpy()
    rows = []
    for name in sorted(set(segment)):
        mask = segment == name
        part = values[mask]
        if mask.sum() < settings.min_segment_customers or part.sum() <= 0:
            continue
        share = measures.top_share(part, settings.q)
        se = inference.influence_se(part, settings.q)
        tests = inference.tests_against_80(share, max(se, 1e-12), margin=settings.equivalence_margin)
        rows.append({"segment": name, "customers": int(mask.sum()), "top_share": share, "se": se,
                     "p_value_80": tests.p_value_80})
    table = pd.DataFrame(rows)
    if not table.empty:
        table["p_value_80_holm"] = multipletests(table["p_value_80"].to_numpy(), method="holm")[1]
    return table
