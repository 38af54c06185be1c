"""The registry of import kinds, `outreach sources`, the docs, and imports run by the clock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sources_kit import list_records, oai_error, serve, slims_record
from typer.testing import CliRunner

from outreach.cli import app
from outreach.sources import KINDS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "sources.md"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_has_a_reader_and_is_documented(name):
    kind = KINDS[name]
    assert callable(kind.load())
    assert f"`{name}`" in DOCS.read_text(encoding="utf-8")


def test_sources_command_lists_every_kind(db_url):
    result = CliRunner().invoke(app, ["sources"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in KINDS:
        assert name in result.output
    assert "later" not in result.output


def test_bad_option_is_exit_2_with_one_json_object(db_url):
    result = CliRunner().invoke(app, ["import", "ics", "x.ics", "--json", "-o", "nonsense"])
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["errors"][0]["where"] == "--option"


def test_the_clock_imports_configured_sources_incrementally(db_url, tmp_path, monkeypatch):
    """schedules/*.yaml `imports:` entries run through run_import(kind, source) on the clock;
    the second run asks only for what is new since the first."""
    from outreach.clock import Clock
    from outreach.config import default_dir, get_settings
    from outreach.planning.schedule import load_schedule

    asked = []

    def answer(path, query):
        asked.append(query.get("from"))
        if query.get("from"):
            return 200, "text/xml", oai_error("noRecordsMatch")
        return 200, "text/xml", list_records([slims_record(1, "Buku baru")])

    folder = tmp_path / "schedules"
    shutil.copytree(default_dir("schedules"), folder)
    with serve(answer) as server:
        (folder / "local.yaml").write_text(
            f"imports:\n  - kind: slims-oai\n    source: {server.url}/oai2.php\n"
            "    every_hours: 1\n", encoding="utf-8")
        monkeypatch.setenv("OUTREACH_SCHEDULES_DIR", str(folder))
        settings = get_settings()
        schedule = load_schedule(settings)
        [job] = schedule.imports
        clock = Clock(settings, schedule)
        clock.leader = True
        clock._import(job.kind, job.source)
        clock._import(job.kind, job.source)
    assert asked == [None, "2026-03-02"]
