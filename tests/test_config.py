"""Settings: defaults, .env, and refusals that name the variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from outreach.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_embedded_ones():
    s = load_settings()
    assert s.database_url == "sqlite:///outreach.db"
    assert s.timezone == "Asia/Makassar" and s.locale == "id"
    assert s.x_api_url == "https://api.x.com"
    assert s.graph_api_url == "https://graph.facebook.com"
    assert s.templates_path.joinpath("acquisition", "x.id.j2").is_file()
    assert s.schedules_path.joinpath("default.yaml").is_file()


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("OUTREACH_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("OUTREACH_LOCALE", "xx_YY_ZZ", "locale code"),
        ("OUTREACH_DATABASE_URL", "mysql://u@h/db", "SQLAlchemy database URL"),
        ("OUTREACH_DATABASE_URL", "not a url", "SQLAlchemy database URL"),
        ("OUTREACH_X_API_URL", "ftp://example.org", "http(s) URL"),
        ("OUTREACH_ANNOUNCE_WINDOW_DAYS", "-3", "0 or more"),
        ("OUTREACH_ANNOUNCE_WINDOW_DAYS", "soon", "whole number"),
        ("OUTREACH_TEMPLATES_DIR", "/no/such/folder", "existing folder"),
        ("OUTREACH_HASHTAGS", "#ok #not-a-tag!", "hashtags"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch, var, value, expected):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert var in message and expected in message


def test_secret_values_are_not_echoed(monkeypatch):
    monkeypatch.setenv("OUTREACH_X_API_URL", "nope")
    monkeypatch.setenv("OUTREACH_X_CONSUMER_SECRET", "s3cr3t-value")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "s3cr3t-value" not in str(info.value)
    monkeypatch.setenv("OUTREACH_X_API_URL", "https://api.x.com")
    assert "s3cr3t-value" not in repr(load_settings())


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text('OUTREACH_TIMEZONE=Asia/Jakarta\nOUTREACH_HASHTAGS="a, #b"\n')
    s = load_settings()
    assert s.timezone == "Asia/Jakarta"
    assert s.hashtags == ["#a", "#b"]


def test_env_example_documents_every_setting_with_its_default(tmp_path):
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*(OUTREACH_[A-Z0-9_]+)=", text, flags=re.M))
    fields = {"OUTREACH_" + name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "undocumented settings"
    assert documented - fields == set(), "documented settings that do not exist"
    # Loading the example as it is gives exactly the defaults.
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    assert load_settings().model_dump() == Settings(_env_file=None).model_dump()


def test_cli_refuses_bad_setting_in_plain_words(monkeypatch):
    from typer.testing import CliRunner

    from outreach.cli import app

    monkeypatch.setenv("OUTREACH_TIMEZONE", "Nowhere/Land")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 2
    assert "OUTREACH_TIMEZONE" in result.output and "Traceback" not in result.output
