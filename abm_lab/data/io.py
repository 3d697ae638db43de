"""Loading data sources into the canonical model.

Sources: the synthetic demo world (generated on first use), a folder of CSV/Parquet
exports, or a DuckDB database file. Column presets map known exports (Salesforce
standard objects, the Maven CRM dataset) onto canonical names; ``data.column_map``
and ``data.value_map`` in params add or override mappings. Touches are tied to their person by
:mod:`.joins`; a run's validated tables are cached by :mod:`.cache`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..compute import Engine, open_engine
from ..config import Params
from ..config.compute import ComputeParams
from ..config.core import FileSpec
from ..errors import ABMDataError, ABMParamsError
from . import presets, schema, validate
from .joins import aliased, join_by_email
from .parse import Lines, ParseOptions, read_csv
from .presets.base import ImportReport, RawTable

TRUTH_DIR = "truth"


@dataclass
class Dataset:
    """Validated canonical tables plus where they came from."""

    tables: dict[str, pd.DataFrame]
    files: dict[str, str] = field(default_factory=dict)  # table -> file path (or duckdb table)
    hashes: dict[str, str] = field(default_factory=dict)  # file path -> sha256
    truth: dict[str, pd.DataFrame] | None = None  # synthetic world only
    truth_meta: dict | None = None
    accounting: dict[str, dict] = field(default_factory=dict)  # table -> row accounting
    #: problems that did not stop loading but must be seen (literal NULL texts, dates after as_of, ...):
    #: listed on the data-health page and printed by ``abm-lab validate``
    warnings: list[str] = field(default_factory=list)
    #: what the import read, did not use (files, columns) and did on the way (merges, derivations)
    import_report: ImportReport | None = None
    #: values the loader derived because the source lacked them, with counts (e.g. is_customer_from_won_deals)
    derived: dict[str, int] = field(default_factory=dict)
    #: every table's row count when the tables were slimmed for the notebooks' run (None: count ``tables``)
    row_counts: dict[str, int] | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.tables


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _find_file(folder: Path, table: str) -> Path | None:
    """``<table>.parquet``, ``.csv`` or ``.csv.gz`` in ``folder``, if any; two of them is an error.

    A Parquet file beside a CSV of the same table is usually a stale copy of an older export: neither is
    preferred silently, the user names the one to read in ``data.files``."""
    found = [folder / f"{table}{ext}" for ext in (".parquet", ".csv", ".csv.gz")]
    found = [p for p in found if p.exists()]
    if len(found) > 1:
        raise ABMDataError(
            f"{folder}: table '{table}' has several files ({', '.join(str(p) for p in found)}); one is probably a "
            f"stale copy. Remove it or name the file to read in data.files (e.g. {{{table}: {found[-1].name}}}).",
            file=" + ".join(str(p) for p in found),
            reason="ambiguous table file",
        )
    return found[0] if found else None


def _read(path: Path) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Raw columns of a CSV or Parquet file and, for CSV, each row's physical line (see :func:`parse.read_csv`)."""
    if path.suffix == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:
            raise ABMDataError(
                f"{path}: could not be read ({type(exc).__name__}: {exc})", file=str(path), reason="unreadable file"
            ) from None
        dup = df.columns[df.columns.duplicated()]
        if len(dup):
            raise ABMDataError(
                f"{path}: column '{dup[0]}' appears more than once",
                file=str(path),
                column=str(dup[0]),
                reason="duplicate column",
            )
        return df, None
    return read_csv(path)


def read_file(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file as raw columns (CSV cells as text, blanks as missing).

    CSV records are checked (quotes, field counts, duplicate column names): see :func:`parse.read_csv`."""
    return _read(path)[0]


def apply_mapping(df: pd.DataFrame, table: str, params: Params, file: str) -> pd.DataFrame:
    """Rename source columns and recode values onto the canonical model (preset, then params)."""
    cmap = dict(presets.column_map(params.data.preset, table))
    cmap.update(params.data.column_map.get(table, {}))
    if cmap:
        # several source columns may feed one canonical column (e.g. Contact.AccountId and
        # Lead.ConvertedAccountId in a combined contacts table): take the first non-blank, in map order
        targets: dict[str, list[str]] = {}
        for src, dst in cmap.items():
            if src in df.columns:
                targets.setdefault(dst, []).append(src)
        for dst, srcs in targets.items():
            if dst in df.columns and dst not in srcs:
                srcs = [dst] + srcs
            col = df[srcs[0]]
            for other in srcs[1:]:
                col = col.where(col.notna(), df[other])
            df = df.drop(columns=[c for c in srcs if c in df.columns])
            df[dst] = col
    vmap = presets.value_map(params.data.preset, table)
    for col, m in params.data.value_map.get(table, {}).items():
        vmap.setdefault(col, {}).update(m)
    for col, m in vmap.items():
        if col in df.columns:
            df[col] = df[col].map(lambda v, m=m: m.get(v, v) if isinstance(v, str) else v)
    return presets.transform(params.data.preset, table, df)


def read_source(path: Path) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Raw text columns of one export file and each row's physical line (None for Parquet)."""
    return _read(path)


def _file_specs(params: Params, name: str) -> list[FileSpec]:
    """The ``data.files`` entries of a table as :class:`FileSpec` (one name, or a list of names / specs)."""
    v = params.data.files.get(name)
    if v is None:
        return []
    items = [v] if isinstance(v, str) else list(v)
    return [FileSpec(path=i) if isinstance(i, str) else i for i in items]


def _resolve(folder: Path, path: str, what: str) -> Path:
    p = Path(path) if Path(path).is_absolute() else folder / path
    if not p.exists():
        raise ABMDataError(f"{p}: file named in {what} does not exist", file=str(p), reason="file not found")
    return p


def _canonical_file(path: Path, name: str, params: Params, report: ImportReport, spec: FileSpec | None) -> RawTable:
    """One file in the table's own layout (after the column preset and data.column_map / value_map)."""
    if spec is not None and spec.format == "web_visits":
        if name != "touchpoints":
            raise ABMParamsError(
                f"data.files.{name}: format 'web_visits' is for touchpoints files only ({path})", file=str(path)
            )
        from .presets.webvisits import read_web_visits

        rt = read_web_visits(spec, path, report)
        report.use(path, name)
        return rt
    raw, lines = _read(path)
    if name == "contacts" and "record_type" not in raw.columns and path.stem in ("Contact", "Lead"):
        raw["record_type"] = path.stem.lower()
    raw = apply_mapping(raw, name, params, str(path))
    for col, value in (spec.columns if spec is not None else {}).items():
        raw[col] = raw[col].where(raw[col].notna(), value) if col in raw.columns else value
    t = schema.TABLES[name]
    known = {c.name for c in t.columns}
    extra = [c for c in raw.columns if c not in known and not (t.prefixed and str(c).startswith(t.prefixed))]
    extra = [c for c in extra if not (name == "touchpoints" and c == "email")]  # used by the e-mail join
    if extra:
        report.ignored_columns[str(path)] = [str(c) for c in extra]
    report.use(path, name)
    return RawTable(raw, [path], Lines.simple(str(path), lines) if lines is not None else None)


def _column_preset_tables(folder: Path, params: Params, report: ImportReport) -> dict[str, list[RawTable]]:
    """Tables of a column preset: ``data.files``, else the preset's files, else ``<table>.csv/.parquet``."""
    out: dict[str, list[RawTable]] = {}
    for name in schema.TABLES:
        specs = _file_specs(params, name)
        if specs:
            out[name] = [
                _canonical_file(_resolve(folder, s.path, f"data.files for table '{name}'"), name, params, report, s)
                for s in specs
            ]
            continue
        candidates = [folder / f for f in presets.files(params.data.preset, name)]
        candidates = [p for p in candidates if p.exists()]
        if not candidates:
            p = _find_file(folder, name)
            candidates = [p] if p is not None else []
        if candidates:
            out[name] = [_canonical_file(p, name, params, report, None) for p in candidates]
    return out


def _program_id(params: Params) -> str | None:
    prog = params.data.program
    return None if prog is None else (prog.id or prog.campaign)


def load_folder(
    folder: str | os.PathLike, params: Params, *, engine: Engine | None = None, compute: ComputeParams | None = None
) -> Dataset:
    """Load a folder of exports; row checks run on ``engine``, else on one made from ``compute`` (default
    ``params.compute``): :func:`validate.validate_table`."""
    with open_engine(engine, compute or params.compute) as eng:
        return _load_folder(Path(folder), params, eng)


def _load_folder(folder: Path, params: Params, eng: Engine) -> Dataset:
    if not folder.is_dir():
        raise ABMDataError(
            f"{folder}: data folder does not exist (data.path in params)", file=str(folder), reason="folder not found"
        )
    preset = params.data.preset
    report = ImportReport(preset)
    reader = presets.reader(preset)
    parts: dict[str, list[RawTable]]
    if reader is not None:
        parts = {name: [rt] for name, rt in reader(folder, params, report).items()}
        for name in schema.TABLES:  # canonical-layout files added to what the reader built
            for s in _file_specs(params, name):
                path = _resolve(folder, s.path, f"data.files for table '{name}'")
                parts.setdefault(name, []).append(aliased(_canonical_file(path, name, params, report, s), report))
    else:
        parts = _column_preset_tables(folder, params, report)
    for spend in params.data.ad_spend:
        from .presets.adspend import read_ad_spend

        path = _resolve(folder, spend.path, "data.ad_spend")
        parts.setdefault("costs", []).append(
            read_ad_spend(spend, folder, _program_id(params), report, currency=params.run.currency)
        )
        report.use(path, "costs")
    if reader is None:
        used = {Path(f).resolve() for f in report.used}
        for p in sorted(folder.iterdir()):
            if p.is_file() and p.suffix in (".csv", ".parquet", ".gz", ".tsv") and p.resolve() not in used:
                report.ignored_files.append(str(p))
    tables, files, hashes, origins, accounting = {}, {}, {}, {}, {}
    opts, warnings = ParseOptions.from_params(params), list[str]()
    for name, t in schema.TABLES.items():
        got = parts.get(name)
        if not got:
            if name in schema.REQUIRED_TABLES and name not in presets.optional_tables(preset) and reader is None:
                raise ABMDataError(
                    f"{folder}: no file for required table '{name}' (expected {name}.csv or "
                    f"{name}.parquet, or name it in data.files)",
                    file=str(folder / name),
                    reason="missing table",
                )
            if name in schema.REQUIRED_TABLES:
                tables[name] = schema.empty_table(name)
            continue
        rt = RawTable.concat(got)
        if name == "touchpoints":
            rt = join_by_email(rt, tables["contacts"], report)
        tables[name] = validate.validate_table(
            rt.df, t, file=rt.label, opts=opts, lines=rt.lines, warnings=warnings, engine=eng
        )
        files[name] = rt.label
        accounting[name] = {"rows_in": len(rt.df) + sum(rt.set_aside.values()), "rows_loaded": len(rt.df)}
        accounting[name].update({f"set_aside: {k}": v for k, v in rt.set_aside.items()})
        if rt.lines is not None:
            origins[name] = rt.lines
        for p in rt.paths:
            hashes[str(p)] = sha256_file(p)
    ds = _finish(tables, files, hashes, folder, origins, warnings, report, eng)
    for name, acc in accounting.items():
        ds.accounting[name] = acc
    return ds


def load_duckdb(
    db_path: str | os.PathLike, params: Params, *, engine: Engine | None = None, compute: ComputeParams | None = None
) -> Dataset:
    """Load the tables of a DuckDB file; row checks as in :func:`load_folder`."""
    with open_engine(engine, compute or params.compute) as eng:
        return _load_duckdb(Path(db_path), params, eng)


def _load_duckdb(db_path: Path, params: Params, eng: Engine) -> Dataset:
    import duckdb

    if not db_path.exists():
        raise ABMDataError(f"{db_path}: DuckDB file not found (data.path)", file=str(db_path), reason="not found")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        present = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        tables, files = {}, {}
        opts, warnings = ParseOptions.from_params(params), list[str]()
        for name, t in schema.TABLES.items():
            spec = _file_specs(params, name)
            if len(spec) > 1:
                raise ABMParamsError(f"data.files.{name}: a DuckDB source names one table per canonical table")
            src = spec[0].path if spec else name
            if src not in present:
                if name in schema.REQUIRED_TABLES:
                    raise ABMDataError(
                        f"{db_path}: no table '{src}' for required table '{name}'",
                        file=str(db_path),
                        reason="missing table",
                    )
                continue
            raw = con.execute(f'select * from "{src}"').df()
            label = f"{db_path}:{src}"
            raw = apply_mapping(raw, name, params, label)
            tables[name] = validate.validate_table(raw, t, file=label, opts=opts, warnings=warnings, engine=eng)
            files[name] = label
    finally:
        con.close()
    hashes = {str(db_path): sha256_file(db_path)}
    return _finish(tables, files, hashes, None, {}, warnings, ImportReport("duckdb"), eng)


def _finish(
    tables,
    files,
    hashes,
    folder: Path | None,
    origins: dict[str, Lines],
    warnings: list[str],
    report: ImportReport,
    eng: Engine | None = None,
) -> Dataset:
    validate.check_foreign_keys(tables, files, origins, engine=eng)
    tables["opportunities"] = validate.derive_opportunity_flags(tables["opportunities"])
    acc = tables["accounts"]
    derive = acc["domain"].isna() & acc["website"].notna()
    if derive.any():  # domain is derived from the website when the source has none
        from ..mapping.normalize import registered_domains

        acc.loc[derive, "domain"] = registered_domains(acc.loc[derive, "website"]).astype("string")
        tables["accounts"] = acc
    derived: dict[str, int] = {}
    region = acc["region"].isna() & acc["country"].notna()
    if region.any():  # sales region from the country, for every source
        acc.loc[region, "region"] = acc.loc[region, "country"].map(presets.region_of).astype("string")
        tables["accounts"] = acc
    if len(acc) and acc["is_customer"].isna().all():
        won = tables["opportunities"].loc[tables["opportunities"]["is_won"], "account_id"].dropna().unique()
        acc["is_customer"] = acc["account_id"].isin(won).astype("boolean")
        tables["accounts"] = acc
        derived["is_customer_from_won_deals"] = int(acc["is_customer"].sum())
        report.note(
            f"accounts: no customer flag in the source; {derived['is_customer_from_won_deals']:,} account(s) with a "
            "won deal taken as customers"
        )
    ds = Dataset(
        tables=tables,
        files=files,
        hashes=hashes,
        accounting={k: {"rows_in": len(v), "rows_loaded": len(v)} for k, v in tables.items()},
        warnings=list(warnings),
        import_report=report,
        derived=derived,
    )
    if folder is not None and (folder / TRUTH_DIR).is_dir():
        ds.truth, ds.truth_meta = load_truth(folder)
    return ds


def load_truth(folder: str | os.PathLike) -> tuple[dict[str, pd.DataFrame], dict]:
    import json

    tdir = Path(folder) / TRUTH_DIR
    truth = {p.stem: pd.read_parquet(p) for p in sorted(tdir.glob("*.parquet"))}
    meta_path = tdir / "truth.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return truth, meta


def load_dataset(params: Params, root: str | os.PathLike = ".", *, compute: ComputeParams | None = None) -> Dataset:
    """Load the source named in ``params.data`` (generating the demo world if needed); the row checks run on the
    engine of ``compute`` (default ``params.compute``: DuckDB unless ``engine: spark``)."""
    path = Path(root) / params.data.path
    compute = compute or params.compute
    if params.data.source == "demo":
        from ..synth import ensure_world

        ensure_world(params.demo, params.run.as_of, path)
        ds = load_folder(path, params, compute=compute)
    elif params.data.source == "folder":
        ds = load_folder(path, params, compute=compute)
    else:
        ds = load_duckdb(path, params, compute=compute)
    ds = known_at(ds, params.run.as_of)
    from .diagnose import diagnose

    # suspicious patterns (one channel only, duplicated people, no programme so no ROI, ...): seen by
    # `abm-lab validate`, the run and the data-health page
    ds.warnings = list(dict.fromkeys([*ds.warnings, *diagnose(ds, params)]))
    return ds


def known_at(ds: Dataset, as_of: object) -> Dataset:
    """The dataset as known on ``as_of`` (:func:`abm_lab.data.asof.as_known_at`): later rows set aside and
    counted in ``accounting`` (``excluded_after_as_of``) and ``warnings``, deals closed later read as open."""
    from .asof import as_known_at, describe

    tables, excluded = as_known_at(ds.tables, as_of)
    if not excluded:
        return ds
    for name, n in excluded.items():
        if name in ds.accounting:
            ds.accounting[name] = {**ds.accounting[name], "excluded_after_as_of": n, "rows_loaded": len(tables[name])}
    ds.tables = tables
    ds.warnings = [*ds.warnings, *describe(excluded, as_of)]
    return ds
