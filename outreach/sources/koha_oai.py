"""Koha OAI-PMH: `/cgi-bin/koha/oai.pl` (kind `koha-oai`).

`marcxml` first (with the 952 items, where the library configured Koha to include them, 952$d
gives the acquisition date), `oai_dc` when MARCXML is not offered. The record identity is the
biblionumber, the tail of Koha's OAI identifier (`KOHA-OAI-TEST:123` -> "123"), which the OPAC
links `opac-detail.pl?biblionumber=` use; it is the same id the `koha-rss` feed gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from outreach.config import get_settings
from outreach.sources.base import HarvestState, Item
from outreach.sources.inlislite import oai_id
from outreach.sources.oai_records import dc_or_marc, oai_titles

PREFIXES = ["marcxml", "oai_dc"]


def read_koha_oai(source: str, *, harvest: HarvestState | None = None,
                  metadata_prefix: str | None = None, set_spec: str | None = None,
                  **_options: object) -> Iterator[Item]:
    """Harvest a Koha OAI-PMH endpoint, e.g. https://koha.example/cgi-bin/koha/oai.pl."""
    prefixes = [metadata_prefix] if metadata_prefix else PREFIXES
    mapper = partial(dc_or_marc, tz=get_settings().tz)
    yield from oai_titles(source, prefixes, mapper, harvest=harvest, source_id=oai_id,
                          set_spec=set_spec)
