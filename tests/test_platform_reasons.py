"""Every reason a platform failure leaves on a delivery or an account is in the reasons table.

Read from the source, so a new message is checked without editing this file: each message given
to PublishError (or to a helper that makes one), each sentence stored in `last_error`,
`refresh_error` or `health_reason`, each metrics note and reply problem, written in
outreach/platforms, dispatch, engagement and the desk's account code, is either a `reason("code")`
of the table or a literal / f-string whose sample (values as Q0, Q1 ...) the table turns into a
different, Indonesian sentence. Every `action=` phrase a client names is in ACTIONS.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from test_error_words import SAMPLE, _sample

from outreach.errors import Sentences
from outreach.platforms.reasons import ACTIONS, REASONS, translate

ROOT = Path(__file__).resolve().parent.parent / "outreach"
SCANNED = ("platforms", "dispatch", "engagement", "desk/connect.py", "desk/accounts.py")
# Calls whose argument (by position) becomes a stored sentence.
MESSAGE_ARGS = {"PublishError": 1, "_config": 0, "RefreshFailed": 0, "RefreshRefused": 0,
                "RefreshUnknown": 0}
STORED = {"last_error", "refresh_error", "health_reason", "metrics_notes"}
# Functions whose returned text is stored or shown as a reason.
RETURNING = {"reply_problem", "_insights_note"}
MAKERS = {"reason", "_english"}  # reason("code", ...): the table's own sentence
# Messages passed on whole from another layer: (file, the argument as written) -> why it is fine.
PASSED_ON = {
    ("platforms/base.py", "exc.message"): "find_existing passes on find_recent's reason",
    ("platforms/base.py", "self.reply_problem(text)"): "its returns are checked here",
    ("platforms/x/platform.py", "error.message"): "x/errors.py's classified reason",
    ("platforms/tokens.py", "row.refresh_error"): "a sentence stored by _ended, checked here",
    ("platforms/tokens.py", "str(exc)"): "RefreshFailed's sentence (x/oauth2.py), checked here",
    ("platforms/instagram_private/backend.py",
     "exc.message.replace('it will be tried again', 'the post may exist, so it will be looked "
     "for before any new attempt')"): "instagrapi's transient reasons, said as their "
                                      "*_publish variants (igp.no_answer_publish ...)",
    ("platforms/tokens.py", "message"): "_ended's parameter: each caller's reason is checked",
    ("platforms/media_store.py", "message"): "_config's parameter: each call is checked here",
    ("platforms/graph.py", "self._insights_note(kind, sub_error(ibody))"): "its returns are "
                                                                           "checked here",
    ("platforms/instagram_private/backend.py", "INSTALL"): "client.py's INSTALL, checked there",
    ("platforms/instagram_private/login.py", "INSTALL"): "client.py's INSTALL, checked there",
    ("dispatch/outcomes.py", "exc.message"): "a PublishError's reason, checked where raised",
    ("dispatch/outcomes.py", "message"): "a PublishError's reason, checked where raised",
    ("engagement/sync.py", "bindparam('note')"): "a platform's metrics note, checked here",
}


MODULES: dict[str, ast.Module] = {}


def _files():
    for top in SCANNED:
        base = ROOT / top
        yield from [base] if base.is_file() else sorted(base.rglob("*.py"))


def _targets(node: ast.Assign):
    """(target name, value) of an assignment, tuples paired up."""
    for target in node.targets:
        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
            yield from zip(target.elts, node.value.elts, strict=False)
        else:
            yield target, node.value


def _stored_name(target: ast.expr) -> str:
    if isinstance(target, ast.Subscript):
        target = target.value
    return target.attr if isinstance(target, ast.Attribute) else ""


def _messages():
    """(file, line, expression, its function) of every stored-reason site."""
    for path in _files():
        where = path.relative_to(ROOT).as_posix()
        tree = MODULES[where] = ast.parse(path.read_text(encoding="utf-8"))
        parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}

        def scope(node, parents=parents, tree=tree):  # noqa: ANN001, ANN202
            while node is not None and not isinstance(node, ast.FunctionDef | ast.Module):
                node = parents.get(node)
            return node or tree

        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else \
                    getattr(node.func, "attr", "")
                at = MESSAGE_ARGS.get(name)
                if name == "PublishError" and isinstance(node.func, ast.Attribute):
                    at = None  # PublishError.coded is checked with the makers
                if at is not None and len(node.args) > at:
                    yield where, node.lineno, node.args[at], scope(node)
                for kw in node.keywords:
                    if kw.arg in STORED:
                        yield where, node.lineno, kw.value, scope(node)
            elif isinstance(node, ast.Assign):
                for target, value in _targets(node):
                    if _stored_name(target) in STORED:
                        yield where, node.lineno, value, scope(node)
            elif isinstance(node, ast.FunctionDef) and node.name in RETURNING:
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        yield where, ret.lineno, ret.value, node


MESSAGES = list(_messages())


def _codes(call: ast.Call) -> list[str] | None:
    """The table codes a `reason(...)` / `PublishError.coded(...)` call may name."""
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    at = 0 if name in MAKERS else 1 if name == "coded" else None
    if at is None or len(call.args) <= at:
        return None
    arg = call.args[at]
    options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
    if not all(isinstance(o, ast.Constant) and isinstance(o.value, str) for o in options):
        return None
    return [o.value for o in options]


def problems(where: str, expr: ast.expr, func: ast.AST, table: Sentences,
             seen: frozenset = frozenset()) -> list[str]:
    """What is wrong with one message expression (empty: it is in the table)."""
    if isinstance(expr, ast.Constant) and expr.value is None:
        return []
    if isinstance(expr, ast.IfExp):
        return problems(where, expr.body, func, table, seen) + \
            problems(where, expr.orelse, func, table, seen)
    if isinstance(expr, ast.BoolOp):
        return [p for v in expr.values for p in problems(where, v, func, table, seen)]
    if isinstance(expr, ast.Call) and _codes(expr) is not None:
        return [f"{code!r} is no code of the table" for code in _codes(expr)
                if code not in table.table]
    if isinstance(expr, ast.Name) and expr.id not in seen:
        # Assigned in the function, else a constant of the module.
        values = [value for nodes in (list(ast.walk(func)), MODULES[where].body)
                  for node in nodes if isinstance(node, ast.Assign)
                  for target, value in _targets(node)
                  if isinstance(target, ast.Name) and target.id == expr.id]
        if values:
            return [p for v in values
                    for p in problems(where, v, func, table, seen | {expr.id})]
    sample = _sample(expr)
    if sample is None:
        if (where, ast.unparse(expr)) in PASSED_ON:
            return []
        return [f"{ast.unparse(expr)} is not written out: make it a reason(...) or say in "
                "PASSED_ON which check covers it"]
    if table.match(sample) is None or table.translate(sample, "id") == sample:
        return [f"{sample!r} is in no sentence of the reasons table"]
    return []


def test_the_scan_finds_the_messages_it_checks():
    """A broken walk would pass everything."""
    files = {f for f, *_ in MESSAGES}
    assert {"platforms/base.py", "platforms/tokens.py", "platforms/x/media.py",
            "platforms/instagram_private/client.py", "platforms/media_store.py",
            "dispatch/outcomes.py", "dispatch/dispatcher.py", "desk/accounts.py",
            "platforms/graph.py"} <= files
    assert len(MESSAGES) > 120


@pytest.mark.parametrize("where,line,expr,func", MESSAGES,
                         ids=[f"{f}:{n}" for f, n, *_ in MESSAGES])
def test_every_stored_reason_is_in_the_table(where, line, expr, func):
    found = problems(where, expr, func, Sentences(REASONS))
    assert not found, f"{where}:{line}: {found}"


def test_a_missing_sentence_is_caught():
    """The check fails for a message the table lacks: the X image upload's sentence, with its
    code taken out of a copy of the table, and a literal nobody wrote down."""
    (where, _line, expr, func), = [m for m in MESSAGES if m[0] == "platforms/x/media.py"
                                  and "x.media_processing" in ast.unparse(m[2])]
    without = Sentences({k: v for k, v in REASONS.items() if k != "x.media_processing"})
    assert problems(where, expr, func, without)
    assert not problems(where, expr, func, Sentences(REASONS))
    made_up = ast.parse('f"X lost {n} images on the way."', mode="eval").body
    assert problems("platforms/x/media.py", made_up, func, Sentences(REASONS))
    assert SAMPLE.format(0) in _sample(made_up)


def test_every_action_a_client_names_is_said_in_indonesian():
    named = {kw.value.value: f"{path.relative_to(ROOT)}:{node.lineno}"
             for path in _files()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call)
             for kw in node.keywords
             if kw.arg == "action" and isinstance(kw.value, ast.Constant)}
    named |= {node.args[1].value: f"{path.relative_to(ROOT)}:{node.lineno}"
              for path in _files()
              for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "error"
              and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)}
    assert len(named) > 15
    missing = {a: w for a, w in named.items() if a not in ACTIONS}
    assert not missing, f"actions with no Indonesian in ACTIONS: {missing}"


@pytest.mark.parametrize("text,words", [
    ("This post cannot go to Instagram: Instagram posts need at least one image; 40 hashtags, "
     "at most 30 are allowed (OUTREACH_INSTAGRAM_MAX_HASHTAGS).",
     "Kiriman ini tidak dapat dikirim ke Instagram: kiriman Instagram memerlukan paling sedikit "
     "satu gambar; 40 tagar, paling banyak 30 yang diizinkan (OUTREACH_INSTAGRAM_MAX_HASHTAGS)."),
    ("Part 2 of the thread counts 300 of the 280 characters X allows (links count 23, emoji and "
     "CJK characters 2): shorten it.", "Bagian 2 dari utas berisi 300 dari 280 karakter"),
    ("X refused the refresh token (invalid_grant). It will be tried again.",
     "X menolak token pembaruannya (invalid_grant). Akan dicoba lagi."),
])
def test_lists_and_nested_phrases_are_said_part_by_part(text, words):
    assert translate(text, "id").startswith(words)
    assert translate(text, "en") == text
