"""The course's worked examples and the answers to notebook 00's exercises, computed independently."""

from __future__ import annotations

import pytest

from analysis import course


def test_clv_example_published():
    # published_values.md: 1,280.60 with flows at the end of each year, 1,847.68 at the start
    assert course.clv_example(timing="end") == 1280.60
    assert course.clv_example(timing="start") == 1847.68


def test_exercise_1_clv_at_ten_percent():
    # by hand: -2500 + 500/1.1 + 1000/1.1^2 + 1500/1.1^3 + 1500/1.1^4 + 1500/1.1^5
    by_hand = -2500 + sum(cf / 1.1**t for t, cf in enumerate([500, 1000, 1500, 1500, 1500], start=1))
    assert course.clv_example(discount_rate=0.10) == pytest.approx(round(by_hand, 2)) == pytest.approx(1863.87)


def test_exercise_2_80_20_30():
    result = course.rule_80_20_30(course.PROFIT_TABLE["profit"])
    assert result["top20_share"] == pytest.approx(800 / 900)
    assert result["bottom30_consumes"] == pytest.approx(150 / 800) == pytest.approx(0.1875)


def test_exercise_3_develop():
    cells = course.value_potential_cells()
    assert cells.loc[cells["cell"] == "develop", "customer"].tolist() == ["C", "G"]
    assert cells.loc[cells["cell"] == "keep", "customer"].tolist() == ["A", "E"]


def test_exercise_4_dormant():
    # a2's last activity (2024-03-01) is 305 days before 2024-12-31: not yet dormant
    assert course.dormant_accounts(as_of="2024-12-31") == ["a3", "a5"]


@pytest.fixture(scope="module")
def executed_course(tmp_path_factory):
    """Notebook 00 executed once in English and once in Chinese ({lang: executed notebook}), read by
    both tests below: two kernel starts instead of three."""
    import papermill

    from analysis.core.paths import NOTEBOOKS_DIR
    from analysis.run.notebooks import ensure_kernel

    folder = tmp_path_factory.mktemp("course")
    executed = {}
    for lang in ("en", "zh"):
        executed[lang] = folder / f"00_{lang}.ipynb"
        papermill.execute_notebook(str(NOTEBOOKS_DIR / "00_course_examples.ipynb"), str(executed[lang]),
                                   parameters={"lang": lang}, kernel_name=ensure_kernel(), progress_bar=False)
    return executed


@pytest.mark.slow
def test_course_notebook_executes(executed_course):
    text = executed_course["en"].read_text()
    assert "1863.87" in text and "1280.6" in text and "0.1875" in text


@pytest.mark.slow
def test_course_notebook_honours_lang_and_hides_answers(executed_course):
    """Issue 13: the Chinese run shows Chinese labels (the English one English), and every exercise's
    answer is folded away: in a <details> block, its computing cell hidden in JupyterLab."""
    import json

    outputs = {}
    for lang in ("en", "zh"):
        cells = json.loads(executed_course[lang].read_text())["cells"]
        outputs[lang] = "".join(json.dumps(c.get("outputs", [])) for c in cells if c["cell_type"] == "code")
        exercises = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and "Exercise" in "".join(c["source"])]
        assert len(exercises) == 4
        for i in exercises:
            assert "<details>" in "".join(cells[i]["source"]) and "*Answer:" not in "".join(cells[i]["source"])
            assert cells[i + 1]["metadata"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert outputs["en"] != outputs["zh"]
    assert "\\u5ba2\\u6237" in outputs["zh"] or "客户" in outputs["zh"]  # 客户 (customer)
    assert "客户" not in outputs["en"] and "\\u5ba2\\u6237" not in outputs["en"]
