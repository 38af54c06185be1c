"""Event kinds (workshop / community / other) from the words a calendar or a spreadsheet uses.

iCalendar CATEGORIES and the spreadsheet's "jenis" column are free text ("Pelatihan", "Kelas
Menulis", "Klub Buku", "Storytelling"). Rules map them to the three kinds planning knows: the
library's own rules first (OUTREACH_EVENT_KIND_RULES), then the built-in ones below. A word
matches when it appears inside a category, case and accents aside.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from outreach.config import Settings, get_settings
from outreach.config_syntax import parse_kind_rules

# Built-in rules, Indonesian first. Order matters: "workshop" words are tried before
# "community" ones, so "Kelas Komunitas Menulis" is a workshop.
DEFAULT_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("workshop", ("pelatihan", "workshop", "lokakarya", "kelas", "bimtek", "bimbingan teknis",
                  "training", "kursus", "course", "seminar", "webinar", "diklat", "class",
                  "tutorial")),
    ("community", ("komunitas", "community", "klub", "club", "lomba", "kompetisi",
                   "competition", "dongeng", "storytelling", "story time", "bedah buku",
                   "diskusi", "pameran", "exhibition", "festival", "kegiatan", "acara", "event",
                   "meetup", "temu")),
]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class KindRules:
    """Maps category words to a kind; build once per import (`KindRules.from_settings()`)."""

    def __init__(self, rules: Iterable[tuple[str, Iterable[str]]]) -> None:
        self.rules = [(kind, tuple(_fold(w) for w in words)) for kind, words in rules]

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> KindRules:
        settings = settings or get_settings()
        own = parse_kind_rules(settings.event_kind_rules) if settings.event_kind_rules else []
        return cls(own + DEFAULT_RULES)

    def kind(self, categories: Iterable[str]) -> str:
        """The kind of the first rule matching any category; "other" when none does."""
        folded = [_fold(c) for c in categories if c and c.strip()]
        if not folded:
            return "other"
        for kind, words in self.rules:
            for category in folded:
                if category in ("workshop", "community", "other"):
                    return category  # the kinds' own names, as staff may type them
                if any(word in category for word in words):
                    return kind
        return "other"
