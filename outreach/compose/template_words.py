"""Why a template was refused, in Bahasa Indonesia for the template editing page.

TemplateError keeps its English message (the CLI, logs and the audit detail print it, and the
editing page rebuilds one from another's text), so the page translates the message at the face
through this table of English patterns, as platforms/reasons.py does for platform reasons. The
sandbox's own words (Jinja2's "'judul' is undefined", "access to attribute ...") are in DETAILS;
a detail that matches nothing is shown as it is.
"""

from __future__ import annotations

import re

from outreach.errors import Sentences

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
    # compose/templates.py and compose/isolation.py: the hostile-template guards.
    "too_deep": ("makro atau perulangan memanggil dirinya terlalu dalam",
                 "a macro or loop calls itself too deeply"),
    "memory": ("templat butuh memori terlalu banyak", "the template needs too much memory"),
    "repr": ("teks akan menampilkan objek Python; tampilkan teks atau angka",
             "the text would show a Python object; print text or numbers"),
    "nested": ("templat bersarang terlalu dalam", "the template is nested too deeply"),
    "no_compile": ("templat tidak dapat disusun ({detail})",
                   "the template cannot be compiled ({detail})"),
    "other_file": ("{word} tidak tersedia: templat unggahan harus lengkap sendiri (salin teks "
                   "yang diperlukan ke dalamnya)",
                   "{word} is not available: a post template must be complete on its own (copy "
                   "the text you need into it)"),
    "busy": ("templat lain sedang diperiksa; coba lagi sebentar lagi",
             "other templates are being checked; try again in a moment"),
    "check_slow": ("pemeriksaan templat butuh lebih dari {s} detik",
                   "checking the template took longer than {s} s"),
    "cpu": ("templat memakai lebih dari {s} detik waktu CPU",
            "the template used more than {s} s of CPU time"),
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
    # compose/bounds.py: what a template may ask of C code and print.
    "too_big": ("{what} akan terlalu besar", "{what} would be too big"),
    "star_width": ("lebar '*' tidak diizinkan dalam format %",
                   "'*' widths are not allowed in % formatting"),
    "nested_spec": ("{{}} bersarang dalam format tidak diizinkan",
                    "nested {} in a format spec are not allowed"),
    "not_printable": ("{type} tidak dapat ditampilkan; tampilkan teks atau angka",
                      "a {type} cannot be printed; print text or numbers"),
}

# What `compose/bounds.py` says would be too big ("the power would be too big").
WHAT: dict[str, str] = {
    "the list": "daftarnya", "the text of the list": "teks daftarnya", "the power": "pangkatnya",
    "the product": "hasil kalinya", "the repeated text": "teks yang diulang",
    "a % format width": "lebar format %", "a format width": "lebar format", "the sum": "jumlahnya",
    "the text": "teksnya", "the joined text": "teks gabungannya", "the width": "lebarnya",
    "the replaced text": "teks hasil penggantian", "the translated text": "teks hasil terjemahan",
    "the indented text": "teks yang diberi inden", "the wrapped text": "teks yang dibungkus",
    "the batch": "kelompoknya", "the number of slices": "jumlah potongannya",
    "the range": "rentangnya",
}

_SENTENCES = {"messages": Sentences(MESSAGES), "details": Sentences(DETAILS)}


def _match(text: str, which: str) -> tuple[str, dict[str, str]] | None:
    return _SENTENCES[which].match(text)


def detail(text: str) -> str:
    """Jinja2's or the sandbox's own words in Indonesian, when they are known."""
    found = _match(text.strip(), "details")
    if found is None:
        return text
    code, values = found
    if "what" in values:
        values["what"] = WHAT.get(values["what"], values["what"])
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
