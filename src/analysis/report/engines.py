"""Turning report.qmd into report.html and report.pdf.

With the Quarto CLI on PATH, ``quarto render`` makes both (HTML, and PDF through Quarto's Typst
format, so no TeX is needed). Without it, the same source goes through pandoc (the binary shipped by
``pypandoc-binary``): to a standalone HTML file with embedded figures, and to Typst source that the
``typst`` compiler from PyPI turns into PDF.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

from ..core.errors import RenderError


def available_renderer(preference: str = "auto") -> str:
    """``"quarto"`` when the Quarto CLI is on PATH (or asked for), else ``"pandoc"``."""
    if preference == "quarto" and not shutil.which("quarto"):
        raise RenderError("report.renderer is 'quarto' but no 'quarto' executable is on PATH")
    if preference in ("quarto", "pandoc"):
        return preference
    return "quarto" if shutil.which("quarto") else "pandoc"


def render_document(
    source: Path,
    *,
    formats: list[str],
    renderer: str,
    timestamp: dt.datetime | None = None,
    font_paths: list[str] | None = None,
) -> dict[str, Path]:
    """Render ``source`` to each format; return format → output path."""
    source = Path(source)
    if renderer == "quarto":
        return _render_quarto(source, formats, timestamp=timestamp)
    return _render_pandoc(source, formats, timestamp=timestamp, font_paths=font_paths or [])


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip()[-2000:]
        raise RenderError(f"{Path(command[0]).name} failed (exit {completed.returncode}):\n{tail}")


def _render_quarto(source: Path, formats: list[str], *, timestamp: dt.datetime | None) -> dict[str, Path]:
    outputs: dict[str, Path] = {}
    quarto = shutil.which("quarto") or "quarto"
    # the typst CLI that Quarto runs takes the PDF's dates from SOURCE_DATE_EPOCH
    stamp = int((timestamp or FALLBACK_TIMESTAMP).timestamp())
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(stamp)}
    for fmt in formats:
        target = {"html": "html", "pdf": "typst"}[fmt]
        _run([quarto, "render", source.name, "--to", target], cwd=source.parent, env=env)
        output = source.with_suffix(f".{fmt}")
        if not output.exists():
            raise RenderError(f"quarto reported success but wrote no {output.name}")
        outputs[fmt] = output
    return outputs


def _pandoc() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _render_pandoc(
    source: Path, formats: list[str], *, timestamp: dt.datetime | None, font_paths: list[str]
) -> dict[str, Path]:
    pandoc = _pandoc()
    here = resources.files("analysis.report")
    # --columns: no source line is "too long", so pandoc gives pipe tables no relative column widths
    # (those come from the dash counts, and gave a number column less room than its numbers: they
    # overprinted their neighbours in the PDF); Typst and the browser then size columns by their content
    common = [pandoc, source.name, "--from", "markdown", "--standalone", "--toc", "--number-sections",
              "--columns=10000"]

    def html() -> Path:
        with resources.as_file(here / "filters" / "number_captions.lua") as lua, resources.as_file(
            here / "templates" / "report.css"
        ) as css:
            _run(
                common
                + ["--to", "html5", "--embed-resources", "--lua-filter", str(lua), "--css", str(css),
                   "--resource-path", str(source.parent), "-o", "report.html"],
                cwd=source.parent,
            )
        return source.parent / "report.html"

    def pdf() -> Path:
        typst_source = source.parent / "report.typ"
        _run(common + ["--to", "typst", "-o", typst_source.name], cwd=source.parent)
        return _compile_typst(typst_source, timestamp=timestamp, font_paths=font_paths)

    renderers = {fmt: make for fmt, make in (("html", html), ("pdf", pdf)) if fmt in formats}
    if len(renderers) < 2:
        return {fmt: make() for fmt, make in renderers.items()}
    # the two outputs share nothing but the source: pandoc's HTML runs beside the PDF's typst compile
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {fmt: pool.submit(make) for fmt, make in renderers.items()}
        return {fmt: future.result() for fmt, future in futures.items()}


FALLBACK_TIMESTAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def document_timestamp(as_of: object = None) -> dt.datetime:
    """The date written into the PDF's metadata: a function of the study, never of the clock.

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) wins when set; else midnight UTC of
    ``as_of`` (the study's observation end, a date the data fixes); else 2000-01-01. A run's finish
    time would make every rerun's PDF differ in CreationDate and ModDate.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError) as exc:
            raise RenderError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970 (value: {epoch!r})") from exc
    try:
        day = dt.date.fromisoformat(str(as_of)[:10])
    except ValueError:  # None or NaT: a study without an observation end (contractual data)
        return FALLBACK_TIMESTAMP
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _compile_typst(source: Path, *, timestamp: dt.datetime | None, font_paths: list[str]) -> Path:
    import typst

    output = source.with_suffix(".pdf")
    stamp = int((timestamp or FALLBACK_TIMESTAMP).timestamp())
    try:
        typst.compile(
            os.fspath(source), output=os.fspath(output), root=os.fspath(source.parent),
            font_paths=font_paths, timestamp=stamp,
        )
    except Exception as exc:  # the binding raises its own error types
        raise RenderError(f"typst could not compile {source.name}: {exc}") from exc
    return output
