"""Every sentence a library-data reader writes can be said in Indonesian on the imports pages.

The readers write English (the CLI, `import --json` and ImportRun.errors keep it); the imports
pages translate a stored sentence through sources/words.py. This test reads the readers' code
with `ast`, finds every message they give a RecordError, RecordWarning, SourceUnreadable,
RecordRejected, DumpError or ValueError (or mark with `base.sentence`, where a helper builds it),
plus the notes import_runs.py and importing.py store, turns each literal or f-string into a
sample sentence (placeholders filled with "7") and asserts that the table knows it, nested
sentences included. A new English message without its Indonesian fails here.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

from outreach.sources import words

SOURCES = Path(__file__).resolve().parent.parent / "outreach" / "sources"
# The message is the first argument of these, the second of RecordError / RecordWarning.
FIRST = {"SourceUnreadable", "OaiFormatRefused", "RecordRejected", "DumpError", "ValueError",
         "sentence"}
SECOND = {"RecordError", "RecordWarning"}
# ValueErrors of these modules never reach a person: they are caught inside (isbn.py) or are a
# programmer's error in the batch writer (importing.py's "statement needs parameters").
NOT_MESSAGES = {("isbn.py", "ValueError"), ("importing.py", "ValueError")}
SAMPLE = "7"  # a placeholder's value: no letters, so never taken for an English word
# A message handed on from where it was written (which this test reads there): the expression,
# and why it is covered. A new message passed through a variable must be marked with
# `sentence(...)` where it is written, and its pass-through listed here.
PASSED_ON = {
    ("oai_records.py", "str(exc)"): "a RecordRejected's message",
    ("marc.py", "str(exc)"): "a RecordRejected's message, or the XML reader's _NotMarcXml",
    ("marc.py", "decoded"): "iso2709.decode_record returns sentence(...)",
    ("marc.py", "problem"): "iso2709 / marc_text notes, each a sentence(...)",
    ("marc.py", "data"): "RecordSplitter.records yields sentence(...) messages",
    ("events_csv.py", "str(exc)"): "the ValueErrors of events_csv and sheet_cells",
    ("events_csv.py", "note"): "sheet_cells.capacity's notes, each a sentence(...)",
    ("ics.py", "problem"): "ics_checks.check_event returns sentence(...) problems",
    ("ics.py", "note"): "ics_checks.check_event returns sentence(...) notes",
    ("ics.py", "reason"): "a ValueError of ics.py, or the f-string beside it",
    ("slims_db.py", "str(found).split(': ', 1)[-1]"): "a DumpError's message without its line",
    ("importing.py", "str(exc)"): "a SourceUnreadable's message",
}


def _module_strings(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level NAME = "..." constants (templates used with .format)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
    return found


def _functions(tree: ast.Module) -> dict[str, list[ast.FunctionDef]]:
    found: dict[str, list[ast.FunctionDef]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            found.setdefault(node.name, []).append(node)
    return found


class _Samples:
    """Sample sentences of a message expression; None where it cannot be read statically."""

    def __init__(self, tree: ast.Module) -> None:
        self.constants = _module_strings(tree)
        self.functions = _functions(tree)

    def of(self, node: ast.expr) -> list[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            # a template for str.format: its fields get the sample value too
            return [re.sub(r"\{\w+(?:![rsa])?\}", SAMPLE, node.value)]
        if isinstance(node, ast.JoinedStr):
            parts = [self._piece(v) for v in node.values]
            return ["".join(p) for p in itertools.product(*parts)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.of(node.left), self.of(node.right)
            return [a + b for a in (left or [SAMPLE]) for b in (right or [SAMPLE])]
        if isinstance(node, ast.IfExp):
            both = [self.of(node.body), self.of(node.orelse)]
            return None if None in both else both[0] + both[1]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "sentence" and node.args:
                return self.of(node.args[0])
            if isinstance(func, ast.Attribute) and func.attr == "format" \
                    and isinstance(func.value, ast.Name) and func.value.id in self.constants:
                return self.of(self.constants[func.value.id])
            if isinstance(func, ast.Name | ast.Attribute):
                return self._returns(func.id if isinstance(func, ast.Name) else func.attr)
        return None

    def _returns(self, name: str) -> list[str] | None:
        """What a small function of the module returns, when every return is a sentence."""
        found: list[str] = []
        for function in self.functions.get(name, []):
            for node in ast.walk(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    said = self.of(node.value)
                    if said is None:
                        return None
                    found += said
        return found or None

    def _piece(self, value: ast.expr) -> list[str]:
        if isinstance(value, ast.Constant):
            return [str(value.value)]
        assert isinstance(value, ast.FormattedValue)
        if value.format_spec is None and isinstance(value.value, ast.IfExp | ast.Call):
            said = self.of(value.value)
            if said is not None:
                return said
        return [SAMPLE]


def _messages() -> tuple[list[tuple[str, int, str]], list[tuple[str, str]]]:
    """(file, line, sample) of every message; (file, expression) of those passed on."""
    samples, passed = [], []
    for path in sorted(SOURCES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reader = _Samples(tree)

        def take(node: ast.expr, line: int, name: str = path.name,
                 reader: _Samples = reader) -> None:
            said = reader.of(node)
            if said is None:
                passed.append((name, ast.unparse(node)))
            else:
                samples.extend((name, line, s) for s in said)

        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else \
                    func.attr if isinstance(func, ast.Attribute) else None
                if (path.name, called) in NOT_MESSAGES:
                    continue
                if called in FIRST and node.args:
                    take(node.args[0], node.lineno)
                elif called in SECOND and len(node.args) > 1:
                    take(node.args[1], node.lineno)
                elif called == "error" and node.args:  # oai.py: the class chosen by the code
                    take(node.args[0], node.lineno)
                for keyword in node.keywords:
                    if keyword.arg == "note":  # finish_run(note=...): the import stopped
                        take(keyword.value, node.lineno)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "message" \
                            and not isinstance(value, ast.Name | ast.Attribute):
                        take(value, node.lineno)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "unreadable"
                    for t in node.targets) and isinstance(node.value, ast.BoolOp):
                for value in node.value.values:
                    take(value, node.lineno)
    return samples, passed


MESSAGES, PASSED = _messages()


def test_the_readers_messages_are_found():
    # a floor, so a broken walk cannot pass by finding nothing
    assert len({s for _f, _l, s in MESSAGES}) >= 100
    files = {f for f, _l, _s in MESSAGES}
    assert {"marc.py", "iso2709.py", "fetch.py", "oai.py", "ics.py", "slims_db.py",
            "import_runs.py", "importing.py"} <= files


def test_every_message_passed_on_is_written_where_this_test_reads_it():
    unknown = sorted(set(PASSED) - set(PASSED_ON))
    assert not unknown, ("messages this test cannot read: write them inline or mark them with "
                         f"base.sentence(...) where they are written, then list the pass-through "
                         f"in PASSED_ON: {unknown}")
    assert not set(PASSED_ON) - set(PASSED), "PASSED_ON lists an expression no longer used"


def test_every_message_is_said_in_indonesian():
    missing = []
    for name, line, sample in MESSAGES:
        left = words.untranslated(sample)
        if left:
            missing.append(f"{name}:{line}: {sample!r} (English left: {left})")
    assert not missing, f"{len(missing)} message(s) without Indonesian in sources/words*.py:\n" \
        + "\n".join(missing)


@pytest.mark.parametrize("sample", sorted({s for _f, _l, s in MESSAGES})[:5])
def test_english_pages_keep_the_english(sample):
    assert words.message(sample, "en") == sample


# -- real broken files, imported for real, on the imports page ---------------------------------
DATA = Path(__file__).resolve().parent / "data"
BROKEN = [
    ("marc", DATA / "marc" / "bad_records.mrc"),  # six damaged records (pymarc's)
    ("marc", DATA / "marc" / "bad_marc8_escape.dat"),  # broken MARC-8 escapes: warnings
    ("marc", DATA / "marc" / "1251.dat"),  # Windows-1251 text in records marked MARC-8
    ("marc", DATA / "marc" / "bad_eacc_encoding.dat"),  # a cut-short CJK character
    ("ics", DATA / "ics" / "icalendar-issue_1081_invalid_rrule_freq.ics"),
    ("ics", DATA / "ics" / "icalendar-issue_1081_invalid_start_and_end.ics"),
    ("ics", DATA / "ics" / "rie-bad_rrule_missing_until_event.ics"),
    ("marc", DATA / "marc" / "tidak-ada.mrc"),  # missing: the source is unreadable
]


def test_real_broken_files_are_explained_in_indonesian_on_the_page_and_kept_in_english(web):
    from markupsafe import escape
    from web_kit import csrf_of

    from outreach.models import ImportRun
    from outreach.sources.importing import run_import

    staff = web.client("staff")
    stored: list[tuple[int, list[dict[str, str]]]] = []
    for kind, path in BROKEN:
        result = run_import(kind, str(path))
        english = result.as_json()  # what the CLI's --json prints: English, unchanged
        with web.session() as session:
            run = session.get(ImportRun, result.run_id)
            stored.append((run.id, list(run.errors)))
        said = [e["message"] for e in english["errors"] + english.get("warnings", [])]
        assert said, f"{path.name} should leave a message"
        assert all(words.message(m, "en") == m for m in said)
    messages = [e["message"] for _id, errors in stored for e in errors]
    assert len(messages) >= 15
    assert any("MARC-8" in m for m in messages) and any("RRULE" in m for m in messages)
    assert any(m.startswith("The file ") and m.endswith("does not exist.") for m in messages)
    quoted = 0
    for run_id, errors in stored:
        page = staff.get(f"/imports/{run_id}")
        assert page.status_code == 200
        for error in errors[:100]:
            message = error["message"]
            assert not words.untranslated(message), message  # the tables know every one
            shown = str(words.message(message, "id", html=True))
            assert shown in page.text, message
            assert str(escape(message)) not in page.text, message
            quoted += shown.count('<q lang="en" class="tech">')
    # a parser's own words (icalendar's, the OS's) stay English, marked so for screen readers
    assert quoted >= 2
    # the English page shows the English sentences as they were stored
    page = staff.get(f"/imports/{stored[0][0]}")
    staff.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_of(page.text)})
    english_page = staff.get(f"/imports/{stored[0][0]}")
    for error in stored[0][1][:5]:
        assert str(escape(error["message"])) in english_page.text


def test_a_sentence_nobody_translated_is_marked_english_on_the_page():
    shown = words.message("Something the parser said.", "id", html=True)
    assert shown == '<span lang="en">Something the parser said.</span>'
    said = words.message("the XML is broken here (mismatched <tag> at line 3); no record was "
                         "read", "id", html=True)
    assert said == ('XML-nya rusak di sini (<q lang="en" class="tech">mismatched &lt;tag&gt; at '
                    'line 3</q>); tidak ada rekaman yang terbaca')
    assert words.message("the XML is broken here (x); no record was read", "en", html=True) \
        == "the XML is broken here (x); no record was read"
