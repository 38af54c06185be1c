"""Load SLiMS 9's sample catalogue (install/senayan_ddl.sql + install/sampledata.sql) into SQLite,
with the light rewrites the MySQL dialect needs, for export.php to read (see README.md).

    python load_sample.py SAMPLES_DIR OUT.sqlite
"""

import re
import sqlite3
import sys
from pathlib import Path


def rewrite(sql: str) -> str:
    sql = re.sub(r"\)\s*ENGINE=[^;]*;", ");", sql)
    sql = re.sub(r"enum\([^)]*\)", "text", sql, flags=re.I)
    sql = re.sub(r"\s(COLLATE|CHARACTER SET)\s+\w+", "", sql, flags=re.I)
    sql = re.sub(r"\sCOMMENT\s+'(?:[^'\\]|\\.)*'", "", sql, flags=re.I)
    sql = re.sub(r"\s(unsigned|AUTO_INCREMENT)\b", "", sql, flags=re.I)
    sql = re.sub(r"\bON UPDATE current_timestamp\(\)", "", sql, flags=re.I)
    sql = sql.replace("INSERT IGNORE", "INSERT OR IGNORE").replace("NOW()", "CURRENT_TIMESTAMP")
    return sql.replace("\\'", "''")


def statements(sql: str):
    """Whole statements, line by line (a value may hold ';' or ');')."""
    pending = ""
    for line in sql.splitlines(keepends=True):
        if not pending and (not line.strip() or line.startswith(("--", "/*"))):
            continue
        pending += line
        if sqlite3.complete_statement(rewrite(pending)):
            yield pending.strip()
            pending = ""


def main(samples: Path, target: Path) -> None:
    db = sqlite3.connect(target)
    ddl = (samples / "senayan_ddl.sql").read_text(encoding="utf-8")
    for statement in statements(ddl):
        if not statement.startswith(("CREATE TABLE", "INSERT")):
            continue  # indexes and keys: not needed to read
        try:
            db.execute(rewrite(statement))
        except sqlite3.Error as exc:  # index and key clauses SQLite does not know: not needed
            if statement.startswith("CREATE"):
                print("skipped:", statement.split("(")[0], exc, file=sys.stderr)
    data = rewrite((samples / "sampledata.sql").read_text(encoding="utf-8"))
    db.executescript(data)
    db.commit()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
