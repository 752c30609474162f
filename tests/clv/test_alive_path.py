"""Future P(alive) and the alive path.

P(alive at T + t | x, t_x, T, no purchase in (T, T + t]) is P(alive) with T → T + t (the silent
stretch extends the observation window); checked here against simulated customers, which know
whether they are alive."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis.clv import BetaGeo, ParetoNBD
from analysis.models.simulate import simulate_bgnbd

matplotlib.use("Agg")

BGNBD_TRUE = (0.243, 4.414, 0.793, 2.426)
PARETO_TRUE = (0.553, 10.578, 0.606, 11.669)


@pytest.fixture(scope="module")
def fits():
    """Results objects carrying the true parameters (fitted on a small sample, then replaced)."""
    x, t_x, T = simulate_bgnbd(500, *BGNBD_TRUE, T=39.0, seed=1)
    return BetaGeo(x, t_x, T).fit().with_params(BGNBD_TRUE), ParetoNBD(x, t_x, T).fit().with_params(PARETO_TRUE)


@pytest.mark.parametrize("which", [0, 1])
def test_future_p_alive_is_p_alive_with_the_window_extended(fits, which):
    fitted = fits[which]
    x, t_x, T = np.array([0.0, 1.0, 4.0]), np.array([0.0, 10.0, 30.0]), np.array([39.0, 39.0, 39.0])
    assert np.array_equal(fitted.future_probability_alive(0.0, x, t_x, T), fitted.probability_alive(x, t_x, T))
    later = np.array([fitted.future_probability_alive(t, x, t_x, T) for t in (0.0, 5.0, 20.0, 100.0)])
    assert np.array_equal(later[2], fitted.probability_alive(x, t_x, T + 20.0))
    repeat = x > 0 if which == 0 else np.ones(3, bool)  # BG/NBD: no repeat purchase, no dropout: 1 throughout
    assert np.all(np.diff(later[:, repeat], axis=0) < 0)
    with pytest.raises(ValueError, match="0 or more"):
        fitted.future_probability_alive(-1.0, x, t_x, T)


def test_paretonbd_future_p_alive_matches_simulated_silent_customers(fits):
    # customers with no purchase at all by T + t: the share still alive (lifetime > T + t)
    rng = np.random.default_rng(5)
    r, alpha, s, beta = PARETO_TRUE
    n, T, t = 400_000, 20.0, 15.0
    rate = rng.gamma(r, 1 / alpha, n)
    lifetime = rng.exponential(1.0, n) / rng.gamma(s, 1 / beta, n)
    silent = rng.poisson(rate * np.minimum(lifetime, T + t)) == 0
    alive = lifetime[silent] > T + t
    se = np.sqrt(alive.mean() * (1 - alive.mean()) / alive.size)
    predicted = fits[1].future_probability_alive(t, [0.0], [0.0], [T])[0]
    assert abs(alive.mean() - predicted) < 4 * se, (alive.mean(), predicted, se)


def test_bgnbd_future_p_alive_matches_simulated_silent_customers(fits):
    # customers with exactly one repeat purchase, at a time in [9.5, 10.5], and none after it up to
    # T + t: the share not dropped out
    rng = np.random.default_rng(6)
    r, alpha, a, b = BGNBD_TRUE
    n, T, t = 1_000_000, 20.0, 15.0
    rate, dropout = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    first_repeat = rng.exponential(1.0, n) / rate
    second = first_repeat + rng.exponential(1.0, n) / rate
    dropped = rng.random(n) < dropout  # after the first repeat purchase
    chosen = (first_repeat >= 9.5) & (first_repeat <= 10.5) & (dropped | (second > T + t))
    alive = ~dropped[chosen]
    se = np.sqrt(alive.mean() * (1 - alive.mean()) / alive.size)
    grid = np.linspace(9.5, 10.5, 21)
    predicted = fits[0].future_probability_alive(t, np.ones(21), grid, np.full(21, T)).mean()
    assert abs(alive.mean() - predicted) < 4 * se + 1e-3, (alive.mean(), predicted, se)


@pytest.mark.parametrize("which", [0, 1])
def test_alive_path_rises_at_purchases_and_falls_between(fits, which):
    fitted = fits[which]
    purchases = np.array([3.0, 5.0, 11.0, 12.5, 30.0])  # first purchase at 3 (the customer's time 0)
    end = 45.0
    grid = np.linspace(3.0, end, 200)
    path = fitted.alive_path(purchases, grid)
    # the last point is P(alive) at the observation end: x = 4 repeat purchases, t_x = 27, T = 42
    assert path["time"].iloc[-1] == end
    assert path["p_alive"].iloc[-1] == pytest.approx(fitted.probability_alive([4.0], [27.0], [42.0])[0], rel=1e-14)
    for k, time in enumerate(purchases[1:], start=1):
        before = path[(path["time"] == time) & (path["purchases"] == k - 1)]["p_alive"].iloc[0]
        after = path[(path["time"] == time) & (path["purchases"] == k)]["p_alive"].iloc[0]
        if which == 0 and k == 1:
            # BG/NBD: before the first repeat purchase nobody can have dropped out (P = 1); right
            # after it, P(alive) = 1 / (1 + a/b)
            a, b = BGNBD_TRUE[2:]
            assert before == 1.0 and after == pytest.approx(1 / (1 + a / b), rel=1e-12)
        else:
            assert after > before
            if which == 1:
                assert after == pytest.approx(1.0)  # Pareto/NBD: just seen buying, certainly alive
    # between purchases P(alive) falls (BG/NBD: flat at 1 before the first repeat purchase)
    for count, segment in path.groupby("purchases"):
        values = segment.sort_values("time")["p_alive"].to_numpy()
        if which == 0 and count == 0:
            assert np.all(values == 1.0)
        else:
            assert np.all(np.diff(values) < 0)
    with pytest.raises(ValueError, match="before the first purchase"):
        fitted.alive_path(purchases, [1.0, 10.0])


def test_alive_path_with_covariates_and_its_figure():
    from analysis.plots.clv import alive_path as plot_alive_path

    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"vip": rng.integers(0, 2, 800).astype(float)})
    x, t_x, T = simulate_bgnbd(800, *BGNBD_TRUE, T=39.0, seed=9)
    fitted = BetaGeo(x, t_x, T, covariates=frame).fit()
    purchases, grid = [0.0, 4.0, 9.0], np.linspace(0, 39.0, 40)
    path = fitted.alive_path(purchases, grid, covariates=frame.iloc[[1]])
    assert path["p_alive"].iloc[-1] == pytest.approx(
        fitted.probability_alive([2.0], [9.0], [39.0], covariates=frame.iloc[[1]])[0], rel=1e-14)
    figure = plot_alive_path(path, period="week", observation_end=39.0)
    line = figure.axes[0].lines[0]
    assert np.array_equal(line.get_ydata(), path["p_alive"].to_numpy())
    markers = [line for line in figure.axes[0].lines if line.get_marker() == "v"]
    assert list(markers[0].get_xdata()) == [4.0, 9.0]  # one marker per repeat purchase
