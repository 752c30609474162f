"""The reproducibility appendix: the manifest's essentials and how to rerun."""

from __future__ import annotations

from .common import get


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    manifest = results.get("_manifest", {})
    study = get(results, "study", {})
    lines = ["# Reproducibility {.appendix}", ""]
    lines.append(
        "Every number in this report is read from `results.json` in the run folder; every figure "
        "and table was written by the executed notebooks kept beside it."
    )
    lines += ["", "| item | value |", "|---|---|"]
    for name, digest in sorted(manifest.get("inputs", {}).items()):
        lines.append(f"| input `{name}` | sha256 `{digest}` |")
    git = manifest.get("git", {})
    if git:
        dirty = " (uncommitted changes)" if git.get("dirty") else ""
        lines.append(f"| code version | git `{git.get('commit', 'unknown')}`{dirty} |")
    versions = manifest.get("packages", {})
    if versions:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
        lines.append(f"| packages | {shown} |")
    if manifest.get("python"):
        lines.append(f"| Python | {manifest['python']} |")
    if manifest.get("renderer"):
        lines.append(f"| renderer | {manifest['renderer']} |")
    lines.append(f"| config | `{study.get('config_file', '?')}` (resolved copy in `config.json`) |")
    lines += [
        "",
        "To rerun: `python -m analysis run " + str(study.get("config_file", "CONFIG")) + "` "
        "(or `make run CONFIG=…`). The same config and data give a byte-identical `results.json`.",
    ]
    return "\n".join(lines) + "\n"
