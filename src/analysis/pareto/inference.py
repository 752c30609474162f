"""Uncertainty of the top-q share: influence function, bootstrap, tests against 80/20.

References
----------
Beach, C. M. & Davidson, R. (1983). Distribution-free statistical inference with Lorenz curves and
income shares. Review of Economic Studies 50(4), 723–735.
Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power approach
for assessing the equivalence of average bioavailability. J. Pharmacokinetics 15(6), 657–680.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .measures import _sorted_values, lorenz_at


def influence_values(values, q: float = 0.2) -> np.ndarray:
    """Influence function of S(q) = 1 − L(1 − q) at each observation.

    For the Lorenz ordinate at p with quantile ξ_p and mean μ,
    IF(x; L(p)) = [(x − ξ_p)·1{x ≤ ξ_p} + p·ξ_p − L(p)·x] / μ   (Beach & Davidson 1983),
    and IF(x; S) = −IF(x; L(1 − q)).
    """
    x = np.asarray(values, float)
    sorted_x = _sorted_values(x)
    p = 1.0 - q
    mu = sorted_x.mean()
    xi = sorted_x[min(int(np.ceil(p * sorted_x.size)) - 1, sorted_x.size - 1)] if p > 0 else 0.0
    lorenz = lorenz_at(sorted_x, p)
    return -((x - xi) * (x <= xi) + p * xi - lorenz * x) / mu


def influence_se(values, q: float = 0.2) -> float:
    psi = influence_values(values, q)
    return float(np.sqrt(np.mean(psi**2) / psi.size))


def bootstrap_top_share(values, q: float = 0.2, *, n_boot: int = 2000, rng: np.random.Generator,
                        block: int = 50, workers: int | None = None) -> np.ndarray:
    """Bootstrap replicates of the top-q share without re-sorting.

    The values are sorted once; a replicate is a vector of counts (how often each sorted value is
    drawn: multinomial with equal probabilities, drawn as n uniform indices and counted). The
    replicate's sorted sample is the sorted values repeated by their counts, so its Lorenz ordinate
    at 1 − q comes from the cumulative counts and one dot product, interpolating at the boundary.
    Blocks of replicates run on parallel threads, each with its own child generator spawned from
    ``rng``, so the result does not depend on the number of threads.
    """
    x = _sorted_values(values)
    n = x.size
    position = (1.0 - q) * n
    whole = int(np.floor(position))
    partial = position - whole

    def run_block(generator: np.random.Generator, size: int) -> np.ndarray:
        out = np.empty(size)
        for k in range(size):
            counts = np.bincount(generator.integers(0, n, n), minlength=n)
            cum_counts = np.cumsum(counts)
            counts = counts.astype(np.float64)  # numpy's integer-by-float dot is far slower than BLAS
            j = int(np.searchsorted(cum_counts, whole, side="right"))  # values wholly below
            below = float(counts[:j].dot(x[:j]))
            taken = int(cum_counts[j - 1]) if j > 0 else 0
            straddle = (whole - taken + partial) * x[j] if j < n else 0.0
            out[k] = 1.0 - (below + straddle) / float(counts.dot(x))
        return out

    sizes = [min(block, n_boot - start) for start in range(0, n_boot, block)]
    generators = rng.spawn(len(sizes))
    workers = workers or min(len(sizes), os.cpu_count() or 1)
    if workers <= 1:
        return np.concatenate([run_block(g, s) for g, s in zip(generators, sizes)])
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return np.concatenate(list(pool.map(run_block, generators, sizes)))


def naive_bootstrap_top_share(values, q: float = 0.2, *, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Reference implementation: resample, sort, compute — used to test and benchmark the above."""
    x = np.asarray(values, float)
    out = np.empty(n_boot)
    for b in range(n_boot):
        sample = np.sort(x[rng.integers(0, x.size, x.size)])
        out[b] = 1.0 - lorenz_at(sample, 1.0 - q)
    return out


def percentile_interval(replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    tail = (1 - level) / 2
    return float(np.quantile(replicates, tail)), float(np.quantile(replicates, 1 - tail))


def bca_interval(replicates: np.ndarray, estimate: float, influence: np.ndarray,
                 level: float = 0.95) -> tuple[float, float]:
    """Bias-corrected and accelerated interval (Efron 1987), acceleration from the influence values."""
    proportion = np.clip(np.mean(replicates < estimate), 1e-6, 1 - 1e-6)
    z0 = stats.norm.ppf(proportion)
    acceleration = np.sum(influence**3) / (6 * np.sum(influence**2) ** 1.5)
    bounds = []
    for alpha in ((1 - level) / 2, (1 + level) / 2):
        z = stats.norm.ppf(alpha)
        adjusted = stats.norm.cdf(z0 + (z0 + z) / (1 - acceleration * (z0 + z)))
        bounds.append(float(np.quantile(replicates, adjusted)))
    return bounds[0], bounds[1]


@dataclass(frozen=True)
class ShareTests:
    p_value_80: float  # one-sided, H0: share ≥ 0.8
    tost_p_value: float  # H0: |share − 0.8| ≥ margin
    equivalent: bool
    margin: float


def tests_against_80(share: float, se: float, *, margin: float = 0.05, alpha: float = 0.05) -> ShareTests:
    """One-sided z-test of H0: S ≥ 0.8 and the TOST equivalence test of S ≈ 0.8 ± margin."""
    p_value = float(stats.norm.cdf((share - 0.8) / se))
    p_lower = 1 - stats.norm.cdf((share - (0.8 - margin)) / se)
    p_upper = stats.norm.cdf((share - (0.8 + margin)) / se)
    tost = float(max(p_lower, p_upper))
    return ShareTests(p_value_80=p_value, tost_p_value=tost, equivalent=tost < alpha, margin=margin)


def holm_adjust(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979)."""
    p = np.asarray(p_values, float)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty_like(p)
    running = 0.0
    m = p.size
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * p[index])
        adjusted[index] = min(1.0, running)
    return adjusted
