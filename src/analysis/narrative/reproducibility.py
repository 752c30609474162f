"""The reproducibility appendix: the manifest's essentials and how to rerun."""

from __future__ import annotations

from ..core.i18n import tr
from ..report.escape import code_span
from .common import get


def chapter(results: dict, figures: list[dict], tables: list[dict]) -> str:
    manifest = results.get("_manifest", {})
    study = get(results, "study", {})
    lines = [tr("# Reproducibility {.appendix}", "# 可复现性 {.appendix}"), ""]
    lines.append(tr(
        "Every number in this report is read from `results.json` in the run folder; every figure "
        "and table was written by the executed notebooks kept beside it.",
        "本报告中的每个数字都读取自运行目录中的 `results.json`；每张图和表都由保存在旁边的已执行笔记本生成。",
    ))
    lines += ["", tr("| item | value |", "| 项目 | 值 |"), "|---|---|"]
    for name, digest in sorted(manifest.get("inputs", {}).items()):
        short = f"{digest[:16]}…"  # the full digest is in manifest.json
        lines.append(tr(f"| input {code_span(name)} | sha256 `{short}` |", f"| 输入 {code_span(name)} | sha256 `{short}` |"))
    git = manifest.get("git", {})
    if git:
        dirty = tr(" (uncommitted changes)", "（有未提交的修改）") if git.get("dirty") else ""
        commit = str(git.get("commit") or "unknown")[:12]
        lines.append(tr("| code version |", "| 代码版本 |") + f" git `{commit}`{dirty} |")
    versions = manifest.get("packages", {})
    if versions:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
        lines.append(tr(f"| packages | {shown} |", f"| 软件包 | {shown} |"))
    if manifest.get("python"):
        lines.append(f"| Python | {manifest['python']} |")
    if manifest.get("renderer"):
        lines.append(tr(f"| renderer | {manifest['renderer']} |", f"| 渲染器 | {manifest['renderer']} |"))
    config_file = study.get("config_file", "CONFIG")
    lines.append(tr(f"| config | {code_span(config_file)} (resolved copy in `config.json`) |",
                    f"| 配置 | {code_span(config_file)}（解析后的副本见 `config.json`） |"))
    lines += ["", tr(
        f"To rerun: {code_span('python -m analysis run ' + config_file)} (or `make run CONFIG=…`). The same config "
        "and data give a byte-identical `results.json`.",
        f"重新运行：{code_span('python -m analysis run ' + config_file)}（或 `make run CONFIG=…`）。相同的配置和数据会得到"
        "逐字节相同的 `results.json`。",
    )]
    return "\n".join(lines) + "\n"
