"""Study configuration: one YAML file per study, validated strictly.

Unknown keys are errors (a mistyped parameter must never be ignored silently). Relative paths in a
config are resolved against the config file's folder, then the project root.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from ..chapters.registry import CHAPTERS, Chapter, registry
from ..data.engines import EngineSettings
from .errors import ConfigError
from .paths import PROJECT_ROOT
from .periods import Period

# text shown in the report: one string, or one per report language ({en: …, zh: …})
Localised = str | dict[Literal["en", "zh"], str]


def localised(value: Localised | None, lang: str) -> str | None:
    """The text of a :data:`Localised` config value in ``lang`` (English when it has no such text)."""
    if value is None or isinstance(value, str):
        return value
    return value.get(lang) or value.get("en") or next(iter(value.values()), None)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MAX_NAME_LENGTH = 100  # a study name names its run folder and the staging folders beside it

TRANSACTION_ROLES = ("customer", "date", "amount", "price", "quantity", "invoice", "product", "segment")
CONTRACT_ROLES = ("customer", "tenure", "churned")
# discrete-time (opportunity) data, already summarised: one row per customer or per pattern
# or a dated log whose calendar periods are the opportunities (customer and date)
OPPORTUNITY_ROLES = ("frequency", "recency", "periods", "weight", "customer", "date")
ROLES = {"transactions": TRANSACTION_ROLES, "contractual": CONTRACT_ROLES, "opportunity": OPPORTUNITY_ROLES}


class DataSettings(Strict):
    """Where the data is and how its columns map to the roles the analyses need."""

    kind: Literal["transactions", "contractual", "opportunity"] = Field(
        default="transactions",
        description="transactions: a purchase log; contractual: one row per contract; opportunity: "
        "discrete-time data already summarised per customer (or per pattern, with a weight column): "
        "repeat transactions, opportunity of the last one and number of opportunities (BG/BB)",
    )
    path: Path
    format: Literal["auto", "csv", "tsv", "whitespace", "parquet", "xlsx"] = "auto"
    header: bool = True
    names: list[str] | None = Field(
        default=None, description="column names for a file without a header row"
    )
    columns: dict[str, str]
    date_format: str | None = None
    covariates: list[str] = Field(default_factory=list, description="contractual data: model covariates")
    churned_values: list[str] = Field(
        default_factory=lambda: ["Yes", "yes", "1", "true", "True"],
        description="contractual data: values of the churn column that mean 'churned'",
    )
    source: Localised | None = Field(default=None, description="provenance note shown in the report; "
                                     "text, or {en: …, zh: …}")
    opportunities_per_year: float = Field(
        default=1.0, gt=0, description="opportunity data: opportunities per year (converts the annual discount "
        "rate); for a dated log one of 1, 2, 4, 12: calendar years, half-years, quarters or months"
    )

    @model_validator(mode="after")
    def _check_roles(self) -> DataSettings:
        allowed = ROLES[self.kind]
        unknown = sorted(set(self.columns) - set(allowed))
        if unknown:
            raise ValueError(
                f"unknown column role(s) {unknown} for {self.kind} data; allowed: {list(allowed)}"
            )
        if self.kind == "transactions":
            missing = [r for r in ("customer", "date") if r not in self.columns]
            if "amount" not in self.columns and not {"price", "quantity"} <= set(self.columns):
                missing.append("amount (or price and quantity)")
        elif self.kind == "opportunity":
            summarised = [r for r in ("frequency", "recency", "periods") if r not in self.columns]
            dated = [r for r in ("customer", "date") if r not in self.columns]
            if not summarised and "date" in self.columns:
                raise ValueError("opportunity data are either summarised (frequency, recency, periods) or a "
                                 "dated log (customer, date), not both")
            missing = [] if not summarised or not dated else [f"{summarised} (or customer and date)"]
        else:
            missing = [r for r in CONTRACT_ROLES if r not in self.columns]
        if missing:
            raise ValueError(f"data.columns must map {missing}")
        if not self.header and not self.names:
            raise ValueError("data.names is required when data.header is false")
        if self.names and len(set(self.names)) != len(self.names):
            twice = sorted({n for n in self.names if self.names.count(n) > 1})
            raise ValueError(f"data.names lists {twice} more than once")
        return self

    @field_validator("date_format")
    @classmethod
    def _usable_date_format(cls, value: str | None) -> str | None:
        # DuckDB parses the dates, so DuckDB decides which formats exist (%Q does not)
        if value is not None:
            import duckdb  # only for a config that names a date format

            try:
                duckdb.execute("SELECT try_strptime('2000-01-01', ?)", [value]).fetchall()
            except duckdb.Error as exc:
                raise ValueError(f"not a usable date format: {str(exc).splitlines()[0]}") from None
        return value


class CleaningSettings(Strict):
    """Cleaning rules, applied in the order documented in `analysis.data.cleaning`."""

    cancellation_prefix: str | None = Field(
        default="C", description="invoice numbers starting with this mark a cancellation"
    )
    cancellations: Literal["net", "drop"] = "net"
    exclude_products: list[str] = Field(default_factory=list)
    drop_exact_duplicates: bool = True
    zero_amounts: Literal["drop", "keep"] = Field(
        default="drop",
        description="keep zero-value rows as purchases (they still count as purchase days)",
    )
    merge_same_day: bool = True


class AnalysisSettings(Strict):
    period: Period = "week"
    calibration_end: dt.date | None = None
    observation_end: dt.date | None = None
    observation_start: dt.date | None = None

    @model_validator(mode="after")
    def _window_in_order(self) -> AnalysisSettings:
        # observation_start <= calibration_end < observation_end: the holdout must not be empty
        start, cal, end = self.observation_start, self.calibration_end, self.observation_end
        if cal is not None and end is not None and cal >= end:
            raise ValueError(f"calibration_end ({cal}) must be before observation_end ({end}): "
                             "the holdout period runs from the one to the other")
        if start is not None and end is not None and start > end:
            raise ValueError(f"observation_start ({start}) is after observation_end ({end})")
        if start is not None and cal is not None and cal < start:
            raise ValueError(f"calibration_end ({cal}) is before observation_start ({start})")
        return self


class ReportSettings(Strict):
    title: str | None = None
    subtitle: Localised | None = Field(default=None, description="title page subtitle; default: the data period")
    author: Localised | None = Field(default=None, description="author(s) on the title page")
    organisation: Localised | None = Field(default=None, description="organisation on the title page")
    currency: str | None = Field(default=None, max_length=8, description="symbol before money amounts, e.g. '$' "
                                 "or '€'; default: none (plain numbers)")
    lang: Literal["en", "zh"] = "en"
    formats: list[Literal["html", "pdf"]] = Field(default_factory=lambda: ["html", "pdf"])
    renderer: Literal["auto", "quarto", "pandoc"] = "auto"
    show_customer_ids: bool = False
    notebooks: list[str] | None = Field(
        default=None, description="notebooks to run, by stem; default: all that apply to the data kind"
    )


class _StudyCore(Strict):
    """The sections every study has: name, data, cleaning and analysis window. The chapters'
    sections, the report and the engine follow (see :func:`study_config_model`)."""

    name: str
    title: Localised | None = Field(default=None, description="report title; text, or {en: …, zh: …}")
    seed: int = 0
    data: DataSettings
    cleaning: CleaningSettings = Field(default_factory=CleaningSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not value or any(c in value for c in "/\\") or value.startswith("."):
            raise ValueError("name must be a plain folder name (no slashes, not starting with '.')")
        if len(value) > MAX_NAME_LENGTH:
            raise ValueError(f"name is {len(value)} characters long; at most {MAX_NAME_LENGTH} "
                             "(it names the run folder, and file systems limit names to 255 bytes)")
        if any(not c.isprintable() for c in value):
            raise ValueError("name must not contain control characters (tabs, line breaks…)")
        return value

    @model_validator(mode="after")
    def _opportunity_window(self):
        if self.data.kind != "opportunity":
            return self
        if self.analysis.calibration_end is not None:
            raise ValueError("analysis.calibration_end: opportunity data are fitted on the whole window (no holdout)")
        dated = "date" in self.data.columns
        if not dated and (self.analysis.observation_start or self.analysis.observation_end):
            raise ValueError("analysis.observation_start/observation_end need dates: a summarised opportunity "
                             "table has its window built in")
        return self

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


_MODELS: dict[int, tuple[tuple[Chapter, ...], type[_StudyCore]]] = {}


def study_config_model(chapter_table: tuple[Chapter, ...] | None = None) -> type[_StudyCore]:
    """The study config class for a chapter table (default: the registry in force): the core
    sections, then one section per chapter that has settings, in registry order, then report, engine
    and notebook parameters. Every section is strict: an unknown key is an error."""
    chapter_table = registry() if chapter_table is None else chapter_table
    cached = _MODELS.get(id(chapter_table))
    if cached is not None and cached[0] is chapter_table:
        return cached[1]
    fields: dict[str, Any] = {}
    for entry in chapter_table:
        if entry.settings is None:
            continue
        if entry.settings_required:
            fields[entry.settings] = (entry.settings_model, Field(default_factory=entry.settings_model))
        else:
            fields[entry.settings] = (entry.settings_model | None, None)
    model = create_model(
        "StudyConfig",
        __base__=_StudyCore,
        __doc__="A whole study: data, cleaning, analyses and report.",
        **fields,
        report=(ReportSettings, Field(default_factory=ReportSettings)),
        engine=(EngineSettings, Field(default_factory=EngineSettings)),
        notebook_parameters=(dict[str, dict[str, Any]], Field(
            default_factory=dict,
            description="extra papermill parameters per notebook stem; each must be declared by it")),
    )
    _MODELS[id(chapter_table)] = (chapter_table, model)
    return model


# the config of the kit's own chapters (type annotations, and code that needs the class itself)
StudyConfig = study_config_model(CHAPTERS)


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key '{where}' (value: {item.get('input')!r})")
        else:
            lines.append(f"'{where}': {item['msg']} (value: {item.get('input')!r})")
    return f"{path}: invalid config:\n  " + "\n  ".join(lines)


def resolve_path(path: Path, config_dir: Path) -> Path:
    """Resolve a relative input path: config folder first, then the project root, then cwd."""
    if path.is_absolute():
        return path
    candidates = [config_dir / path, PROJECT_ROOT / path, Path.cwd() / path]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    return (PROJECT_ROOT / path).resolve()


class _ConfigLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a date that does not exist (2020-02-30) is a YAML error
    naming its line instead of a bare ValueError."""


def _construct_date(loader: yaml.SafeLoader, node: yaml.Node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date: {exc}", node.start_mark) from None


_ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> StudyConfig:
    """Read and validate a study config; raise ConfigError naming the file and the bad key."""
    path = Path(path)
    if not path.exists():
        raise ConfigError("config file not found", file=path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader)  # a SafeLoader
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte offset {exc.start})", file=path) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=path) from exc
    if not isinstance(raw, dict):
        raise ConfigError("a config must be a YAML mapping", file=path, value=raw)
    for dotted, value in (overrides or {}).items():
        node = raw
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    try:
        config = study_config_model().model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from exc
    data_path = resolve_path(config.data.path, path.resolve().parent)
    if not data_path.exists():
        raise ConfigError(
            f"input file not found (data.path in {path}; relative paths are looked up from the "
            "config's folder, then the project root)",
            file=config.data.path,
        )
    updates = {"data": config.data.model_copy(update={"path": data_path})}
    if config.survey is not None and config.data.kind != "transactions":
        raise ConfigError(f"{path}: a survey: section needs transaction data (data.kind: transactions), "
                          f"not {config.data.kind}")
    if config.survey is not None and getattr(config.survey, "path", None) is not None:
        survey_path = resolve_path(config.survey.path, path.resolve().parent)
        if not survey_path.exists():
            raise ConfigError(f"survey file not found (survey.path in {path}; looked up like data.path)",
                              file=config.survey.path)
        updates["survey"] = config.survey.model_copy(update={"path": survey_path})
    return config.model_copy(update=updates)


def config_from_json(data: dict[str, Any]) -> StudyConfig:
    return study_config_model().model_validate(data)
