"""Params: defaults in one place, clear errors, no credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm_lab.config import load_params, parse_params
from abm_lab.errors import ABMParamsError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "params").glob("*.yaml")))
def test_shipped_params_files_are_valid(name):
    p = load_params(ROOT / "params" / name)
    assert p.run.name


def test_unknown_key_is_an_error_naming_it():
    with pytest.raises(ABMParamsError, match="run.nmae"):
        parse_params({"run": {"nmae": "x"}})


def test_window_out_of_order():
    with pytest.raises(ABMParamsError, match="window_end"):
        parse_params({"run": {"window_start": "2026-10-01", "window_end": "2026-09-01"}})


@pytest.mark.parametrize(
    "raw",
    [
        {"data": {"password": "hunter2"}},
        {"data": {"source": "duckdb", "database_url_env": "postgres://user:pw@host/db"}},
        {"data": {"files": {"accounts": "postgres://u:secret@db/x"}}},
    ],
)
def test_credentials_are_refused(raw):
    with pytest.raises(ABMParamsError, match="credential|environment variable"):
        parse_params(raw)


def test_missing_file(tmp_path):
    with pytest.raises(ABMParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    "raw",
    [
        {"data": {"column_map": {"accounts": {"API_Token_Count__c": "api_tokens", "Secret_Sauce__c": "sauce"}}}},
        {"data": {"value_map": {"accounts": {"Password_Reset__c": {"Yes": "true"}}}}},
        {"data": {"files": {"token_usage": "Token_Usage.csv"}}},
    ],
)
def test_source_column_names_are_not_credentials(raw):
    parse_params(raw)  # an export's own column names may contain 'token', 'secret', 'password'


@pytest.mark.parametrize(
    "value",
    [
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "xoxb-123456789012-abcdefghijkl",
        "AKIAIOSFODNN7EXAMPLE",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ],
)
def test_token_values_are_refused_wherever_they_are(value):
    with pytest.raises(ABMParamsError, match="token"):
        parse_params({"data": {"column_map": {"accounts": {"Owner": value}}}})
    with pytest.raises(ABMParamsError, match="token"):
        parse_params({"run": {"name": value}} if value.isalnum() else {"data": {"path": value}})
