"""The one base class of the errors a person reads, and the table that says them in Indonesian.

Every layer raises its own error class (QueueError, TemplateError, PeriodError …) with a message
written for the person who asked: one plain sentence saying what is wrong and, where it helps, how
to put it right. They all derive from `OutreachError`, so a face can catch "anything the person
should read" in one clause instead of listing every class, and keep a true bug (any other
exception) apart from it.

`exit_code` is what the command line exits with when such an error ends a command: 1 unless the
class says otherwise (2 for a usage or configuration problem, as command-line tools do).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import ClassVar


class OutreachError(Exception):
    """An error whose message is written for a person; never carries a secret.

    The message is English (the CLI prints it, logs keep it). A class whose sentences are in
    a `Sentences` table names it in `sentences`; `said(locale)` then finds which sentence the
    message is and says it in the page's language. Every `raise` of such a class has its
    sentence in the table (tests/test_error_words.py reads the raises to make sure)."""

    exit_code: int = 1
    sentences: ClassVar[Sentences | None] = None

    def said(self, locale: str = "id") -> str:
        """The message in the locale's language (as it is when no table knows it)."""
        text = str(self)
        return self.sentences.translate(text, locale) if self.sentences else text

    def lines(self, locale: str = "id") -> list[str]:
        """The message as the sentences a page lists (one unless a class has several)."""
        return [self.said(locale)]


_FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")  # {name} or {name:spec}


class Sentences:
    """Sentences a person reads, code -> (Indonesian, English), with `{name}` placeholders.

    Messages are stored and logged in English (the CLI, logs and audit details print them); a
    page in Indonesian finds which English sentence a stored text is (`match`) and says the
    Indonesian one with the same values. Platform reasons, import messages and template errors
    each keep such a table beside the code that writes the sentences."""

    def __init__(self, table: dict[str, tuple[str, str]], values: dict[str, str] | None = None,
                 *, inner: Sentences | None = None, greedy: frozenset[str] = frozenset()):
        """`values`: English words a placeholder may hold (a status such as "failed") and
        their Indonesian; a value that is a comma list of such words is said word by word.
        `inner`: the table of sentences a placeholder may hold whole (another layer's message
        passed on), tried on values `values` does not know.
        `greedy`: fields that hold a whole sentence of their own, which may itself contain the
        text that follows the field (an account named "Page (.env)" before " (Facebook said:");
        they take the longest text that still lets the rest match."""
        self.table = table
        self.values = values or {}
        self.inner = inner
        self.greedy = greedy

    @cached_property
    def _patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        """(code, regex of its English sentence); longer literal text first, so the most
        specific sentence wins over one that is mostly a placeholder. A name used twice must
        match the same text both times."""
        found = []
        for code, (_id, en) in self.table.items():
            seen: set[str] = set()
            parts, pos = [], 0
            for m in _FIELD.finditer(en):
                parts.append(re.escape(en[pos:m.start()]))
                name = m.group(1)
                parts.append(f"(?P={name})" if name in seen
                             else f"(?P<{name}>.+)" if name in self.greedy
                             else f"(?P<{name}>.+?)")
                seen.add(name)
                pos = m.end()
            parts.append(re.escape(en[pos:]))
            found.append((len(_FIELD.sub("", en)), code, re.compile("".join(parts), re.S)))
        found.sort(key=lambda t: -t[0])
        return [(code, rx) for _n, code, rx in found]

    def matches(self, text: str):  # noqa: ANN201 - Iterator[tuple[str, dict[str, str]]]
        """Every (code, values) whose English sentence is `text`, most specific first."""
        for code, rx in self._patterns:
            m = rx.fullmatch(text)
            if m is not None:
                yield code, m.groupdict()

    def match(self, text: str) -> tuple[str, dict[str, str]] | None:
        return next(self.matches(text), None)

    def say(self, code: str, locale: str = "id", /, **values: object) -> str:
        indonesian, in_english = self.table[code]
        return (in_english if locale.startswith("en") else indonesian).format(**values)

    def _value(self, value: str, locale: str) -> str:
        if value in self.values:
            return self.values[value]
        items = value.split(", ")
        if len(items) > 1 and all(i in self.values for i in items):
            return ", ".join(self.values[i] for i in items)
        return self.inner.translate(value, locale) if self.inner is not None else value

    def translate(self, text: str | None, locale: str = "id") -> str:
        """A stored English sentence in the locale's language; one that matches nothing (or
        English asked for) is kept as it is. Lines are said one by one, so a sentence
        followed by a list of problems ("...:\nx: the text is too long") is said whole."""
        if not text or locale.startswith("en"):
            return text or ""
        if "\n" in text:
            return "\n".join(self.translate(line, locale) for line in text.split("\n"))
        found = self.match(text.strip())
        if found is None:
            return self.inner.translate(text, locale) if self.inner is not None else text
        code, values = found
        return self.say(code, locale, **{k: self._value(v, locale) for k, v in values.items()})

    def knows(self, text: str) -> bool:
        """Whether `text` (every line of it) is one of the table's sentences or its inner's."""
        return all(self.match(line.strip()) is not None
                   or (self.inner is not None and self.inner.knows(line))
                   for line in text.split("\n"))
