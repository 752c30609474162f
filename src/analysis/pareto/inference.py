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
from itertools import accumulate

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


# The sorted values are cut into a band around the cutoff rank and power-of-two chunks below and
# above it. A chunk of 2**14 float64 (128 KiB) stays in cache while its draws are gathered, and a
# power-of-two size lets 16 random bits, masked, pick a position in it without rejection.
_LARGEST_CHUNK = 1 << 14
_SMALLEST_CHUNK = 1 << 10
_BAND_SD = 8.0  # band half-width in binomial sds: the cutoff misses the band with p < 1e-14


@dataclass(frozen=True)
class _Layout:
    chunk_starts: list[int]
    chunk_sizes: list[int]
    n_lower: int  # chunks below the band come first
    band_start: int
    band_stop: int
    probabilities: np.ndarray  # chunks then band, by size
    whole: int  # the cutoff (1 − q)·n = whole + partial: the resample's Lorenz ordinate sums the
    partial: float  # draws of rank < whole and the fraction partial of the draw of rank whole


def _power_of_two_sizes(length: int) -> list[int]:
    sizes = []
    size = _LARGEST_CHUNK
    while size >= _SMALLEST_CHUNK:
        sizes += [size] * ((length - sum(sizes)) // size)
        size //= 2
    return sizes


def _layout(n: int, q: float, band_sd: float = _BAND_SD) -> _Layout:
    """Chunks covering positions safely below and above the cutoff rank; the band is the rest.

    The number of draws below position s is Binomial(n, s/n), with standard deviation at most √n/2.
    """
    position = (1.0 - q) * n
    whole = int(np.floor(position))
    margin = band_sd * np.sqrt(n) / 2
    lower = _power_of_two_sizes(max(0, int(np.floor(whole - margin))))
    upper = _power_of_two_sizes(max(0, n - int(np.ceil(whole + 1 + margin))))
    band_start, band_stop = sum(lower), n - sum(upper)
    sizes = lower + upper
    starts = list(accumulate(lower, initial=0))[:-1]
    starts += list(accumulate(upper, initial=band_stop))[:-1]
    probabilities = np.array(sizes + [band_stop - band_start], float) / n
    return _Layout(starts, sizes, len(lower), band_start, band_stop, probabilities,
                   whole, position - whole)


def _replicate(generator: np.random.Generator, x: np.ndarray, layout: _Layout, q: float, *,
               sort_all: bool = False) -> float:
    """One bootstrap replicate of the top-q share of the sorted values ``x``.

    n uniform draws from x are, as a multiset, a multinomial split of n over the chunks and the band
    followed by uniform draws inside each. Only the band's draws are sorted; the chunks contribute
    their sums, unless the cutoff rank falls outside the band (or ``sort_all``), when all the draws
    are sorted. Tests use ``sort_all`` to check the sums against sorting the same draws.
    """
    n = x.size
    counts = generator.multinomial(n, layout.probabilities).tolist() if layout.chunk_sizes else [n]
    band_values = x[layout.band_start:layout.band_stop]
    band = band_values.take(generator.integers(0, band_values.size, counts[-1]))
    in_chunks = n - counts[-1]
    bits = generator.integers(0, 2**64, -(-in_chunks // 4), dtype=np.uint64).view(np.uint16)
    drawn = []
    taken = 0
    for start, size, count in zip(layout.chunk_starts, layout.chunk_sizes, counts):
        offsets = bits[taken:taken + count]
        offsets &= size - 1
        drawn.append(x[start:start + size].take(offsets))
        taken += count
    rank = layout.whole - sum(counts[:layout.n_lower])  # the cutoff's rank among the band's draws
    if sort_all or not 0 <= rank < band.size:
        return 1.0 - lorenz_at(np.sort(np.concatenate([band, *drawn])), 1.0 - q)
    band.sort()
    lower = sum(values.sum() for values in drawn[:layout.n_lower])
    upper = sum(values.sum() for values in drawn[layout.n_lower:])
    below = lower + band[:rank].sum() + layout.partial * band[rank]
    return 1.0 - below / (lower + band.sum() + upper)


def bootstrap_top_share(values, q: float = 0.2, *, n_boot: int = 2000, rng: np.random.Generator,
                        block: int = 50, workers: int | None = None) -> np.ndarray:
    """Bootstrap replicates of the top-q share without re-sorting each resample.

    The values are sorted once. A replicate's Lorenz ordinate at 1 − q needs the order of its draws
    only near the cutoff rank, so draws of positions well below or above it (drawn chunk by chunk,
    see ``_replicate``) are only summed, and only those in a narrow band around the cutoff are
    sorted. This is an exact bootstrap: the replicates have the distribution of resampling and
    sorting. Blocks of replicates run on parallel threads, each with its own child generator spawned
    from ``rng``, so the result does not depend on the number of threads.
    """
    x = _sorted_values(values)
    layout = _layout(x.size, q, _BAND_SD)

    def run_block(generator: np.random.Generator, size: int) -> np.ndarray:
        return np.array([_replicate(generator, x, layout, q) for _ in range(size)])

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
