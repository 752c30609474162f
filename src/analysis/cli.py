"""Command line: ``python -m analysis {run,validate,summarize,cache}``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .core.errors import StudyError

EPILOG = """examples:
  python -m analysis run configs/cdnow.yml                 # writes reports/cdnow/
  python -m analysis run my.yml --out /tmp/study --lang zh
  python -m analysis validate my.yml                       # checks config and data, writes nothing
  python -m analysis summarize my.yml --out customers.parquet
  python -m analysis run my.yml --no-cache                 # recompute every stage
  python -m analysis cache --list                          # what the stage cache holds

--out for run: a new path, an empty folder, or a previous run folder of the kit (it has a
manifest.json with "kit": "customer-analytics-kit"), which is then replaced; anything else is
refused before any work starts (exit 2): an existing file, a folder with other files in it, the
working folder, the folder of the data file or of the config (or a parent of them), data/raw.
Files holding raw customer ids (quarantine.csv.gz) go beside the run folder, in OUT.private/.

run reuses the stages (data, each chapter, rendering) of earlier runs whose inputs, settings and
code are unchanged, from the stage cache: $ANALYSIS_CACHE_DIR, else $XDG_CACHE_HOME/customer-analytics-kit,
else ~/.cache/customer-analytics-kit; at most $ANALYSIS_CACHE_MAX_SIZE (default 2G; 0 turns it off).

exit codes: 0 success, 1 analysis failure, 2 bad config, data or --out path, 3 rendering failure,
  130 interrupted (Ctrl-C), 143 terminated (SIGTERM); an interrupted or failed run leaves nothing
  behind (no staging folder, no folder it created)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Reproducible customer-analytics studies: 80/20, customer lifetime value, "
        "retention; rendered as HTML and PDF case-study reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a whole study and render its report")
    run.add_argument("config", type=Path, help="study config (YAML)")
    run.add_argument("--out", type=Path, help="run folder (default: reports/<name>/)")
    run.add_argument("--lang", choices=["en", "zh"], help="report language (overrides the config)")
    run.add_argument("--format", dest="formats", action="append", choices=["html", "pdf"],
                     help="output format; repeat for several (default: the config's, html and pdf)")
    run.add_argument("--renderer", choices=["auto", "quarto", "pandoc"],
                     help="report renderer (default: quarto when installed, else pandoc + typst)")
    run.add_argument("--no-cache", action="store_true",
                     help="recompute every stage instead of reusing the stage cache (and refresh it)")
    noise = run.add_mutually_exclusive_group()
    noise.add_argument("--quiet", action="store_true", help="no progress lines")
    noise.add_argument("--verbose", action="store_true", help="progress lines even when not a terminal")

    validate = commands.add_parser("validate", help="check config and data; print a data-quality summary")
    validate.add_argument("config", type=Path)

    summarize = commands.add_parser("summarize", help="load, clean and write the per-customer summary")
    summarize.add_argument("config", type=Path)
    summarize.add_argument("--out", type=Path, required=True, help="output file (.parquet or .csv)")

    cache = commands.add_parser("cache", help="list or clear the stage cache that makes reruns fast")
    action = cache.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true", help="list the cached stages, most recently used first")
    action.add_argument("--clear", action="store_true", help="remove every cached stage")
    return parser


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the process is so that a run removes what it created."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                previous[signum] = signal.signal(signum, _raise_terminated)
    try:
        return _dispatch(args)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _dispatch(args) -> int:
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "cache":
            return _cache(args)
        return _summarize(args)
    except StudyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        print(f"terminated by {exc}", file=sys.stderr)
        return 128 + exc.signum


def _run(args) -> int:
    from .run.pipeline import run_study

    overrides = {}
    if args.lang:
        overrides["report.lang"] = args.lang
    if args.formats:
        overrides["report.formats"] = sorted(set(args.formats))
    if args.renderer:
        overrides["report.renderer"] = args.renderer
    quiet = True if args.quiet else (False if args.verbose else None)
    run_dir = run_study(args.config, out_dir=args.out, quiet=quiet, overrides=overrides, use_cache=not args.no_cache)
    print(run_dir)
    return 0


def _cache(args) -> int:
    import datetime as dt

    from .run.cache import StageCache

    cache = StageCache()
    if args.clear:
        removed = cache.clear()
        print(f"removed {removed} cached stage(s) from {cache.root}")
        return 0
    entries = cache.list()
    total = sum(e["bytes"] for e in entries)
    print(f"stage cache {cache.root}: {len(entries)} entries, {_size(total)} of at most {_size(cache.max_size)}")
    for entry in entries:
        used = dt.datetime.fromtimestamp(entry["last_used"], dt.UTC).strftime("%Y-%m-%d %H:%M")
        print(f"  {used}  {_size(entry['bytes']):>9}  {entry['kind']:<7} {entry['name']:<14} {entry['key'][:16]}")
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _validate(args) -> int:
    from .chapters.readiness import MIN_CUSTOMERS
    from .core.config import load_config
    from .data.loading import load_contracts
    from .data.prepare import prepare_transactions

    # Everything run checks before its first chapter is checked here too (the window against the
    # data, in cleaning); then each chapter's readiness says which will run and which be skipped.
    config = load_config(args.config)
    from .chapters import plan_notebooks

    plan_notebooks(config.data.kind, config.report.notebooks)  # an unknown chapter stops here, before the data
    print(f"config {args.config}: valid (study '{config.name}', {config.data.kind} data)")
    print(f"data {config.data.path}")
    if config.data.kind == "contractual":
        contracts = load_contracts(config.data)
        print(f"  {len(contracts):,} customers, {int(contracts['churned'].sum()):,} churned, "
              f"tenure {contracts['tenure'].min():g}–{contracts['tenure'].max():g}")
        for column in config.data.covariates:
            blanks = int(contracts[column].isna().sum())
            if blanks:
                print(f"  covariate {column}: {blanks} blank values")
        _print_readiness(config, contracts)
        return 0
    if config.data.kind == "opportunity":
        from .data.opportunity import describe_opportunities, load_opportunity_data

        table, _ = load_opportunity_data(config.data, config.analysis)
        facts = describe_opportunities(table, config.data)
        print(f"  {facts['customers']:,.0f} customers over {facts['periods_max']:g} opportunities, "
              f"{facts['repeat_transactions']:,.0f} repeat transactions")
        print("chapter clv: will run" if facts["customers"] >= MIN_CUSTOMERS else
              f"chapter clv: will be skipped (not estimable): {facts['customers']:g} customers; "
              f"at least {MIN_CUSTOMERS} are needed")
        return 0
    prepared = prepare_transactions(config)
    counts = prepared.cleaning.counts()
    customers = prepared.customers
    print(f"  input rows        {counts['input_rows']:>12,}")
    for reason, n in counts["dropped"].items():
        print(f"  dropped: {reason:<24}{n:>10,}")
    for reason, n in counts["changed"].items():
        print(f"  changed: {reason:<24}{n:>10,}")
    print(f"  kept rows         {counts['kept_rows']:>12,}")
    print(f"  quarantined rows  {counts['quarantined_rows']:>12,}")
    print(f"  purchase days     {counts['transactions']:>12,}")
    print(f"  customers         {len(customers):>12,}")
    print(f"  window            {customers['first_purchase'].min():%Y-%m-%d} … "
          f"{customers['last_purchase'].max():%Y-%m-%d}")
    analysis = config.analysis
    if analysis.observation_start or analysis.observation_end or analysis.calibration_end:
        print(f"  study window      {analysis.observation_start or 'first purchase'} … "
              f"{analysis.observation_end or 'last purchase'}"
              + (f", calibration to {analysis.calibration_end}" if analysis.calibration_end else ""))
    if "frequency_cal" in customers:
        in_cal = customers["frequency_cal"].notna()
        print(f"  calibration: {int(in_cal.sum()):,} customers, "
              f"{int(customers.loc[in_cal, 'frequency_cal'].sum()):,} repeat purchases; "
              f"holdout {int(customers.loc[in_cal, 'frequency_holdout'].sum()):,}")
    _print_readiness(config, customers, _churn_threshold(prepared.cleaning, config))
    return 0


def _churn_threshold(cleaning, config) -> int:
    """The retention chapter's inactivity threshold, computed as the chapter computes it."""
    from .data.transaction_log import TransactionLog
    from .retention.churn import resolve_threshold

    cleaning.con.execute(f"CREATE OR REPLACE VIEW log AS SELECT * FROM {cleaning.table}")
    log = TransactionLog(cleaning.con, [r[0] for r in cleaning.con.execute("DESCRIBE log").fetchall()],
                         "<cleaned input>")
    settings = config.retention
    return resolve_threshold(log, settings.churn_threshold, settings.dormant_days, settings.gap_quantile)


def _print_readiness(config, customers, churn_threshold_days: int | None = None) -> None:
    from .chapters import plan_notebooks
    from .chapters.readiness import chapter_readiness, part_readiness

    planned, pulled = plan_notebooks(config.data.kind, config.report.notebooks)
    wanted = {entry.name for entry in planned}
    if pulled:
        print(f"report.notebooks: {', '.join(pulled)} will run too, required by the chapters asked for")
    readiness = chapter_readiness(customers, config)
    parts = part_readiness(customers, config, churn_threshold_days=churn_threshold_days)
    for chapter, reason in readiness.items():
        if chapter not in wanted:
            continue
        if reason is None:
            print(f"chapter {chapter}: will run")
            for note in parts.get(chapter, []):
                print(f"  not estimable within it: {note}")
        else:
            print(f"chapter {chapter}: will be skipped (not estimable): {reason}")


def _summarize(args) -> int:
    from .core.config import load_config
    from .data.prepare import clean, write_summary

    config = load_config(args.config)
    if config.data.kind != "transactions":
        from .core.errors import ConfigError

        raise ConfigError("summarize needs transaction data (data.kind: transactions)", file=args.config)
    out = Path(args.out)
    _check_summary_out(out, config, args.config)
    cleaning = clean(config)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        written = write_summary(cleaning, config, partial, "csv" if out.suffix == ".csv" else "parquet")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    print(f"{written:,} customers written to {out}")
    return 0


def _check_summary_out(out: Path, config, config_path: Path) -> None:
    """summarize writes one file: refuse a folder, the study's own inputs, and data/raw."""
    from .core.errors import ConfigError
    from .core.paths import RAW_DATA_DIR

    if out.is_dir():
        raise ConfigError("--out is a folder; summarize writes one file (.parquet or .csv)", file=out)
    if out.suffix not in (".csv", ".parquet"):
        raise ConfigError("--out must end in .parquet or .csv", file=out)
    resolved = out.resolve()
    if RAW_DATA_DIR.resolve() in resolved.parents:
        raise ConfigError(f"is under {RAW_DATA_DIR}, where the raw data is kept unchanged", file=out)
    for description, path in (("the data file", config.data.path), ("the config file", config_path)):
        if Path(path).exists() and resolved == Path(path).resolve():
            raise ConfigError(f"is {description}; summarize would overwrite it", file=out)
