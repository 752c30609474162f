"""The run folder: what one study run reads and writes, and what notebooks talk to.

A run folder holds ``config.json`` (the resolved config), ``tables/`` (data handed between stages
and tables for the report), ``figures/`` (PNG files and an index with captions per chapter), ``sections/``
(one JSON file per analysis, merged into ``results.json`` at the end), executed ``notebooks/``, the
quarantine, the manifest and the rendered report.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.config import StudyConfig, config_from_json
from ..core.i18n import set_language
from ..core.jsonio import index_file, read_index, read_json, to_jsonable, write_json

if TYPE_CHECKING:
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from ..data.transaction_log import TransactionLog

FIGURE_DPI = 150


def _system_memory_pool() -> None:
    """Arrow's own allocator keeps freed memory for reuse; with tables of millions of customers read
    once per notebook, the system allocator hands it back and keeps the kernel's peak down. Set when
    a notebook opens its run folder: the process that only creates run folders (an all-cached
    rerun) never imports Arrow, pandas or numpy."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def _headless_figures() -> None:
    """Figures are drawn off screen (a notebook opens its run folder here, before any plot module
    imports pyplot); the process that only creates run folders never imports matplotlib."""
    import matplotlib

    matplotlib.use("Agg")  # notebooks still show the saved figures inline (_show_in_notebook)


def _show_in_notebook(path: Path, caption: str) -> None:
    """Show a saved figure in the executed notebook (the PNG just written, not a second rendering),
    so the notebook a student opens has its figures inline; nothing outside a Jupyter kernel."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, Markdown, display
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    display(Image(filename=str(path)), Markdown(f"*{caption}*"))


@dataclass
class Run:
    """Access to one run folder."""

    root: Path
    config: StudyConfig

    @classmethod
    def create(cls, root: Path, config: StudyConfig) -> Run:
        for sub in ("tables", "figures", "sections", "notebooks"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        write_json(root / "config.json", config.to_json_dict())
        return cls(root=root, config=config)

    @classmethod
    def open(cls, root: str | Path) -> Run:
        root = Path(root)
        if not (root / "config.json").exists():
            raise FileNotFoundError(f"{root} is not a run folder (no config.json)")
        config = config_from_json(read_json(root / "config.json"))
        set_language(config.report.lang)  # figure labels and captions follow the report
        _headless_figures()
        _system_memory_pool()
        return cls(root=root, config=config)

    # data handed between stages -------------------------------------------------------------
    def transaction_log(self) -> TransactionLog:
        """Clean transactions queried in DuckDB where they lie, whatever their size."""
        from ..data.transaction_log import TransactionLog

        return TransactionLog.from_parquet(self.root / "tables" / "transactions.parquet")

    def customers(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The customer summary, with the per-customer predictions of the CLV stage as columns once
        it has run; with ``columns``, only those of them that exist (a study of 10^7 customers
        reads what it uses)."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = self.root / "tables"
        frames = []
        for name in ("customers", "predictions"):
            path = tables / f"{name}.parquet"
            if not path.exists():
                continue
            present = pq.read_schema(path).names
            wanted = [c for c in present if (columns is None or c in columns) and (not frames or c != "customer_id")]
            if frames and not wanted:
                continue
            frame = pd.read_parquet(path, columns=wanted)
            if frames:
                ids = pq.read_table(path, columns=["customer_id"]).column(0).cast(pa.large_string())
                expected = pq.read_table(tables / "customers.parquet", columns=["customer_id"]).column(0)
                if not ids.equals(expected.cast(pa.large_string())):
                    raise ValueError(f"{path} is not in the order of customers.parquet")
            frames.append(frame)
        return frames[0] if len(frames) == 1 else pd.concat(frames, axis=1)

    def save_predictions(self, predictions: pd.DataFrame) -> Path:
        """Per-customer predictions, one row per customer in the order of the customer summary."""
        return self.save_data(predictions, "predictions")

    def contracts(self) -> pd.DataFrame:
        """Contractual data: customer_id, tenure, churned and covariates."""
        import pandas as pd

        return pd.read_parquet(self.root / "tables" / "contracts.parquet")

    def opportunities(self) -> pd.DataFrame:
        """Discrete-time data: customer_id, frequency, recency, periods, weight (``analysis.data.opportunity``)."""
        import pandas as pd

        return pd.read_parquet(self.root / "tables" / "opportunities.parquet")

    def save_data(self, frame: pd.DataFrame, name: str) -> Path:
        _system_memory_pool()
        path = self.root / "tables" / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        return path

    # results ---------------------------------------------------------------------------------
    @property
    def results(self) -> dict[str, Any]:
        """All sections saved so far."""
        return {p.stem: read_json(p) for p in sorted((self.root / "sections").glob("*.json"))}

    def save_section(self, name: str, data: dict[str, Any]) -> None:
        write_json(self.root / "sections" / f"{name}.json", to_jsonable(data))

    def update_section(self, name: str, data: dict[str, Any]) -> None:
        current = self.results.get(name, {})
        current.update(to_jsonable(data))
        self.save_section(name, current)

    def rng(self, name: str) -> np.random.Generator:
        """A generator seeded from the config seed and a stream name, the same in every run."""
        import numpy as np

        return np.random.default_rng([self.config.seed, zlib.crc32(name.encode("utf-8"))])

    # figures and tables for the report ---------------------------------------------------------
    def _index(self, kind: str) -> list[dict[str, Any]]:
        return read_index(self.root / kind)

    def _register(self, kind: str, record: dict[str, Any]) -> None:
        path = index_file(self.root / kind, record["chapter"])
        index = [r for r in (read_json(path) if path.exists() else []) if r["name"] != record["name"]]
        index.append(record)
        write_json(path, index)

    def save_figure(self, fig: plt.Figure, name: str, *, caption: str, chapter: str) -> dict[str, Any]:
        path = self.root / "figures" / f"{name}.png"
        fig.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})
        import matplotlib.pyplot as plt

        plt.close(fig)
        _show_in_notebook(path, caption)
        record = {"name": name, "path": f"figures/{name}.png", "caption": caption, "chapter": chapter}
        self._register("figures", record)
        return record

    def save_table(
        self, frame: pd.DataFrame, name: str, *, caption: str, chapter: str, index: bool = False
    ) -> dict[str, Any]:
        tables = self.root / "tables"
        # text cells that a spreadsheet would run as formulas go behind a quote; the report's
        # table reader (narrative.common.table_md) takes it off again
        from ..report.escape import neutralise_formulas

        neutralise_formulas(frame).to_csv(tables / f"{name}.csv", index=index)
        record = {
            "name": name, "path": f"tables/{name}.csv", "caption": caption, "chapter": chapter,
            "index": index,
        }
        self._register("tables", record)
        return record

    def figures(self, chapter: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self._index("figures") if chapter is None or r["chapter"] == chapter]

    def tables(self, chapter: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self._index("tables") if chapter is None or r["chapter"] == chapter]
