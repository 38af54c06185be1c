"""Why a template was refused, in Bahasa Indonesia for the template editing page.

TemplateError keeps its English message (the CLI, logs and the audit detail print it, and the
editing page rebuilds one from another's text), so the page translates the message at the face
through this table of English patterns, as platforms/reasons.py does for platform reasons. The
sandbox's own words (Jinja2's "'judul' is undefined", "access to attribute ...") are in DETAILS;
a detail that matches nothing is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

# TemplateError's own messages (compose/templates.py, compose/overrides.py, desk).
MESSAGES: dict[str, tuple[str, str]] = {
    "where_line": ("{name}, baris {line}: {message}", "{name}, line {line}: {message}"),
    "source_long": ("templat terlalu panjang ({n} > {max} karakter)",
                    "the template is too long ({n} > {max} characters)"),
    "slow": ("templat butuh lebih dari {s} detik untuk dibuat",
             "rendering took longer than {s} s"),
    "not_allowed": ("tidak diizinkan: {detail}", "not allowed: {detail}"),
    "unknown": ("nilai tidak dikenal: {detail}", "unknown value: {detail}"),
    "output_long": ("teks hasilnya lebih dari {max} karakter",
                    "the text is longer than {max} characters"),
    "not_plain": ("{what} berupa {type}; hanya data biasa yang boleh dipakai",
                  "{what} is a {type}; only plain data may be used"),
    "missing": ("tidak ada templat untuk unggahan {kind} di {platform} dalam {folder}",
                "there is no template for {kind} posts on {platform} in {folder}"),
    "no_such": ("templat itu tidak ada", "there is no such template"),
    "syntax": ("kesalahan penulisan", "syntax error"),
    "python": ("galat {kind}Error: {detail}", "{kind}Error: {detail}"),
}

# The sandbox's and Jinja2's words inside a message (the {detail}).
DETAILS: dict[str, tuple[str, str]] = {
    "undefined": ("{name} tidak dikenal", "{name} is undefined"),
    "no_attribute": ("{owner} tidak punya atribut {name}", "{owner} has no attribute {name}"),
    "unsafe": ("atribut {attr} pada objek {type} tidak boleh dipakai",
               "access to attribute {attr} of {type} object is unsafe."),
    "range": ("rentang terlalu besar: sandbox menolak rentang lebih dari {n}",
              "Range too big. The sandbox blocks ranges larger than MAX_RANGE ({n})."),
    "powers": ("pangkat di atas 64 tidak diizinkan", "powers above 64 are not allowed"),
    "result_long": ("hasilnya akan lebih dari {n} karakter",
                    "the result would be longer than {n}"),
    "unexpected_end": ("templat berakhir sebelum waktunya",
                       "Unexpected end of template."),
    "expected_name": ("di sini diharapkan sebuah nilai, bukan {what}",
                      "Expected an expression, got {what}"),
    "unexpected_end_of": ("templat berakhir sebelum waktunya; yang diharapkan {what}.",
                          "unexpected end of template, expected {what}."),
    "unexpected": ("tanda tak terduga {what}", "unexpected {what}"),
    "zero": ("pembagian dengan nol", "division by zero"),
    "unknown_tag": ("tag tidak dikenal {tag}.", "Encountered unknown tag {tag}."),
}

_FIELD = re.compile(r"\{(\w+)\}")


def _compile(table: dict[str, tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for code, (_id, en) in table.items():
        parts, pos = [], 0
        for m in _FIELD.finditer(en):
            parts.append(re.escape(en[pos:m.start()]))
            parts.append(f"(?P<{m.group(1)}>.+?)")
            pos = m.end()
        parts.append(re.escape(en[pos:]))
        out.append((len(_FIELD.sub("", en)), code, re.compile("".join(parts), re.S)))
    out.sort(key=lambda t: -t[0])
    return [(code, rx) for _n, code, rx in out]


@cache
def _patterns(which: str) -> list[tuple[str, re.Pattern[str]]]:
    return _compile(MESSAGES if which == "messages" else DETAILS)


def _match(text: str, which: str) -> tuple[str, dict[str, str]] | None:
    for code, rx in _patterns(which):
        m = rx.fullmatch(text)
        if m is not None:
            return code, m.groupdict()
    return None


def detail(text: str) -> str:
    """Jinja2's or the sandbox's own words in Indonesian, when they are known."""
    found = _match(text.strip(), "details")
    if found is None:
        return text
    code, values = found
    return DETAILS[code][0].format(**values)


def message(text: str) -> str:
    """One TemplateError message (without its place) in Indonesian."""
    found = _match(text.strip(), "messages")
    if found is None or found[0] == "where_line":
        return detail(text)
    code, values = found
    values = {k: message(v) if k == "detail" else v for k, v in values.items()}
    return MESSAGES[code][0].format(**values)


def translate(text: str | None, locale: str = "id") -> str:
    """str(TemplateError) ("name, line 2: message" or "name: message") in the locale's
    language; English is kept as it is."""
    if not text or locale.startswith("en"):
        return text or ""
    m = re.fullmatch(r"(?P<name>[^\s:,]+), line (?P<line>\d+): (?P<message>.+)", text, re.S)
    if m is not None:
        return MESSAGES["where_line"][0].format(name=m["name"], line=m["line"],
                                                message=message(m["message"]))
    name, sep, rest = text.partition(": ")
    if sep and " " not in name:
        return f"{name}: {message(rest)}"
    return message(text)
