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


class OutreachError(Exception):
    """An error whose message is written for a person; never carries a secret."""

    exit_code: int = 1


_FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")  # {name} or {name:spec}


class Sentences:
    """Sentences a person reads, code -> (Indonesian, English), with `{name}` placeholders.

    Messages are stored and logged in English (the CLI, logs and audit details print them); a
    page in Indonesian finds which English sentence a stored text is (`match`) and says the
    Indonesian one with the same values. Platform reasons, import messages and template errors
    each keep such a table beside the code that writes the sentences."""

    def __init__(self, table: dict[str, tuple[str, str]]):
        self.table = table

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
                parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
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
