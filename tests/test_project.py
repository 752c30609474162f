"""Project files stay consistent: environment.yml vs pyproject, notebooks thin and parameterised,
raw data untouched."""

from __future__ import annotations

import hashlib
import json
import tomllib

import yaml

from analysis.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT, RAW_DATA_DIR


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps and "quarto" in deps
    pip_block = next(d for d in deps if isinstance(d, dict))["pip"]
    assert pip_block == ["-e .[dev]"]
    assert "dev" in project["optional-dependencies"]
    assert project["requires-python"] == ">=3.11"


def test_quarto_cli_is_never_a_required_dependency():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    required = " ".join(project["dependencies"] + project["optional-dependencies"]["dev"]).lower()
    assert "quarto" not in required


def test_notebooks_are_thin_parameterised_and_without_outputs():
    notebooks = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert notebooks and notebooks[0].name.startswith("0")
    for path in notebooks:
        notebook = json.loads(path.read_text())
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters'"
        if not path.name.startswith("00_"):
            assert "run_dir" in "".join(tagged[0]["source"]), path.name
        for cell in code:
            assert cell.get("outputs", []) == [], f"{path.name}: committed with outputs"
            assert cell.get("execution_count") is None, path.name
            source = "".join(cell["source"])
            assert "\ndef " not in f"\n{source}" and "\nclass " not in f"\n{source}", (
                f"{path.name}: logic belongs in the package"
            )


def test_raw_data_matches_its_checksums():
    sums = (RAW_DATA_DIR / "cdnow" / "SHA256SUMS").read_text().split("\n")
    for line in filter(None, sums):
        digest, name = line.split()
        assert hashlib.sha256((RAW_DATA_DIR / "cdnow" / name).read_bytes()).hexdigest() == digest
