"""analysis.models is the pure statistical layer: importing any of its modules, in a fresh
interpreter, loads nothing of the layers above it (run folder, report, narrative, plots, chapter
registry, study config) nor the chapter packages that use the models."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import analysis
import analysis.models

# prefixes of the modules a model must not need
ABOVE_THE_MODELS = ("analysis.run", "analysis.report", "analysis.narrative", "analysis.plots", "analysis.chapters",
                    "analysis.core.config", "analysis.clv", "analysis.retention", "analysis.satisfaction",
                    "analysis.pareto", "analysis.segments", "analysis.data")

MODEL_MODULES = sorted(f"analysis.models.{info.name}" for info in pkgutil.iter_modules(analysis.models.__path__))


def kit_modules_loaded_by(*imports: list[str]) -> list[list[str]]:
    """For each list of ``imports`` in turn, the ``analysis`` modules in ``sys.modules`` after a
    fresh interpreter imported it (and the lists before it)."""
    script = ("import importlib, json, sys\n"
              f"for names in {list(imports)!r}:\n"
              "    for name in names:\n"
              "        importlib.import_module(name)\n"
              "    print(json.dumps(sorted(m for m in sys.modules if m == 'analysis' or m.startswith('analysis.'))))\n")
    source_root = str(Path(analysis.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def above_the_models(loaded: list[str]) -> list[str]:
    return [m for m in loaded if any(m == p or m.startswith(p + ".") for p in ABOVE_THE_MODELS)]


def test_every_model_module_is_found():
    # the layer as built: BTYD models, sBG, PLS, the covariate design, the simulators
    assert {"analysis.models.base", "analysis.models.bgnbd", "analysis.models.paretonbd", "analysis.models.sbg",
            "analysis.models.pls", "analysis.models.simulate"} <= set(MODEL_MODULES)


def test_models_import_nothing_above_them():
    after_models, after_a_study = kit_modules_loaded_by(MODEL_MODULES, ["analysis.clv.study"])
    assert set(MODEL_MODULES) <= set(after_models)  # the imports did run
    assert above_the_models(after_models) == [], after_models
    # the same check sees a layer above when one is imported: the CLV study needs the chapter registry
    assert "analysis.chapters.readiness" in above_the_models(after_a_study)


def test_chapter_packages_re_export_the_models():
    import analysis.clv
    import analysis.retention
    import analysis.satisfaction

    for package in (analysis.models, analysis.clv, analysis.retention, analysis.satisfaction):
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)
    from analysis.clv import BetaGeo, GammaGamma
    from analysis.models.bgnbd import BetaGeo as defined_here
    from analysis.models.gammagamma import GammaGamma as spend_model
    from analysis.models.pls import PLSPathModel
    from analysis.models.sbg import ShiftedBetaGeometric
    from analysis.retention import ShiftedBetaGeometric as contract_model
    from analysis.satisfaction import PLSPathModel as survey_model

    assert (BetaGeo, GammaGamma, contract_model, survey_model) == (
        defined_here, spend_model, ShiftedBetaGeometric, PLSPathModel)
