"""An oracle for the X client written by other hands than the client and the sandbox: each
request (method, path, query, body) is checked against X's published OpenAPI description,
pinned in tests/data/x-openapi/ (source, commit and date in its README).

Checked: the operation exists; path parameters; every query parameter is one the operation
declares, sent once, required ones present, values valid for their schema (enums of field
lists and expansions, integer ranges, id patterns, date-times); the body's content type is one
the operation accepts, and the body (JSON, or the fields of a multipart form) validates against
its schema with `jsonschema` (unknown fields included, where the schema forbids them).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from x_kit import Sent

SPEC_FILE = Path(__file__).parent / "data" / "x-openapi" / "openapi-subset.json"

# The one deliberate difference (tests/data/x-openapi/README.md). Version 2.167 of the
# description renamed the field-list parameter `tweet.fields` to `post.fields`; tweepy, and
# X's API reference pages, still send `tweet.fields`, which X accepts. So `tweet.fields` is
# checked as `post.fields`, with the two values the rename changed mapped to their new names.
PARAMETER_ALIASES = {"tweet.fields": "post.fields"}
FIELD_ALIASES = {"referenced_tweets": "referenced_posts",
                 "edit_history_tweet_ids": "edit_history_post_ids"}
# 2.167's enum of field names also dropped fields the Post object still has (`author_id`,
# `in_reply_to_user_id`: listed until 2.164, and X returns them): a value left out of the enum
# passes only if, after the renaming above, it names a property of the Post schema. A name
# that is neither (a typo, a withdrawn field) fails.
FIELD_OBJECT = "Post"


@cache
def spec() -> dict:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        _, _, kind, name = node["$ref"].split("/", 3)
        node = spec()["components"][kind][name]
    return node


def _schema_errors(instance: Any, schema: dict) -> list[str]:
    # OpenAPI 3.0 schemas are JSON Schema draft 4 with a few extra keywords (ignored here);
    # the root carries the components so that "#/components/..." references resolve.
    root = {"allOf": [schema], "components": spec()["components"]}
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
            for e in Draft4Validator(root).iter_errors(instance)]


def operation(method: str, path: str) -> tuple[str, dict, dict[str, str]] | None:
    """(path template, operation, path parameters) for a request, or None."""
    for template, methods in spec()["paths"].items():
        pattern = "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        found = re.match(pattern, path)
        if found and method.lower() in methods:
            return template, methods[method.lower()], found.groupdict()
    return None


def problems(sent: Sent) -> list[str]:
    """What X's description says is wrong with this request (empty: nothing)."""
    where = f"{sent.method} {sent.path}"
    found = operation(sent.method, sent.path)
    if found is None:
        return [f"{where}: no such operation in X's API description"]
    template, op, path_values = found
    errors: list[str] = []
    declared = {p["name"]: p for p in map(_resolve, op.get("parameters", []))}
    for name, value in path_values.items():
        param = declared.get(name)
        if param is None or param["in"] != "path":
            errors.append(f"{where}: path parameter {name} not declared")
            continue
        errors += [f"{where}: {name}: {e}" for e in _schema_errors(value, param["schema"])]
    query_params = {n: p for n, p in declared.items() if p["in"] == "query"}
    sent_names = {PARAMETER_ALIASES.get(n, n): n for n in sent.query}
    for name, param in query_params.items():
        if param.get("required") and name not in sent_names:
            errors.append(f"{where}: required query parameter {name} missing")
    for name, original in sent_names.items():
        param = query_params.get(name)
        if param is None:
            errors.append(f"{where}: unknown query parameter {original}")
            continue
        values = sent.query[original]
        if len(values) != 1:
            errors.append(f"{where}: {original} sent {len(values)} times")
            continue
        errors += [f"{where}: {original}: {e}"
                   for e in _query_value(values[0], param, renamed=original != name)]
    errors += [f"{where}: {e}" for e in _body(sent, op)]
    return errors


def _query_value(text: str, param: dict, *, renamed: bool) -> list[str]:
    schema = _resolve(param["schema"])
    kind = schema.get("type")
    if kind == "array":  # style form, explode false: comma-separated
        items = text.split(",")
        if renamed:
            items = [FIELD_ALIASES.get(i, i) for i in items]
        errors = _schema_errors(items, {k: v for k, v in schema.items() if k != "items"})
        for item in items:
            if renamed and _left_out_of_enum(item, schema["items"]):
                continue  # the deliberate exception above
            errors += _schema_errors(item, schema["items"])
        return errors
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", text):
            return [f"{text!r} is not an integer"]
        return _schema_errors(int(text), schema)
    if kind == "boolean":
        if text not in ("true", "false"):
            return [f"{text!r} is not a boolean"]
        return []
    errors = _schema_errors(text, schema)
    if schema.get("format") == "date-time":
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            errors.append(f"{text!r} is not a date-time")
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", text):
            errors.append(f"{text!r} is not RFC 3339")
    return errors


def _left_out_of_enum(item: str, items_schema: dict) -> bool:
    """A property of the Post object that 2.167's enum of field names does not list."""
    allowed = _resolve(items_schema).get("enum", [])
    properties = spec()["components"]["schemas"][FIELD_OBJECT]["properties"]
    return item not in allowed and item in properties


def _body(sent: Sent, op: dict) -> list[str]:
    declared = op.get("requestBody")
    if declared is None:
        return [f"a body ({sent.content_type}) where the operation takes none"] if sent.body \
            else []
    declared = _resolve(declared)
    if not sent.body:
        return ["the required body is missing"] if declared.get("required") else []
    content = declared.get("content", {})
    if sent.content_type not in content:
        return [f"body type {sent.content_type} is not one of {sorted(content)}"]
    schema = _resolve(content[sent.content_type]["schema"])
    if sent.content_type == "application/json":
        return _schema_errors(sent.json, schema)
    if sent.content_type == "multipart/form-data":
        fields, errors = _form(sent, schema)
        return errors + _schema_errors(fields, schema)
    return [f"cannot check a {sent.content_type} body"]


def _form(sent: Sent, schema: dict) -> tuple[dict[str, Any], list[str]]:
    """The fields of a multipart body; files stand as strings (`format: binary`), text fields
    take the type their property declares (OpenAPI 3.0: primitives are sent as text)."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {sent.content_header}\r\n\r\n".encode("latin-1") + sent.body)
    fields: dict[str, Any] = {}
    errors: list[str] = []
    properties = schema.get("properties", {})
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name in fields:
            errors.append(f"form field {name} sent twice")
        if part.get_filename() is not None:
            fields[name] = "<binary>"
            continue
        text = part.get_payload(decode=True).decode("utf-8")
        kind = _resolve(properties.get(name, {})).get("type")
        if kind == "integer" and re.fullmatch(r"-?\d+", text):
            fields[name] = int(text)
        elif kind == "boolean" and text in ("true", "false"):
            fields[name] = text == "true"
        else:
            fields[name] = text
    return fields, errors
