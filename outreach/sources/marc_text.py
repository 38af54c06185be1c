"""The character encoding of a MARC record, as it really is, and text decoded from it with
damage repaired: one bad byte costs one character, never the record.

Leader/09 says UTF-8 ('a') or MARC-8 (blank), and exporters get it wrong: SLiMS's export marks
its UTF-8 records MARC-8, old systems write Windows-1251 or Latin-1 into records marked either
way. `choose_encoding` looks at the bytes of the fields that will be read:

- marked MARC-8 but valid UTF-8 with multi-byte characters and no MARC-8 escape: UTF-8;
- not UTF-8, no MARC-8 escape, and shaped like a single-byte code page: Windows-1251 when the
  high bytes run together into words (Cyrillic letters), Windows-1252 (Latin-1) when an
  accented letter ends a word (MARC-8 puts a diacritic *before* its letter, never before a
  space or a punctuation mark);
- otherwise what the leader says.

Each guess against the leader is one warning. `decode_field` replaces bytes that are not valid
in the chosen encoding (U+FFFD), and what a broken MARC-8 escape leaves (an ESC, a control
character), and says so.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata

from pymarc.marc8 import marc8_to_unicode

from outreach.sources.base import sentence

UTF8, MARC8 = "utf-8", "marc-8"
# -o encoding= names a file's real encoding when the leaders lie about it.
SINGLE_BYTE = {"windows-1251": "cp1251", "cp1251": "cp1251", "windows-1252": "cp1252",
               "cp1252": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
               "iso-8859-1": "cp1252"}
NAMES = {"cp1251": "Windows-1251 (Cyrillic)", "cp1252": "Windows-1252 / Latin-1",
         UTF8: "UTF-8", MARC8: "MARC-8"}
REPLACEMENT = "\ufffd"

_CYRILLIC_RUN = re.compile(rb"[\xc0-\xff\xa8\xb8]{3,}")
_HIGH = re.compile(rb"[\x80-\xff]")
# An accented Latin-1 letter ending a word: in MARC-8 it would be a diacritic on a space.
_WORD_END_ACCENT = re.compile(rb"[A-Za-z][\xc0-\xff](?=[\x00-\x40\x5b-\x60\x7b-\x7f]|$)")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def nfc(text: str) -> str:
    # Decomposed accents ("e" + U+0301) are common in MARC; posts and searches want composed ones.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _single_byte(sample: bytes, high: int) -> str | None:
    if sum(map(len, _CYRILLIC_RUN.findall(sample))) * 2 >= high:
        return "cp1251"
    if _WORD_END_ACCENT.search(sample):
        return "cp1252"
    return None


def choose_encoding(declared: str, sample: bytes) -> tuple[str, str | None]:
    """(encoding to decode with, a warning when it is not what the leader declares)."""
    high = len(_HIGH.findall(sample))
    if not high:
        return declared, None
    if declared == UTF8:
        try:
            sample.decode("utf-8")
            return UTF8, None
        except UnicodeDecodeError:
            pass
        # A few bad bytes in real UTF-8 are repaired one by one; only text with no UTF-8
        # character at all is taken for a single-byte code page.
        if not _has_utf8_sequence(sample):
            guess = _single_byte(sample, high)
            if guess:
                return guess, sentence(f"it is marked as UTF-8 but its text is in {NAMES[guess]}; "
                               "it was read as such")
        return UTF8, None
    if b"\x1b" not in sample:
        try:
            sample.decode("utf-8")
            return UTF8, sentence("it is marked as MARC-8 (leader/09 blank) but its text is "
                                  "in UTF-8; it was read as UTF-8")
        except UnicodeDecodeError:
            pass
        guess = _single_byte(sample, high)
        if guess:
            return guess, sentence(f"it is marked as MARC-8 (leader/09 blank) but its text is in "
                           f"{NAMES[guess]}; it was read as such")
    return MARC8, None


def _has_utf8_sequence(sample: bytes) -> bool:
    return re.search(rb"[\xc2-\xf4][\x80-\xbf]+", sample) is not None and any(
        _valid_utf8(m) for m in re.findall(rb"[\xc2-\xf4][\x80-\xbf]{1,3}", sample))


def _valid_utf8(chunk: bytes) -> bool:
    try:
        chunk.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def decode_field(raw: bytes, encoding: str) -> tuple[str, str | None]:
    """(text, a note when something had to be replaced) of one field's bytes."""
    if encoding == MARC8:
        try:
            if b"\x1b$" not in raw:
                text = marc8_to_unicode(raw, True)
            else:
                # pymarc writes a cut-short multi-byte (CJK) character to stderr and drops it.
                with contextlib.redirect_stderr(io.StringIO()) as said:
                    text = marc8_to_unicode(raw, True)
                if said.getvalue():
                    return nfc(text), sentence("a multi-byte MARC-8 character that was cut "
                                               "short was left out")
        except Exception:  # noqa: BLE001 - pymarc's converter fails on some damage
            text = raw.decode("ascii", "replace")
            return nfc(text), sentence("bytes that are not valid MARC-8 were replaced by "
                                          "\ufffd")
        # Subfield delimiters stay; any other control character is the debris of a broken
        # escape sequence.
        cleaned = _CONTROL.sub(lambda m: m[0] if m[0] == "\x1f" else REPLACEMENT, text)
        if cleaned != text:
            return nfc(cleaned), sentence("a broken MARC-8 escape sequence was replaced by "
                                            "\ufffd")
        return nfc(text), None
    try:
        return nfc(raw.decode(encoding)), None
    except UnicodeDecodeError:
        text = raw.decode(encoding, "replace")
        count = text.count(REPLACEMENT)
        shown = NAMES.get(encoding, encoding)
        return nfc(text), sentence(f"a byte that is not valid {shown} replaced by \ufffd"
                                   if count == 1 else
                                   f"{count} bytes that are not valid {shown} replaced by \ufffd")
