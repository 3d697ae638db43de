"""Loading data sources into the canonical model.

Sources: the synthetic demo world (generated on first use), a folder of CSV/Parquet
exports, or a DuckDB database file. Column presets map known exports (Salesforce
standard objects, the Maven CRM dataset) onto canonical names; ``data.column_map``
and ``data.value_map`` in params add or override mappings.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Params
from ..config.core import FileSpec
from ..errors import ABMDataError, ABMParamsError
from . import presets, schema, validate
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


def _aliased(rt: RawTable, report: ImportReport) -> RawTable:
    """Ids of records the reader merged away (a converted lead's id) replaced by the surviving record's id."""
    for table, col in (("contacts", "contact_id"), ("accounts", "account_id")):
        alias = report.aliases.get(table)
        if alias and col in rt.df.columns:
            ids = rt.df[col]
            hit = ids.isin(list(alias)).fillna(False)
            if hit.any():
                df = rt.df.copy()
                df[col] = ids.where(~hit, ids.map(alias))
                report.note(
                    f"{rt.label}: {int(hit.sum()):,} row(s) name a merged record's old id in {col}; "
                    "pointed at the record it was merged into"
                )
                rt = RawTable(df, rt.paths, rt.lines, rt.set_aside)
    return rt


def _program_id(params: Params) -> str | None:
    prog = params.data.program
    return None if prog is None else (prog.id or prog.campaign)


def _join_by_email(tp: RawTable, contacts: pd.DataFrame, report: ImportReport) -> RawTable:
    """Touches that carry a person's e-mail instead of a contact id (marketing-automation and e-mail tool
    exports): contact_id from the e-mail (case-insensitive; the earliest-created person when several share it).
    Rows whose e-mail matches nobody are set aside and counted (a touch of nobody cannot reach an account)."""
    df = tp.df
    if "email" not in df.columns:
        return tp
    cid = df["contact_id"] if "contact_id" in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")
    blank = cid.isna() | (cid.astype("string").str.strip() == "").fillna(True)
    mail = df["email"].astype("string").str.strip().str.lower()
    todo = blank & mail.notna()
    if not todo.any():
        return RawTable(df.drop(columns=["email"]), tp.paths, tp.lines, tp.set_aside)
    people = contacts.loc[contacts["email"].notna(), ["contact_id", "email", "created_date"]].copy()
    people["key"] = people["email"].astype("string").str.strip().str.lower()
    people = people.sort_values(["key", "created_date", "contact_id"], na_position="last", kind="stable")
    lookup = people.drop_duplicates("key").set_index("key")["contact_id"]
    found = mail.map(lookup)
    df = df.copy()
    df["contact_id"] = cid.where(~todo, found).astype("object")
    unmatched = todo & found.isna()
    joined = int((todo & found.notna()).sum())
    report.note(f"touchpoints: {joined:,} touch(es) linked to their person by e-mail")
    keep = ~unmatched.to_numpy()
    if unmatched.any():
        first = tp.lines.label(int(np.flatnonzero(~keep)[0])) if tp.lines is not None else "row ?"
        report.note(
            f"touchpoints: {int(unmatched.sum()):,} touch(es) with an e-mail that matches no person were set aside "
            f"(first at {first}); load the people they belong to (contacts) to use them"
        )
    out = RawTable(df.drop(columns=["email"]), tp.paths, tp.lines, tp.set_aside)
    return out.subset(keep, "e-mail matches no person")


def load_folder(folder: str | os.PathLike, params: Params) -> Dataset:
    folder = Path(folder)
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
                parts.setdefault(name, []).append(_aliased(_canonical_file(path, name, params, report, s), report))
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
            rt = _join_by_email(rt, tables["contacts"], report)
        tables[name] = validate.validate_table(rt.df, t, file=rt.label, opts=opts, lines=rt.lines, warnings=warnings)
        files[name] = rt.label
        accounting[name] = {"rows_in": len(rt.df) + sum(rt.set_aside.values()), "rows_loaded": len(rt.df)}
        accounting[name].update({f"set_aside: {k}": v for k, v in rt.set_aside.items()})
        if rt.lines is not None:
            origins[name] = rt.lines
        for p in rt.paths:
            hashes[str(p)] = sha256_file(p)
    ds = _finish(tables, files, hashes, folder, origins, warnings, report)
    for name, acc in accounting.items():
        ds.accounting[name] = acc
    return ds


def load_duckdb(db_path: str | os.PathLike, params: Params) -> Dataset:
    import duckdb

    db_path = Path(db_path)
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
            tables[name] = validate.validate_table(raw, t, file=label, opts=opts, warnings=warnings)
            files[name] = label
    finally:
        con.close()
    return _finish(tables, files, {str(db_path): sha256_file(db_path)}, None, {}, warnings, ImportReport("duckdb"))


def _finish(
    tables, files, hashes, folder: Path | None, origins: dict[str, Lines], warnings: list[str], report: ImportReport
) -> Dataset:
    validate.check_foreign_keys(tables, files, origins)
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


def load_dataset(params: Params, root: str | os.PathLike = ".") -> Dataset:
    """Load the source named in ``params.data`` (generating the demo world if needed)."""
    path = Path(root) / params.data.path
    if params.data.source == "demo":
        from ..synth import ensure_world

        ensure_world(params.demo, params.run.as_of, path)
        ds = load_folder(path, params)
    elif params.data.source == "folder":
        ds = load_folder(path, params)
    else:
        ds = load_duckdb(path, params)
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


CACHE_DIR = "canonical"


def data_fingerprint(params: Params) -> str:
    """Hash of the params that determine the loaded data (source, mapping, demo world)."""
    import json

    key = {
        "data": params.data.model_dump(mode="json"),
        "demo": params.demo.model_dump(mode="json"),
        "as_of": str(params.run.as_of),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def save_canonical(ds: Dataset, folder: str | os.PathLike, fingerprint: str) -> Path:
    """Cache validated tables of a run (notebooks then skip re-validation). Truth is not copied."""
    import json

    folder = Path(folder) / CACHE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in ds.tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    meta = {
        "fingerprint": fingerprint,
        "files": ds.files,
        "hashes": ds.hashes,
        "accounting": ds.accounting,
        "tables": list(ds.tables),  # the data model's order (a reload must not reorder the tables)
        "warnings": ds.warnings,
        "import_report": ds.import_report.to_dict() if ds.import_report is not None else None,
        "derived": ds.derived,
    }
    (folder / "dataset.json").write_text(json.dumps(meta, indent=2))
    return folder


def load_canonical(folder: str | os.PathLike, fingerprint: str, data_path: Path) -> Dataset | None:
    """The cached Dataset if it was made from the same data params, else None."""
    import json

    folder = Path(folder) / CACHE_DIR
    mp = folder / "dataset.json"
    if not mp.exists():
        return None
    meta = json.loads(mp.read_text())
    if meta.get("fingerprint") != fingerprint:
        return None
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in meta["tables"]}
    ds = Dataset(
        tables=tables,
        files=meta["files"],
        hashes=meta["hashes"],
        accounting=meta.get("accounting", {}),
        warnings=meta.get("warnings", []),
        import_report=ImportReport.from_dict(meta["import_report"]) if meta.get("import_report") else None,
        derived=meta.get("derived", {}),
    )
    if data_path.is_dir() and (data_path / TRUTH_DIR).is_dir():
        ds.truth, ds.truth_meta = load_truth(data_path)
    return ds
