"""Chapters degrade, studies survive (issue 12), on whole studies of logs with too few customers or
purchases: the study is published with every chapter or model the data cannot support named, with
its reason, in the text. The cases and the check are in tests/odd_data.py; the odd values and
windows run in tests/test_degrade.py (one file per xdist worker)."""

from __future__ import annotations

import pytest

from odd_data import SPARSE_CASES, assert_published_with_what_is_not_estimable


@pytest.mark.slow
@pytest.mark.parametrize("case", SPARSE_CASES)
def test_odd_data_publishes_the_study_with_what_is_not_estimable(case, tmp_path, capsys):
    assert_published_with_what_is_not_estimable(case, tmp_path, capsys)
