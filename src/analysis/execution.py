"""Running the parameterised notebooks with papermill.

papermill only warns about a parameter the notebook does not declare; a study must not run with a
parameter silently ignored, so parameters are checked against the notebook's ``parameters`` cell
first. Notebooks run on a kernel registered for this environment's own Python.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from .errors import ConfigError, NotEstimable, StudyError

KERNEL_NAME = "analysis-kit"

# The kernel's own log goes to this process's stderr, bypassing --quiet. What it says there is not
# about the study: a warning that the kernel talks over local TCP, and "KeyboardInterrupt caught in
# kernel" when jupyter_client's shutdown_kernel interrupts (SIGINT) the kernel before asking it to
# exit and the signal lands while ipykernel is still in a message handler. Errors in the notebooks'
# code reach us as cell errors (PapermillExecutionError), and a dead kernel as nbclient's
# DeadKernelError, neither through this log.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


def ensure_kernel() -> str:
    """Register (once) a Jupyter kernel that runs this interpreter; return its name."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (analysis kit)", prefix=sys.prefix)
    return KERNEL_NAME


def declared_parameters(notebook: Path) -> dict[str, Any]:
    import papermill

    return papermill.inspect_notebook(str(notebook))


def check_parameters(notebook: Path, parameters: dict[str, Any], declared: Collection[str] | None = None) -> None:
    """Refuse a parameter the notebook does not declare; ``declared``: its parameters, when known."""
    declared = declared_parameters(notebook) if declared is None else declared
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ConfigError(
            f"notebook {notebook.name} does not declare parameter(s) {unknown}; "
            f"it declares {sorted(declared)}",
            value={k: parameters[k] for k in unknown},
        )


def execute_notebook(
    notebook: Path, output: Path, parameters: dict[str, Any], *, progress: bool, cwd: Path
) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    check_parameters(notebook, parameters)
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name=ensure_kernel(),
            progress_bar=progress, cwd=str(cwd), log_output=False, request_save_on_cell_execute=False,
            extra_arguments=KERNEL_ARGUMENTS,
        )
    except PapermillExecutionError as exc:
        reason = not_estimable_reason(exc)
        if output.exists():  # papermill saves the notebook up to the failing cell: kept as the record
            _strip_volatile_metadata(output)
        if reason is not None:
            raise NotEstimable(reason) from exc
        raise StudyError(
            f"notebook {notebook.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        ) from exc
    _strip_volatile_metadata(output)


def not_estimable_reason(exc) -> str | None:
    """The reason when a notebook stopped on :class:`NotEstimable` (the data cannot support the
    chapter), else None (a bug: the run fails). The kernel reports only the class name and message
    of the exception, so the class is matched by name."""
    if getattr(exc, "ename", None) == NotEstimable.__name__:
        return str(exc.evalue)
    return None


def _strip_volatile_metadata(path: Path) -> None:
    """Drop timings that papermill writes, so executed notebooks differ only when results do."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook.get("metadata", {}).get("papermill", {}).pop("start_time", None)
    notebook.get("metadata", {}).get("papermill", {}).pop("end_time", None)
    notebook.get("metadata", {}).get("papermill", {}).pop("duration", None)
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("execution", None)
        paper = meta.get("papermill", {})
        for key in ("start_time", "end_time", "duration"):
            paper.pop(key, None)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
