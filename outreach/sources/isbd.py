"""ISBD punctuation out of catalogue values, so that a post reads "Bumi manusia", not
"Bumi manusia :".

Cataloguers end each element with the punctuation that ties it to the next one (" /" before the
statement of responsibility, " :" before a subtitle or a publisher, " =" before a parallel title,
" ;" before a series number, "," before a date, "." at the end of an area), and bracket what they
supplied themselves ("[Jakarta]"). A value taken out of its record keeps none of that; brackets
are removed where they do not balance (an ISBD bracket opened in $a and closed in $b: "[Washington,
D.C. :" ... "Association of Teacher Educators]"). Kept: the period of an abbreviation or an
initial ("Jr.", "J. K."), an ellipsis, and balanced brackets inside a value.
"""

from __future__ import annotations

# ISBD punctuation that closes an element before the next one, and the period that ends an area.
_ISBD_END = "/:;=,."
_ISBD_START = "/:;=,"
# A final period is kept after these (casefolded, without the period): "Jr.", "ed.", "dkk.".
_ABBREVIATIONS = frozenset(
    "co corp dkk ed eds etc hj hlm inc ir jr ltd no prof sr st vol cet penyunt terj"
    .split()
)
_UNKNOWN_PLACE_OR_PUBLISHER = frozenset(
    ["s.l", "s.n", "sine loco", "sine nomine", "t.p", "t.t", "t.tp", "tanpa penerbit",
     "tanpa tempat", "publisher not identified", "place of publication not identified"]
)


def _keeps_period(text: str) -> bool:
    """Whether a period after `text` belongs to an abbreviation or an initial."""
    word = text.rsplit(None, 1)[-1].lstrip("([")
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "Rowling, J. K."
    if "." in word and all(part.isalpha() and len(part) <= 4 for part in word.split(".")):
        return True  # "R.R.", "S.Kom."
    return word.casefold() in _ABBREVIATIONS


def _balance(text: str) -> str:
    """Drop a "[" that is never closed and a "]" that was never opened."""
    if "[" not in text and "]" not in text:
        return text
    kept: list[str] = []
    opened: list[int] = []  # positions in `kept` of "[" not yet closed
    for char in text:
        if char == "[":
            opened.append(len(kept))
        elif char == "]":
            if not opened:
                continue
            opened.pop()
        kept.append(char)
    for position in reversed(opened):
        del kept[position]
    return "".join(kept)


def trim(value: str | None) -> str | None:
    """A value without the ISBD punctuation that ties it to its neighbours, with its blank space
    (no-break spaces too) collapsed; None when nothing is left."""
    if value is None:
        return None
    text = " ".join(value.split())  # str.split() also splits on no-break spaces
    if not text:
        return None
    if text[0] in _ISBD_START or text[-1] in _ISBD_END or "[" in text or "]" in text:
        text = _strip_punctuation(_balance(text))
    return text or None


def _strip_punctuation(text: str) -> str:
    text = text.lstrip(_ISBD_START + " ")
    if not text or text[-1] not in _ISBD_END:
        return text.strip()
    kept = text.rstrip(_ISBD_END + " ")
    if not kept:
        return ""
    after = text[len(kept):]
    if after.startswith("..."):
        return kept + "..."  # an ellipsis is part of the title
    if after[0] == "." and _keeps_period(kept):
        return kept + "."
    return kept


def clean_text(value: str | None) -> str | None:
    """Free text (a summary): blank space collapsed, nothing else changed."""
    if value is None:
        return None
    return " ".join(value.split()) or None


def unbracket(value: str | None) -> str | None:
    """ "[Jakarta]" -> "Jakarta"; "[s.n.]" (no publisher named) -> None."""
    text = trim(value)
    if text is None:
        return None
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    if text.casefold().rstrip(".") in _UNKNOWN_PLACE_OR_PUBLISHER:
        return None
    return trim(text)
