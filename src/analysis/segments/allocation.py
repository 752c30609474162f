"""Spending a contact budget across customer classes.

Contacting a customer of class c costs k_c and is assumed to raise the class's predicted CLV by a
share u_c (assumptions from the config, printed in the report). With x_c the share of the class
contacted (at most its reachable share), the expected gain Σ n_c x_c u_c v̄_c is maximised subject to
Σ n_c x_c k_c ≤ budget. This is a fractional knapsack, so filling classes in order of gain per unit
of cost (u_c v̄_c / k_c) is optimal (Dantzig 1957); it is compared with spreading the budget evenly
(every reachable customer contacted with the same probability).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _classes(table: pd.DataFrame, responses: dict) -> pd.DataFrame:
    rows = []
    for name, row in table.iterrows():
        response = responses.get(name)
        if response is None or row["customers"] == 0:
            continue
        mean_clv = row["predicted_clv"] / row["customers"]
        gain = response.uplift * mean_clv
        rows.append({"class": name, "customers": int(row["customers"]), "reachable": int(np.floor(response.max_share * row["customers"])),
                     "cost_per_contact": response.cost_per_contact, "gain_per_contact": gain,
                     "ratio": gain / response.cost_per_contact if response.cost_per_contact > 0 else np.inf})
    return pd.DataFrame(rows).set_index("class")


def allocate(table: pd.DataFrame, responses: dict, budget: float) -> dict:
    classes = _classes(table, responses)
    order = classes.sort_values("ratio", ascending=False, kind="stable")
    remaining = budget
    contacts = pd.Series(0.0, index=classes.index)
    for name, row in order.iterrows():
        if row["gain_per_contact"] <= 0:
            continue
        affordable = remaining / row["cost_per_contact"] if row["cost_per_contact"] > 0 else row["reachable"]
        contacts[name] = min(row["reachable"], affordable)
        remaining -= contacts[name] * row["cost_per_contact"]
        if remaining <= 1e-9:
            break
    optimal_gain = float((contacts * classes["gain_per_contact"]).sum())
    reachable_cost = float((classes["reachable"] * classes["cost_per_contact"]).sum())
    even_share = min(1.0, budget / reachable_cost) if reachable_cost > 0 else 0.0
    even_contacts = classes["reachable"] * even_share
    even_gain = float((even_contacts * classes["gain_per_contact"]).sum())
    plan = classes.assign(contacts=contacts, spend=contacts * classes["cost_per_contact"],
                          expected_gain=contacts * classes["gain_per_contact"],
                          even_contacts=even_contacts, even_gain=even_contacts * classes["gain_per_contact"])
    spent = float(plan["spend"].sum())
    paying = plan.index[plan["gain_per_contact"] > plan["cost_per_contact"]].tolist()
    # when the budget reaches every reachable customer, the plan and the even spread contact the
    # same people: there is no targeting to speak of
    same_as_even = bool(np.allclose(contacts.to_numpy(float), even_contacts.to_numpy(float), rtol=1e-9, atol=1e-9))
    return {"plan": plan, "budget": budget, "spent": spent, "expected_gain": optimal_gain,
            "even_gain": even_gain, "gain_ratio": optimal_gain / even_gain if even_gain > 0 else None,
            "return_per_dollar": optimal_gain / spent if spent > 0 else None, "classes_that_pay_back": paying,
            "same_as_even": same_as_even, "budget_used_up": bool(spent >= budget * (1 - 1e-9))}


def sensitivity(table: pd.DataFrame, responses: dict, budget: float) -> pd.DataFrame:
    rows = []
    for budget_factor in (0.5, 1.0, 2.0):
        for uplift_factor in (0.5, 1.0, 1.5):
            scaled = {k: v.model_copy(update={"uplift": v.uplift * uplift_factor}) for k, v in responses.items()}
            result = allocate(table, scaled, budget * budget_factor)
            rows.append({"budget": budget * budget_factor, "uplift_factor": uplift_factor,
                         "expected_gain": result["expected_gain"], "even_gain": result["even_gain"],
                         "return_per_dollar": result["expected_gain"] / result["spent"] if result["spent"] else None})
    return pd.DataFrame(rows)
