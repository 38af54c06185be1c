"""Database: `init` creates and upgrades harmlessly, migrations match the models, times are UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.db import get_engine, init_db
from outreach.models import Account, Delivery, Post

WITA = timezone(timedelta(hours=8))


def newest() -> str:
    from alembic.script import ScriptDirectory

    from outreach.db import alembic_config

    return ", ".join(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def _check_database(url: str) -> None:
    # Migrations and models describe the same schema.
    with get_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
    assert diff == []
    # An aware time in any zone comes back as the same instant, aware, in UTC.
    local = datetime(2026, 12, 5, 9, 0, tzinfo=WITA)
    with Session(get_engine(url)) as session:
        account = Account(platform="x", external_id="1", name="t")
        session.add(account)
        session.flush()
        post = Post(kind="free", text="hi")
        session.add(post)
        session.flush()
        session.add(Delivery(post_id=post.id, account_id=account.id, platform="x", text="hi",
                             scheduled_at=local, next_attempt_at=local))
        session.commit()
    with Session(get_engine(url)) as session:
        d = session.exec(select(Delivery)).one()
        assert d.scheduled_at == local
        assert d.scheduled_at.tzinfo is not None and d.scheduled_at.utcoffset() == timedelta(0)
        assert d.scheduled_at.hour == 1
        # Comparisons in SQL see UTC instants, not wall-clock strings.
        found = session.exec(select(Delivery).where(
            Delivery.scheduled_at < datetime(2026, 12, 5, 1, 30, tzinfo=UTC))).all()
        assert len(found) == 1


def _init_twice_with_cli(url: str, monkeypatch) -> None:
    monkeypatch.setenv("OUTREACH_DATABASE_URL", url)
    runner = CliRunner()
    first = runner.invoke(app, ["init"])
    second = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "Database ready" in second.output


def test_sqlite_init_twice_and_types(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    _init_twice_with_cli(url, monkeypatch)
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    _check_database(url)
    # Data survives a second init.
    assert init_db(url) == newest()
    with Session(get_engine(url)) as session:
        assert len(session.exec(select(Delivery)).all()) == 1


def test_sqlite_refuses_naive_times(db_url):
    with Session(get_engine(db_url)) as session:
        session.add(Account(platform="x", external_id="2", name="t",
                            created_at=datetime(2026, 1, 1)))
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            session.commit()


def test_foreign_keys_are_enforced(db_url):
    with Session(get_engine(db_url)) as session:
        session.add(Delivery(post_id=999, account_id=999, platform="x", text="x",
                             scheduled_at=datetime.now(UTC)))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


def test_postgres_init_twice_and_types(pg_url, monkeypatch):
    _init_twice_with_cli(pg_url, monkeypatch)
    _check_database(pg_url)
    assert init_db(pg_url) == newest()
    with get_engine(pg_url).connect() as conn:
        kind = conn.execute(sa.text(
            "select data_type from information_schema.columns "
            "where table_name='delivery' and column_name='scheduled_at'")).scalar()
    assert kind == "timestamp with time zone"


def test_init_reports_unusable_database_plainly(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_commands_before_init_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    result = CliRunner().invoke(app, ["queue"])
    assert result.exit_code == 2
    assert "outreach init" in result.output
