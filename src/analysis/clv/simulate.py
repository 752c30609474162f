"""Seeded draws of customer summaries from each model, with known parameters (for recovery tests).

Every customer is observed for ``T`` periods from a first purchase at time 0.
"""

from __future__ import annotations

import numpy as np


def _purchases_while_alive(rng, rate, lifetime, T):
    """Repeat purchase count and time of the last purchase for Poisson purchasing until
    min(lifetime, T): given n events in [0, L], their times are uniform, the last is the maximum."""
    horizon = np.minimum(lifetime, T)
    n = rng.poisson(rate * horizon)
    last = np.where(n > 0, horizon * rng.beta(np.maximum(n, 1), 1.0), 0.0)
    return n.astype(float), last


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T: float | np.ndarray, seed: int = 0):
    """(frequency, recency, T) under BG/NBD: dropout only after repeat purchases."""
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, float), (n,)).copy()
    rate = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    frequency, recency = np.zeros(n), np.zeros(n)
    clock = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        clock[idx] += rng.exponential(1.0, idx.size) / rate[idx]
        bought = clock[idx] <= T[idx]
        done = idx[~bought]
        alive[done] = False
        idx = idx[bought]
        frequency[idx] += 1
        recency[idx] = clock[idx]
        alive[idx[rng.random(idx.size) < p[idx]]] = False
    return frequency, recency, T


def simulate_paretonbd(n: int, r: float, alpha: float, s: float, beta: float, T: float | np.ndarray, seed: int = 0):
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, float), (n,)).copy()
    rate = rng.gamma(r, 1 / alpha, n)
    lifetime = rng.exponential(1.0, n) / rng.gamma(s, 1 / beta, n)
    frequency, recency = _purchases_while_alive(rng, rate, lifetime, T)
    return frequency, recency, T


def simulate_gammagamma(frequency: np.ndarray, p: float, q: float, gamma: float, seed: int = 0):
    """Mean spend of each customer's ``frequency`` transactions (0 when none)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, float)
    nu = rng.gamma(q, 1 / gamma, x.size)
    # the sum of x Gamma(p, ν) values is Gamma(p x, ν)
    totals = np.where(x > 0, rng.gamma(np.maximum(p * x, 1e-12), 1.0) / nu, 0.0)
    return np.where(x > 0, totals / np.maximum(x, 1), 0.0)
