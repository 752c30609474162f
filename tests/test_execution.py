"""Notebook execution (issue 14): a study's notebooks run under papermill on one kernel, each in a
fresh namespace; parameters are read once from the notebook's ``parameters`` cell."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import nbformat
import pytest

from analysis.core.errors import ConfigError, NotEstimable, StudyError
from analysis.core.paths import NOTEBOOKS_DIR
from analysis.run.notebooks import (
    StudyKernel,
    _declared_parameters,
    check_parameters,
    declared_parameters,
    may_overlap,
    run_in_dependency_order,
)


def write_notebook(path: Path, cells: list[str], parameters: str = "run_dir = ''") -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    tagged = nbformat.v4.new_code_cell(parameters)
    tagged.metadata["tags"] = ["parameters"]
    notebook.cells = [tagged, *(nbformat.v4.new_code_cell(source) for source in cells)]
    nbformat.write(notebook, path)
    return path


def outputs(path: Path) -> list[tuple[int | None, list[str]]]:
    """(execution count, text outputs) of each code cell of an executed notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(cell["execution_count"], ["".join(o.get("text") or o.get("data", {}).get("text/plain", ""))
                                       for o in cell["outputs"]])
            for cell in cells if cell["cell_type"] == "code"]


def is_running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False


# parameters ---------------------------------------------------------------------------------------


def test_parameters_are_the_names_the_tagged_cell_assigns(tmp_path):
    notebook = write_notebook(tmp_path / "p.ipynb", ["later = 1"],
                              parameters="run_dir = ''  # the run folder\nalpha: float = 0.1\nimport math\n")
    assert declared_parameters(notebook) == ("run_dir", "alpha")
    with pytest.raises(ConfigError, match=r"does not declare parameter\(s\) \['later'\]"):
        check_parameters(notebook, {"run_dir": "..", "later": 2})


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_kit_notebooks_declare_what_papermill_finds(notebook):
    import papermill

    assert set(declared_parameters(notebook)) == set(papermill.inspect_notebook(str(notebook)))


def test_parameters_are_read_once_per_notebook(tmp_path):
    notebook = write_notebook(tmp_path / "once.ipynb", [])
    before = _declared_parameters.cache_info()
    for _ in range(3):  # the run's check before any work, then each execution
        check_parameters(notebook, {"run_dir": ".."})
    after = _declared_parameters.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)


# one kernel for a study ---------------------------------------------------------------------------


@pytest.mark.slow
def test_notebooks_share_one_kernel_but_no_names(tmp_path):
    first = write_notebook(tmp_path / "first.ipynb", [
        "import os, json\nshared = 41\njson.kit_marker = 'module state stays'", "os.getpid()"])
    second = write_notebook(tmp_path / "second.ipynb", [
        "import os, json\nos.getpid()", "json.kit_marker", "'shared' in dir()", "print(run_dir)"])
    uses_name = write_notebook(tmp_path / "third.ipynb", ["shared + 1"])
    with StudyKernel() as kernel:
        kernel.start(tmp_path)
        kernel.execute(first, tmp_path / "first.out.ipynb", {"run_dir": ".."}, progress=False)
        kernel.execute(second, tmp_path / "second.out.ipynb", {"run_dir": "../x"}, progress=False)
        with pytest.raises(StudyError, match=r"third.ipynb failed in cell 3: NameError: name 'shared'"):
            kernel.execute(uses_name, tmp_path / "third.out.ipynb", {"run_dir": ".."}, progress=False)
    first_pid = outputs(tmp_path / "first.out.ipynb")[-1][1][0]
    # cells: parameters, injected parameters, then the notebook's; counted from 1 in each notebook
    assert outputs(tmp_path / "second.out.ipynb") == [
        (1, []), (2, []), (3, [first_pid]), (4, ["'module state stays'"]), (5, ["False"]), (6, ["../x\n"])]
    assert not is_running(int(first_pid))


def test_a_kept_kernel_runs_the_next_study_in_its_folder_with_the_environment_of_then(tmp_path, monkeypatch):
    """ANALYSIS_KEEP_KERNEL=1: the kernel a study released runs the next study's notebooks (same
    process) in that study's folder, with this process's environment as it is then, on an empty
    namespace; with the variable unset, release shuts the kernel down and nothing is kept."""
    from analysis.run import notebooks as execution

    looks = write_notebook(tmp_path / "looks.ipynb", [
        "import os\nleft_behind = 1\nos.getpid(), os.getcwd(), os.environ.get('KIT_PROBE'), 'KIT_GONE' in os.environ"])
    sees_nothing = write_notebook(tmp_path / "nothing.ipynb", ["'left_behind' in dir()"])
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    monkeypatch.setenv(execution.KEEP_KERNEL_ENV, "1")
    monkeypatch.setenv("KIT_PROBE", "first")
    monkeypatch.setenv("KIT_GONE", "yes")
    execution._shut_down_kept_kernels()  # a kernel kept by an earlier test of this worker started elsewhere
    kernel = StudyKernel()
    kernel.start(first)
    kernel.execute(looks, first / "out.ipynb", {}, progress=False)
    kernel.release()
    monkeypatch.setenv("KIT_PROBE", "second")
    monkeypatch.delenv("KIT_GONE")
    again = StudyKernel()
    again.start(second)
    again.execute(looks, second / "out.ipynb", {}, progress=False)
    again.execute(sees_nothing, second / "nothing.out.ipynb", {}, progress=False)
    pid, cwd, probe, gone = eval(outputs(first / "out.ipynb")[-1][1][0])
    assert (Path(cwd), probe, gone) == (first, "first", True)
    pid_again, cwd, probe, gone = eval(outputs(second / "out.ipynb")[-1][1][0])
    assert (pid_again, Path(cwd), probe, gone) == (pid, second, "second", False)
    assert outputs(second / "nothing.out.ipynb")[-1] == (2, ["False"])
    monkeypatch.delenv(execution.KEEP_KERNEL_ENV)
    again.release()
    assert not is_running(pid) and not execution._kept_kernels
    third = StudyKernel()
    third.start(first)
    third.execute(looks, first / "out.ipynb", {}, progress=False)
    third.release()
    assert eval(outputs(first / "out.ipynb")[-1][1][0])[0] != pid


@pytest.mark.slow
def test_not_estimable_and_a_dead_kernel_leave_the_next_notebook_running(tmp_path):
    from nbclient.exceptions import DeadKernelError

    not_estimable = write_notebook(tmp_path / "ne.ipynb", [
        "from analysis.core.errors import NotEstimable\nraise NotEstimable('nobody bought twice')"])
    dies = write_notebook(tmp_path / "dies.ipynb", ["import os\nos._exit(1)"])
    pid = write_notebook(tmp_path / "pid.ipynb", ["import os\nos.getpid()"])
    pids = []
    with StudyKernel() as kernel:
        kernel.start(tmp_path)
        with pytest.raises(NotEstimable, match="nobody bought twice"):
            kernel.execute(not_estimable, tmp_path / "ne.out.ipynb", {}, progress=False)
        assert (tmp_path / "ne.out.ipynb").exists()  # the record of a chapter that stopped
        kernel.execute(pid, tmp_path / "pid.out.ipynb", {}, progress=False)
        pids.append(int(outputs(tmp_path / "pid.out.ipynb")[-1][1][0]))
        with pytest.raises(DeadKernelError):
            kernel.execute(dies, tmp_path / "dies.out.ipynb", {}, progress=False)
        kernel.execute(pid, tmp_path / "pid.out.ipynb", {}, progress=False)
        pids.append(int(outputs(tmp_path / "pid.out.ipynb")[-1][1][0]))
        kernel.kill()  # killed between two notebooks
        assert not is_running(pids[-1])
        kernel.execute(pid, tmp_path / "pid.out.ipynb", {}, progress=False)
        pids.append(int(outputs(tmp_path / "pid.out.ipynb")[-1][1][0]))
    assert len(set(pids)) == 3
    assert not any(is_running(p) for p in pids)


# chapters on two kernels ------------------------------------------------------------------------


class FakeKernel:
    """Stands for a StudyKernel: records what ran on it; killing it makes its notebook fail."""

    def __init__(self):
        self.cwd, self.started, self.stopped, self.killed = Path("."), False, False, threading.Event()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stopped = True

    def start(self, cwd, preload=()):
        self.started = True

    def kill(self):
        self.killed.set()


REQUIRES = {"pareto": ("data",), "clv": ("data", "pareto"), "retention": ("data", "clv"),
            "segments": ("data", "clv"), "case_study": ("data", "pareto", "clv", "retention", "segments")}
STUDY = [Path(f"{stem}.ipynb") for stem in ("01_data", "02_pareto", "03_clv", "04_retention", "05_segments", "06_case_study")]


def chapter(notebook: Path) -> str:
    return notebook.stem.split("_", 1)[1]


def test_chapters_start_after_what_they_require_and_run_side_by_side():
    log, lock = [], threading.Lock()
    both_running = threading.Barrier(2, timeout=10)

    def work(notebook, kernel):
        with lock:
            log.append(("start", chapter(notebook), kernel))
        if chapter(notebook) in ("retention", "segments"):  # waits for the other: they run together
            both_running.wait()
        with lock:
            log.append(("end", chapter(notebook), kernel))

    first = FakeKernel()
    run_in_dependency_order(STUDY, REQUIRES, chapter, work, first, kernels=2, new_kernel=FakeKernel)
    position = {(event, name): i for i, (event, name, _) in enumerate(log)}
    assert len(position) == 2 * len(STUDY)  # each notebook ran once
    for name, needed in REQUIRES.items():
        assert all(position[("end", n)] < position[("start", name)] for n in needed), name
    # the barrier above passed: retention and segments ran at the same time, on two kernels
    kernels = {k for _, n, k in log if n in ("retention", "segments")}
    assert len(kernels) == 2
    assert not first.stopped and all(k.started and k.stopped for k in kernels - {first})


def test_one_kernel_runs_the_notebooks_in_the_given_order():
    ran = []
    run_in_dependency_order(STUDY, REQUIRES, chapter, lambda n, k: ran.append(n), FakeKernel(), kernels=1)
    assert ran == STUDY


def test_a_failure_stops_the_other_kernel_and_is_raised():
    started = []

    def work(notebook, kernel):
        started.append(chapter(notebook))
        if chapter(notebook) == "segments":
            raise StudyError("notebook 05_segments.ipynb failed in cell 3: ZeroDivisionError: division by zero")
        if chapter(notebook) == "retention":  # runs until the failure kills its kernel
            assert kernel.killed.wait(timeout=10)
            raise RuntimeError("Kernel died")

    with pytest.raises(StudyError, match="05_segments.ipynb failed"):
        run_in_dependency_order(STUDY, REQUIRES, chapter, work, FakeKernel(), kernels=2, new_kernel=FakeKernel)
    assert "case_study" not in started


def test_notebooks_that_wait_for_each_other_are_refused():
    with pytest.raises(StudyError, match=r"wait for each other's chapters: \{'02_pareto': \['clv'\], '03_clv': \['pareto'\]\}"):
        run_in_dependency_order(STUDY[1:3], {"pareto": ("clv",), "clv": ("pareto",)}, chapter,
                                lambda n, k: None, FakeKernel(), kernels=2, new_kernel=FakeKernel)


def test_no_second_kernel_when_every_notebook_follows_another():
    started = []

    def new_kernel():
        started.append(FakeKernel())
        return started[-1]

    ran = []
    run_in_dependency_order(STUDY[:3], REQUIRES, chapter, lambda n, k: ran.append(n), FakeKernel(), kernels=2,
                            new_kernel=new_kernel)
    assert ran == STUDY[:3] and started == []


def test_a_second_kernel_only_when_two_notebooks_to_execute_may_overlap():
    """Chapters restored from the cache take no kernel: a second one is worth starting only when two
    of the notebooks that execute may run at the same time, their order counted through the
    restored chapters too."""
    by_stem = {notebook.stem: notebook for notebook in STUDY}
    retention, segments, case_study = by_stem["04_retention"], by_stem["05_segments"], by_stem["06_case_study"]
    assert may_overlap(STUDY, REQUIRES, chapter, among=STUDY)
    assert may_overlap(STUDY, REQUIRES, chapter, among=[retention, segments])  # both follow clv only
    assert not may_overlap(STUDY, REQUIRES, chapter, among=[retention, case_study])
    assert not may_overlap(STUDY, REQUIRES, chapter, among=[segments])
    assert not may_overlap(STUDY, REQUIRES, chapter, among=[])
    # pareto → clv → retention: with clv restored, pareto and retention still follow each other
    assert not may_overlap(STUDY, REQUIRES, chapter, among=[by_stem["02_pareto"], retention])


def test_kernels_at_once_come_from_the_environment(monkeypatch):
    from analysis.run.pipeline import study_kernels

    monkeypatch.setenv("ANALYSIS_KERNELS", "1")
    assert study_kernels() == 1
    monkeypatch.setenv("ANALYSIS_KERNELS", "0")
    with pytest.raises(ConfigError, match=r"ANALYSIS_KERNELS must be a whole number ≥ 1 \(value: '0'\)"):
        study_kernels()
    monkeypatch.delenv("ANALYSIS_KERNELS")
    assert study_kernels() == min(2, os.cpu_count() or 1)


def test_many_customers_run_their_chapters_one_at_a_time(monkeypatch):
    from analysis.run.pipeline import SIDE_BY_SIDE_CUSTOMERS, study_kernels

    monkeypatch.delenv("ANALYSIS_KERNELS", raising=False)
    # up to 3 million customers (10^7 transactions has 950,000) two chapters may share the machine
    assert study_kernels(SIDE_BY_SIDE_CUSTOMERS) == min(2, os.cpu_count() or 1)
    # beyond, each kernel's frames of every customer would add up (10^8 transactions: 9.5 million)
    assert study_kernels(SIDE_BY_SIDE_CUSTOMERS + 1) == 1
    # the environment variable still decides when set
    monkeypatch.setenv("ANALYSIS_KERNELS", "2")
    assert study_kernels(10_000_000) == 2


@pytest.mark.slow
def test_first_notebook_waits_for_the_preload_however_long_and_does_not_see_its_names(tmp_path, monkeypatch):
    from analysis.run import notebooks as execution

    monkeypatch.setattr(execution, "KERNEL_START_TIMEOUT", 2)  # the notebook's client allows 2 s
    notebook = write_notebook(tmp_path / "n.ipynb", ["'preloaded' in dir(), 'slow_import' in dir()"])
    with StudyKernel() as kernel:
        # an import that takes longer than the client allows a kernel to answer
        kernel.start(tmp_path, preload=["import time as slow_import", "slow_import.sleep(4)",
                                        "import json as preloaded"])
        kernel.execute(notebook, tmp_path / "n.out.ipynb", {}, progress=False)
    assert outputs(tmp_path / "n.out.ipynb")[-1] == (2, ["(False, False)"])
