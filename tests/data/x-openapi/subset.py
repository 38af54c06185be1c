"""Cut X's OpenAPI description down to the operations our X client sends, keeping everything
they reference (parameters, schemas), so the pinned test data stays small.

    python tests/data/x-openapi/subset.py openapi.json > tests/data/x-openapi/openapi-subset.json

`openapi.json` is the full description named in README.md. Responses are dropped: the oracle
checks requests (method, path, query, body); what X answers is checked elsewhere.
"""

from __future__ import annotations

import json
import sys
from typing import Any

# (path, method) of every call the X platform makes (tweepy's and our media upload's).
OPERATIONS = (
    ("/2/tweets", "post"),  # post, thread reply, post with media
    ("/2/tweets", "get"),  # metrics lookup
    ("/2/tweets/search/recent", "get"),  # replies
    ("/2/media/upload", "post"),  # one-shot upload
    ("/2/media/upload", "get"),  # STATUS while X processes a GIF
    ("/2/media/upload/initialize", "post"),  # chunked upload
    ("/2/media/upload/{id}/append", "post"),
    ("/2/media/upload/{id}/finalize", "post"),
    ("/2/media/metadata", "post"),  # alt text
    ("/2/users/me", "get"),  # whose account
    ("/2/users/{id}/tweets", "get"),  # reconciliation: the account's recent posts
)
KEEP = ("operationId", "parameters", "requestBody")
# The object that `tweet.fields` / `post.fields` selects from: the oracle checks a field name
# the 2.167 enum leaves out against the object's properties (README, "Known differences").
EXTRA = ("#/components/schemas/Post",)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def subset(spec: dict) -> dict:
    paths: dict[str, dict] = {}
    for path, method in OPERATIONS:
        operation = spec["paths"][path][method]
        paths.setdefault(path, {})[method] = {k: operation[k] for k in KEEP if k in operation}
    components: dict[str, dict] = {}
    todo = sorted(_refs(paths) | set(EXTRA))
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)  # "#/components/<kind>/<name>"
        target = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = target
        todo.extend(sorted(_refs(target) - seen))
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": paths,
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as source:
        spec = json.load(source)
    json.dump(subset(spec), sys.stdout, indent=1, sort_keys=False, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
