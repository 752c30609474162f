"""A simulated satisfaction survey of given customers, with a known effect on repeat purchase.

It exists so that the link analysis (:mod:`analysis.satisfaction.link`) can be checked against a
truth: every report built on it must say that the answers are simulated.

Generative model, for customer i with past repeat purchases f_i (the summary's ``frequency``,
or ``frequency_cal`` when the survey is placed at the calibration end), and g_i = log(1 + f_i):

1. response: i answers with probability logistic(response_intercept + response_slope g_i), so that
   frequent buyers answer more often (a survey bias the respondent comparison must find);
2. latent satisfaction: eta_i ~ Normal(satisfaction_slope (g_i - mean g), 1);
3. overall satisfaction on 1-5 (an ordered logit): overall_i = 1 + #{c : eta_i + e_i > cut_c},
   e_i ~ Logistic(0, 1), cuts (-2, -0.5, 0.5, 2);
4. items on 1-5 for each dimension d: round(3 + 0.9 (0.8 eta_i + 0.6 xi_id) + Normal(0, 0.7)),
   clipped to 1-5, xi_id ~ Normal(0, 1) (three items per dimension);
5. likelihood to recommend on 0-10: round(7 + 1.5 eta_i + Normal(0, 1.5)), clipped to 0-10;
6. repeat purchase after the survey: Bernoulli(logistic(repeat_intercept + frequency_effect g_i +
   satisfaction_effect (overall_i - 3))).

``satisfaction_effect`` is the true log-odds of buying again per point of reported overall
satisfaction, holding g fixed: a logit of the outcome on ``overall`` and ``log1p(frequency)``
estimates it without bias. Because satisfaction also rises with g, leaving g out biases it upwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

CUTS = np.array([-2.0, -0.5, 0.5, 2.0])
DIMENSIONS = ("Service", "Product", "Price")


@dataclass(frozen=True)
class SimulatedSurvey:
    """The simulated survey of the respondents and the simulated outcome of every respondent."""

    survey: pd.DataFrame          # customer_id, items (Service1..Price3), overall, recommend
    outcome: pd.DataFrame         # customer_id, repeat_purchase (0/1) after the survey
    truth: dict[str, float] = field(default_factory=dict)
    dimensions: dict[str, list[str]] = field(default_factory=dict)
    simulated: bool = True


def simulate_survey(customers: pd.DataFrame, seed: int, *, frequency: str = "frequency",
                    id_column: str = "customer_id", response_intercept: float = -1.5,
                    response_slope: float = 0.8, satisfaction_slope: float = 0.4,
                    repeat_intercept: float = -0.8, frequency_effect: float = 0.6,
                    satisfaction_effect: float = 0.5) -> SimulatedSurvey:
    """Simulate the survey of ``customers`` (one row each, with ``id_column`` and ``frequency``).

    The draws depend only on ``seed`` and the customers sorted by id, not on their row order.
    """
    rng = np.random.default_rng(seed)
    ordered = customers[[id_column, frequency]].astype({id_column: str}).sort_values(id_column, kind="stable")
    g = np.log1p(ordered[frequency].to_numpy(float))
    n = len(ordered)
    responds = rng.random(n) < expit(response_intercept + response_slope * g)
    eta = rng.normal(satisfaction_slope * (g - g.mean()), 1.0)
    overall = 1 + (eta[:, None] + rng.logistic(size=n)[:, None] > CUTS[None, :]).sum(axis=1)
    items, dimensions = {}, {}
    for dimension in DIMENSIONS:
        xi = rng.normal(size=n)
        names = [f"{dimension}{k}" for k in range(1, 4)]
        for name in names:
            answer = np.rint(3 + 0.9 * (0.8 * eta + 0.6 * xi) + rng.normal(scale=0.7, size=n))
            items[name] = np.clip(answer, 1, 5).astype(int)
        dimensions[dimension] = names
    recommend = np.clip(np.rint(7 + 1.5 * eta + rng.normal(scale=1.5, size=n)), 0, 10).astype(int)
    repeat = rng.random(n) < expit(repeat_intercept + frequency_effect * g + satisfaction_effect * (overall - 3))
    ids = ordered[id_column].to_numpy()
    survey = pd.DataFrame({id_column: ids, **items, "overall": overall, "recommend": recommend})[responds]
    outcome = pd.DataFrame({id_column: ids, "repeat_purchase": repeat.astype(int)})[responds]
    truth = {"satisfaction_effect": satisfaction_effect, "frequency_effect": frequency_effect,
             "repeat_intercept": repeat_intercept, "response_slope": response_slope,
             "satisfaction_slope": satisfaction_slope}
    return SimulatedSurvey(survey.reset_index(drop=True), outcome.reset_index(drop=True), truth, dimensions)
