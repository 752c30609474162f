"""The course's worked CLV example (../shared/reference/published_values.md)."""

from __future__ import annotations

import pytest

from analysis.clv.textbook import margin_multiple, textbook_clv

REVENUE = [1000, 1500, 2000, 2000, 2000]


def test_course_example_end_of_year():
    # acquisition 2,500; retention cost 500 a year; 15%; 5 years; flows at the end of each year
    assert textbook_clv(REVENUE, 500, discount_rate=0.15, acquisition_cost=2500) == pytest.approx(1280.60, abs=0.005)


def test_course_example_start_of_year():
    assert textbook_clv(REVENUE, 500, discount_rate=0.15, acquisition_cost=2500, timing="start") == pytest.approx(
        1847.68, abs=0.005)


def test_retention_probability_and_margin_multiple():
    # a constant margin of 100 with retention 0.8 at 10% over a long horizon tends to 100 r/(1+i-r)
    long = textbook_clv([100] * 400, 0, discount_rate=0.10, retention=0.8)
    # the first year's flow is certain here; the multiple counts it with probability r
    assert long * 0.8 == pytest.approx(100 * margin_multiple(0.8, 0.10), rel=1e-9)
    assert margin_multiple(0.8, 0.10) == pytest.approx(0.8 / 0.3)
