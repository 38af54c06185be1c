"""Every error a page can show is said in the page's language.

Read from the source, so a new `raise` or a new handler is checked without editing this file:
- each `raise SomeError("...")` / f-string of a class whose errors pages show has its sentence in
  the class's table (`OutreachError.sentences`), and that sentence says something else in
  Indonesian than in English;
- no handler in outreach/web shows `str(exc)` of an OutreachError (the English the CLI prints);
- every AccountError code the desk raises is worded by the web's account pages.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from outreach.errors import OutreachError

ROOT = Path(__file__).resolve().parent.parent / "outreach"
# Classes whose messages a page shows (the web catches them), by where they are defined.
CLASSES = {
    "QueueError": "outreach.desk.queue", "EditError": "outreach.desk.editing",
    "ReviewError": "outreach.desk.review", "OwnPost": "outreach.desk.review",
    "NoSuchPost": "outreach.desk.review", "NothingWaiting": "outreach.desk.review",
    "TooLate": "outreach.desk.review", "LibraryError": "outreach.desk.media_library",
    "PreviewError": "outreach.desk.preview", "PrefillError": "outreach.desk.prefill",
    "UserError": "outreach.desk.users", "LastAdminError": "outreach.desk.users",
    "FeedbackError": "outreach.engagement.feedback", "ReplyError": "outreach.engagement.replies",
    "MediaError": "outreach.media", "PeriodError": "outreach.reports.period",
}
SCANNED = ("desk", "engagement", "reports", "media.py", "notify")
# Messages passed on whole from another layer, each said by a table of its own: (file, the
# argument as written) -> why it is fine.
PASSED_ON = {
    ("desk/queue.py", "str(exc.args[0])"): "an unknown platform: desk/error_words.py PASSED",
    ("desk/queue.py", "str(exc)"): "a schedule file that cannot be read: PASSED",
    ("desk/post_versions.py", "checked.problems[0]"): "compose/validate.py, said in `locale`",
    ("desk/editing.py", "checked.problems[0]"): "compose/validate.py, said in `locale`",
    ("engagement/replies.py", "problem"): "Platform.reply_problem: engagement ERRORS",
    ("engagement/replies.py", "exc.message"): "a platform reason: platforms/reasons.py",
}
SAMPLE = "Q{}"  # a formatted value in a sample message


def _sample(node: ast.expr) -> str | None:
    """The message a literal, f-string or `+` of them makes, formatted values as Q0, Q1 ...;
    None when the argument is not written out here."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        out, seen = [], {}  # the same expression twice is the same value twice
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(part.value)
            else:
                out.append(SAMPLE.format(seen.setdefault(ast.unparse(part.value), len(seen))))
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left), _sample(node.right)
        if left is None:
            return None
        return left + (right if right is not None else SAMPLE.format("r"))
    return None


def _raises():
    for top in SCANNED:
        base = ROOT / top
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in CLASSES and node.exc.args:
                    yield path.relative_to(ROOT).as_posix(), node.lineno, name, node.exc.args[0]


RAISES = list(_raises())


def _cls(name: str) -> type[OutreachError]:
    return getattr(importlib.import_module(CLASSES[name]), name)


def test_the_scan_finds_the_raises_it_checks():
    """The walk sees the desk's errors (a broken scan would pass everything)."""
    files = {f for f, *_ in RAISES}
    assert {"desk/queue.py", "desk/editing.py", "desk/review.py", "engagement/feedback.py",
            "reports/period.py", "media.py"} <= files
    assert len(RAISES) > 60


@pytest.mark.parametrize("where,line,name,arg", RAISES,
                         ids=[f"{f}:{n}" for f, n, *_ in RAISES])
def test_every_raised_sentence_is_in_its_table(where, line, name, arg):
    sample = _sample(arg)
    if sample is None:
        assert (where, ast.unparse(arg)) in PASSED_ON, (
            f"{where}:{line} raises {name}({ast.unparse(arg)}): write the sentence out, or say "
            "in PASSED_ON which table says the message it passes on")
        return
    table = _cls(name).sentences
    assert table is not None, f"{name} has no table of sentences"
    for text in sample.split("\n"):
        if text == SAMPLE.format("r"):
            continue  # a list of problems passed on (each said by its own table)
        found = table.match(text) or (table.inner and table.inner.match(text))
        assert found is not None, f"{where}:{line}: {text!r} is in no table of {name}"
        indonesian = table.translate(text, "id")
        assert indonesian != text and table.translate(text, "en") == text, (where, line, text)


def test_every_class_a_page_shows_has_a_table():
    for name in CLASSES:
        assert _cls(name).sentences is not None, name


def test_the_tables_are_complete_and_their_placeholders_agree():
    """Both sentences of a code name the same values (a value missing in one language would
    raise KeyError on the page)."""
    from outreach.errors import _FIELD

    for name in CLASSES:
        table = _cls(name).sentences
        for t in (table, table.inner) if table.inner else (table,):
            for code, (indonesian, english) in t.table.items():
                assert indonesian.strip() and english.strip(), code
                assert set(_FIELD.findall(indonesian)) == set(_FIELD.findall(english)), code


def _outreach_error_names() -> set[str]:
    """Every OutreachError subclass defined in the package, by name."""
    found: set[str] = set()
    todo = [OutreachError]
    import outreach.web.app  # noqa: F401 - imports the areas and the desk they use

    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def test_no_web_handler_shows_the_english_of_an_outreach_error():
    """`str(exc)` (or exc.args / exc.message) of a caught OutreachError is the CLI's English:
    a page shows `error_text(request, exc)`. Audit details and logs keep the English."""
    ours = _outreach_error_names() | {"OutreachError"}
    bad = []
    for path in sorted((ROOT / "web").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        for handler in (n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)):
            if handler.name is None or handler.type is None:
                continue
            types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            caught = {t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in types}
            if not caught & ours:
                continue
            for node in (n for stmt in handler.body for n in ast.walk(stmt)):
                shown = (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                         and node.func.id == "str" and node.args
                         and isinstance(node.args[0], ast.Name)
                         and node.args[0].id == handler.name) or (
                    isinstance(node, ast.Attribute) and node.attr in ("args", "message")
                    and isinstance(node.value, ast.Name) and node.value.id == handler.name)
                if not shown:
                    continue
                up = parents.get(node)
                while up is not None and not isinstance(up, ast.Call):
                    up = parents.get(up)
                into = up.func.id if up is not None and isinstance(up.func, ast.Name) else ""
                if into in ("_audit", "audit"):
                    continue  # the audit log keeps the English, as the CLI does
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, f"handlers showing an error's English: {bad}"


def test_every_account_error_code_is_worded_by_the_web():
    """AccountError/ConnectError carry a code (their message is the code): each one raised is
    handled by name in the web's account pages."""
    web = "".join((ROOT / "web" / "areas" / f).read_text(encoding="utf-8")
                  for f in ("admin_accounts.py", "admin_connect.py"))
    codes = set()
    for f in ("accounts.py", "connect.py"):
        for node in ast.walk(ast.parse((ROOT / "desk" / f).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and getattr(node.exc.func, "id", "") in ("AccountError", "ConnectError")):
                codes.add(node.exc.args[0].value)
    assert len(codes) > 10
    missing = sorted(c for c in codes if f'"{c}"' not in web)
    assert not missing, f"AccountError codes no page words: {missing}"
