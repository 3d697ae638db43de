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
from ..errors import ABMDataError
from . import presets, schema, validate
from .parse import Lines, ParseOptions, read_csv

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


def _read_table(folder: Path, name: str, params: Params) -> tuple[pd.DataFrame, list[Path], Lines | None] | None:
    """Raw rows of one table: a data.files override, the preset's files, or <table>.csv/.parquet.

    Also returns where each row came from (file and physical line) when every file is a CSV."""
    override = params.data.files.get(name)
    if override:
        candidates = [folder / override]
        if not candidates[0].exists():
            raise ABMDataError(
                f"{candidates[0]}: file named in data.files for table '{name}' does not exist",
                file=str(candidates[0]),
                reason="file not found",
            )
    else:
        candidates = [folder / f for f in presets.files(params.data.preset, name)]
        candidates = [p for p in candidates if p.exists()]
        if not candidates:
            p = _find_file(folder, name)
            candidates = [p] if p is not None else []
    if not candidates:
        return None
    frames, parts = [], []
    for path in candidates:
        raw, lines = _read(path)
        if name == "contacts" and "record_type" not in raw.columns and path.stem in ("Contact", "Lead"):
            raw["record_type"] = path.stem.lower()
        frames.append(raw)
        parts.append(Lines.simple(str(path), lines) if lines is not None else None)
    origin = Lines.concat([p for p in parts if p is not None]) if all(p is not None for p in parts) else None
    return (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)), candidates, origin


def load_folder(folder: str | os.PathLike, params: Params) -> Dataset:
    folder = Path(folder)
    if not folder.is_dir():
        raise ABMDataError(
            f"{folder}: data folder does not exist (data.path in params)", file=str(folder), reason="folder not found"
        )
    tables, files, hashes, origins = {}, {}, {}, {}
    opts, warnings = ParseOptions.from_params(params), list[str]()
    for name, t in schema.TABLES.items():
        got = _read_table(folder, name, params)
        if got is None:
            if name in schema.REQUIRED_TABLES and name not in presets.optional_tables(params.data.preset):
                raise ABMDataError(
                    f"{folder}: no file for required table '{name}' (expected {name}.csv or "
                    f"{name}.parquet, or name it in data.files)",
                    file=str(folder / name),
                    reason="missing table",
                )
            if name in schema.REQUIRED_TABLES:
                tables[name] = schema.empty_table(name)
            continue
        raw, paths, lines = got
        label = " + ".join(str(p) for p in paths)
        raw = apply_mapping(raw, name, params, label)
        tables[name] = validate.validate_table(raw, t, file=label, opts=opts, lines=lines, warnings=warnings)
        files[name] = label
        if lines is not None:
            origins[name] = lines
        for p in paths:
            hashes[str(p)] = sha256_file(p)
    return _finish(tables, files, hashes, folder, origins, warnings)


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
            src = params.data.files.get(name, name)
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
    return _finish(tables, files, {str(db_path): sha256_file(db_path)}, None, {}, warnings)


def _finish(tables, files, hashes, folder: Path | None, origins: dict[str, Lines], warnings: list[str]) -> Dataset:
    validate.check_foreign_keys(tables, files, origins)
    tables["opportunities"] = validate.derive_opportunity_flags(tables["opportunities"])
    acc = tables["accounts"]
    derive = acc["domain"].isna() & acc["website"].notna()
    if derive.any():  # domain is derived from the website when the source has none
        from ..mapping.normalize import registered_domains

        acc.loc[derive, "domain"] = registered_domains(acc.loc[derive, "website"]).astype("string")
        tables["accounts"] = acc
    if acc["is_customer"].isna().all():
        won = tables["opportunities"].loc[tables["opportunities"]["is_won"], "account_id"].dropna().unique()
        acc["is_customer"] = acc["account_id"].isin(won).astype("boolean")
        tables["accounts"] = acc
    ds = Dataset(
        tables=tables,
        files=files,
        hashes=hashes,
        accounting={k: {"rows_in": len(v), "rows_loaded": len(v)} for k, v in tables.items()},
        warnings=list(warnings),
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
    return known_at(ds, params.run.as_of)


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
    )
    if data_path.is_dir() and (data_path / TRUTH_DIR).is_dir():
        ds.truth, ds.truth_meta = load_truth(data_path)
    return ds
