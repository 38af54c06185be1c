"""The contract of the faces: every command exists, is documented, and the wheel carries the
default templates and schedules (a plain `pip install .` must work, not only an editable one)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# The command contract (docs/architecture.md, "Contracts").
COMMANDS = [
    "init", "import", "sources", "plan", "preview", "publish-due", "sync-engagement", "report",
    "status", "retry", "cancel", "mark-published", "users add", "post", "queue", "worker", "run",
    "serve", "demo", "sandbox",
]

@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name):
    result = runner.invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(name)}\b", readme), f"{name} is not documented in README.md"


def test_serve_options():
    for name in ("serve", "run", "demo", "sandbox"):
        text = runner.invoke(app, [name, "--help"]).output
        assert "--host" in text and "--port" in text


def test_wheel_ships_templates_schedules_and_demo_data(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "outreach/_defaults/post_templates/acquisition/x.id.j2" in names
    assert "outreach/_defaults/schedules/default.yaml" in names
    assert "outreach/demo/catalogue.yaml" in names
    # The web UI's pages, styles and English catalogue travel with the code.
    assert "outreach/web/templates/base.html" in names
    assert "outreach/web/static/app.css" in names
    assert "outreach/web/locale/en/LC_MESSAGES/messages.po" in names
    assert any(n.startswith("outreach/migrations/versions/0001") for n in names)
