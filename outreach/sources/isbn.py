"""ISBN normalisation: whatever a cataloguer typed into 020$a (or SLiMS's free-text `isbn_issn`)
becomes a valid ISBN-13, or nothing.

"978-602-03-2478-4 (pbk.)", "602-03-2478-X", "ISBN 9786020324784" all come out as 13 digits.
A wrong check digit means a typo somewhere, and a wrong ISBN would fetch someone else's cover, so
invalid numbers are dropped rather than guessed at.
"""

from __future__ import annotations

import re

# Runs of ISBN characters: digits, hyphens and X (an ISBN-10 check digit). Qualifiers such as
# "(pbk.)" or ": Rp 75.000" around them are ignored. Spaced-out numbers ("978 602 03 2478 4") are
# tried after the compact ones, so two ISBNs typed into one field do not run together.
_TOKEN = re.compile(r"[0-9X][0-9X-]*")
_SPACED = re.compile(r"[0-9][0-9 -]{8,20}[0-9X]")
_PLAIN_13 = re.compile(r"\s*(97[89][0-9]{10})(?![0-9X-])")
_SEPARATORS = str.maketrans("", "", " -\t")


def isbn13_check_digit(first12: str) -> str:
    """The check digit of an ISBN-13 (or any EAN-13) from its first 12 digits."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"expected 12 digits, got {first12!r}")
    total = sum(map(int, first12[0::2])) + 3 * sum(map(int, first12[1::2]))
    return str((10 - total % 10) % 10)


def isbn10_check_digit(first9: str) -> str:
    """The check digit of an ISBN-10 from its first 9 digits ("X" stands for 10)."""
    if len(first9) != 9 or not first9.isdigit():
        raise ValueError(f"expected 9 digits, got {first9!r}")
    total = sum(int(d) * (10 - i) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def normalize_isbn(text: str | None) -> str | None:
    """The ISBN-13 in `text`, or None when there is no valid ISBN in it.

    Valid ISBN-10s are converted (978 prefix); only 978/979 thirteen-digit numbers count, since
    other EAN-13s (ISSN-based 977, product codes) are not books' ISBNs.
    """
    if not text:
        return None
    if (fast := _PLAIN_13.match(text)) is not None:
        digits = fast[1]  # the usual "9786020324784 (pbk.)"
        return digits if isbn13_check_digit(digits[:12]) == digits[12] else None
    upper = text.upper()
    for pattern in (_TOKEN, _SPACED):
        for match in pattern.finditer(upper):
            isbn = _as_isbn13(match.group(0).translate(_SEPARATORS))
            if isbn is not None:
                return isbn
    return None


def _as_isbn13(digits: str) -> str | None:
    if len(digits) == 13 and digits.isdigit():
        if digits[:3] not in ("978", "979"):
            return None
        return digits if isbn13_check_digit(digits[:12]) == digits[12] else None
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        if isbn10_check_digit(digits[:9]) != digits[9]:
            return None
        body = "978" + digits[:9]
        return body + isbn13_check_digit(body)
    return None
