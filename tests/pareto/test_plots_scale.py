"""Figures of one point per customer draw a bounded number of points at 10^5+ customers and look
the same: the thinned Lorenz curve stays within a fraction of a pixel of the full one."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from analysis.pareto.measures import lorenz_curve
from analysis.plots import CURVE_VERTICES, curve_vertices, log_spaced_ranks
from analysis.plots import pareto as plots

VALUES = np.random.default_rng(3).lognormal(3.0, 1.5, 200_000)


def test_curve_vertices_keep_small_curves_and_both_ends():
    np.testing.assert_array_equal(curve_vertices(7), np.arange(7))
    drawn = curve_vertices(1_000_001)
    assert drawn[0] == 0 and drawn[-1] == 1_000_000 and drawn.size <= CURVE_VERTICES
    assert np.all(np.diff(drawn) > 0)


def test_thinned_lorenz_curve_is_within_a_tenth_of_a_percent_of_the_full_one():
    """A 500-pixel axis has a pixel every 0.2% of its range; the polyline through at most 2,000 vertices,
    read at every customer, is at most 0.1% of the total value off the exact curve."""
    figure = plots.lorenz(VALUES, 0.5)
    line = figure.axes[0].lines[0]
    x, y = line.get_xdata(), line.get_ydata()
    assert x.size <= CURVE_VERTICES
    p, curve = lorenz_curve(VALUES)
    exact_x, exact_y = 1 - p[::-1], 1 - curve[::-1]
    assert np.max(np.abs(np.interp(exact_x, x, y) - exact_y)) < 1e-3
    plt.close(figure)


def test_tail_figure_draws_the_largest_customers_and_log_spaced_others():
    figure = plots.tail(VALUES, float(np.quantile(VALUES, 0.9)), 1.2)
    drawn = figure.axes[0].lines[0].get_xdata()
    count, positive = plots.tail_points_drawn(VALUES)
    assert drawn.size == count <= plots.TAIL_POINTS and positive == VALUES.size
    largest = np.sort(VALUES)[-plots.TAIL_TOP:]
    assert np.isin(largest, drawn).all()
    plt.close(figure)
    assert plots.tail_points_drawn(VALUES[:500]) == (500, 500)
    np.testing.assert_array_equal(log_spaced_ranks(500, 1000, 10), np.arange(500))


def test_clv_distribution_histogram_has_seaborns_log_bins_and_counts():
    """The CLV histogram counts every customer worth a cent or more in 40 log-spaced bins (the bins
    seaborn's ``histplot(log_scale=True, bins=40)`` made); the Lorenz curve is thinned as above."""
    from analysis.plots import clv as clv_plots

    values = VALUES.copy()
    values[:1000] = 0.001  # below a cent: left out of the histogram
    figure = clv_plots.clv_distribution(values)
    bars = figure.axes[0].patches
    assert len(bars) == 40
    assert sum(bar.get_height() for bar in bars) == values.size - 1000
    assert figure.axes[1].lines[0].get_xdata().size <= CURVE_VERTICES
    plt.close(figure)
