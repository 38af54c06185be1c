"""INLISLite (Perpusnas) OAI-PMH: `/opac/oai` (v3) or `/oai` (v3.3) (kind `inlislite-oai`).

MARCXML is asked for first, because it carries the whole catalogue record (ISBNs, DDC, 856
cover links); versions call it `marcxml` or `marc21`, and when neither is offered the harvest
falls back to `oai_dc`. The record identity is the tail of the OAI identifier (the catalogue id
that the OPAC's `detail-opac?id=` links use).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from outreach.config import get_settings
from outreach.sources.base import HarvestState, Item
from outreach.sources.oai import OaiRecord, identifier_tail
from outreach.sources.oai_records import dc_or_marc, oai_titles

PREFIXES = ["marcxml", "marc21", "oai_dc"]


def oai_id(record: OaiRecord) -> str:
    return identifier_tail(record.identifier)


def read_inlislite_oai(source: str, *, harvest: HarvestState | None = None,
                       metadata_prefix: str | None = None, set_spec: str | None = None,
                       **_options: object) -> Iterator[Item]:
    """Harvest an INLISLite OAI-PMH endpoint, e.g. https://inlislite.example/opac/oai."""
    prefixes = [metadata_prefix] if metadata_prefix else PREFIXES
    mapper = partial(dc_or_marc, tz=get_settings().tz)
    yield from oai_titles(source, prefixes, mapper, harvest=harvest, source_id=oai_id,
                          set_spec=set_spec)
