"""The CLI refuses what cannot be meant, in plain words (issue 18): a past --at without --now,
ids too large for any record, control characters in text."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.db import get_engine
from outreach.models import Delivery

runner = CliRunner()


@pytest.fixture
def ready_db(db_url, sandbox_env):
    assert runner.invoke(app, ["init"]).exit_code == 0
    return db_url


def deliveries(db_url) -> list[Delivery]:
    with Session(get_engine(db_url)) as s:
        return list(s.exec(select(Delivery)))


def test_a_past_at_is_refused_unless_now(ready_db):
    past = runner.invoke(app, ["post", "--platform", "x", "--text", "Halo",
                               "--at", "2020-01-01T09:00"])
    assert past.exit_code == 2 and "already passed" in past.output and "--now" in past.output
    assert "Traceback" not in past.output and deliveries(ready_db) == []
    now = runner.invoke(app, ["post", "--platform", "x", "--text", "Halo",
                              "--at", "2020-01-01T09:00", "--now"])
    assert now.exit_code == 0, now.output
    [d] = deliveries(ready_db)
    assert d.scheduled_at.year >= 2026
    later = runner.invoke(app, ["post", "--platform", "x", "--text", "Nanti",
                                "--at", "2030-12-05T09:00"])
    assert later.exit_code == 0 and "2030-12-05 09:00" in later.output


@pytest.mark.parametrize("args", [["retry", "99999999999999999999999"],
                                  ["cancel", "99999999999999999999999"],
                                  ["mark-published", "99999999999999999999999", "--url",
                                   "https://x.com/a/status/1"],
                                  ["preview", "--", "-99999999999999999999999"]])
def test_huge_ids_get_a_plain_message(ready_db, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "too large" in result.output and "Overflow" not in result.output


def test_control_characters_are_stripped_from_text(ready_db):
    result = runner.invoke(app, ["post", "--platform", "x",
                                 "--text", "Halo\x1b[31m merah\x00\x07\nbaris\tdua"])
    assert result.exit_code == 0, result.output
    [d] = deliveries(ready_db)
    assert d.text == "Halo[31m merah\nbaris\tdua"
