"""Engine and sessions: SQLite by default (WAL, foreign keys on), PostgreSQL for scale-out.

`init_db()` runs the Alembic migrations to the newest revision; it is what `outreach init` does,
and running it again is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from outreach.config import get_settings
from outreach.errors import OutreachError

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class DatabaseError(OutreachError):
    """The database cannot be used; the message says why in plain words."""

    exit_code = 2


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI connection
    cur = dbapi_conn.cursor()
    # WAL lets the web pages read while a worker writes; busy_timeout makes concurrent writers
    # wait for each other instead of failing at once with "database is locked".
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError(f"The folder for the SQLite database does not exist: {folder}")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            # psycopg 3 is the driver this project installs (extra "postgres").
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise DatabaseError(f"Unsupported database {backend!r}: use SQLite or PostgreSQL.")


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config, imported lazily
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in a password.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def init_db(url: str | None = None) -> str:
    """Create or upgrade the database to the newest schema; returns the revision now in force."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import OperationalError

    url = url or get_settings().database_url
    engine = get_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
            return ", ".join(sorted(MigrationContext.configure(conn).get_current_heads()))
    except OperationalError as exc:
        raise DatabaseError(f"Cannot open the database: {exc.orig}") from None


def check_ready(url: str | None = None) -> None:
    """Raise DatabaseError when the database has not been initialised."""
    from sqlalchemy.exc import OperationalError

    try:
        tables = inspect(get_engine(url)).get_table_names()
    except OperationalError as exc:
        raise DatabaseError(f"Cannot open the database: {exc.orig}") from None
    if "delivery" not in tables:
        raise DatabaseError("The database is not initialised yet: run `outreach init` first.")
