"""Message catalogue upkeep: which UI strings still lack an English translation.

    python -m outreach.web.i18n          # list msgids used in outreach/web without English
    python -m outreach.web.i18n --add FILE   # append them to locale/en/LC_MESSAGES/FILE.po
                                             # with an empty msgstr, to fill in

Strings come from the page and e-mail templates (`_()`/`gettext` in Jinja2) and from Python
under outreach/web (`_(request, "…")`, `N_("…")`).
"""

from __future__ import annotations

import argparse
import sys

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from outreach.web.pages import HERE, LOCALE_DIR, TEMPLATES

PO_DIR = LOCALE_DIR / "en" / "LC_MESSAGES"


def used_messages() -> dict[str, str]:
    """msgid -> first place it is used."""
    found: dict[str, str] = {}
    # Pages (*.html) and the e-mails (mail/*.txt, rendered by outreach.notify.texts).
    for path in sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]):
        for lineno, message, _c, _ctx in extract_from_file(
                "jinja2.ext:babel_extract", str(path), options={"trimmed": "false"}):
            if isinstance(message, str):
                found.setdefault(message, f"{path.relative_to(HERE)}:{lineno}")
    for path in sorted(HERE.rglob("*.py")):
        keywords = {"_": (2,), "N_": None, "gettext": None}
        for lineno, message, _c, _ctx in extract_from_file(
                "python", str(path), keywords=keywords):
            if isinstance(message, str):
                found.setdefault(message, f"{path.relative_to(HERE)}:{lineno}")
    return found


def catalogue() -> dict[str, str]:
    """English msgstr by msgid, over every .po file of the language."""
    out: dict[str, str] = {}
    for po in sorted(PO_DIR.glob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale="en")
        out.update({m.id: m.string for m in cat if m.id and isinstance(m.id, str)})
    return out


def missing() -> dict[str, str]:
    have = catalogue()
    return {mid: where for mid, where in used_messages().items() if not have.get(mid)}


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add", metavar="FILE", help="append missing msgids to FILE.po")
    args = parser.parse_args(argv)
    gaps = missing()
    have = catalogue()
    for mid, where in gaps.items():
        print(f"{where}: {mid}")
    if args.add:
        target = PO_DIR / f"{args.add}.po"
        if not target.exists():
            target.write_text('msgid ""\nmsgstr ""\n"Language: en\\n"\n'
                              '"Content-Type: text/plain; charset=UTF-8\\n"\n', encoding="utf-8")
        with target.open("a", encoding="utf-8") as fh:
            for mid, where in gaps.items():
                if mid not in have:
                    fh.write(f"\n#: {where}\nmsgid {_po_quote(mid)}\nmsgstr \"\"\n")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
