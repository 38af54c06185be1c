"""Koha OAI-PMH: `/cgi-bin/koha/oai.pl` (kind `koha-oai`).

`marcxml` first (with the 952 items, where the library configured Koha to include them, 952$d
gives the acquisition date), `oai_dc` when MARCXML is not offered.

The record identity is the biblionumber: 999$c of the MARCXML (where Koha keeps it, as in its
MARC exports, so `marc` and `koha-oai` know a title by the same id), else the tail of Koha's OAI
identifier (`oai:koha.example:123` -> "123"); it is the id the `koha-rss` feed gives too. The
link is the record's page in Koha's OPAC, `{opac}/cgi-bin/koha/opac-detail.pl?biblionumber=N`,
where {opac} is the `opac_url` option, else OUTREACH_OPAC_URL, else the address of the OAI
endpoint itself (Koha serves oai.pl from its OPAC). Never the SLiMS-shaped
OUTREACH_OPAC_LINK_PATTERN, and never a 856 link that only a Dublin Core record offers when
Koha's own page is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from functools import partial
from urllib.parse import urlsplit

from outreach.config import get_settings
from outreach.sources.base import HarvestState, Item, TitleRecord
from outreach.sources.inlislite import oai_id
from outreach.sources.marc_identity import koha_biblionumber, opac_page
from outreach.sources.oai import OaiRecord, parse_datestamp
from outreach.sources.oai_records import dc_values, oai_titles, title_from_dc, title_from_marcxml

PREFIXES = ["marcxml", "oai_dc"]
_OAI_PATH = "/cgi-bin/koha/oai.pl"


def opac_base(source: str, option: object = None) -> str | None:
    """The OPAC's address: the option, OUTREACH_OPAC_URL, or the OAI endpoint's own site."""
    if option:
        return str(option)
    if configured := get_settings().opac_url:
        return configured
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.netloc and parts.path.endswith(_OAI_PATH):
        base = parts.path[: -len(_OAI_PATH)]
        return f"{parts.scheme}://{parts.netloc}{base}"
    return None


def _map(record: OaiRecord, prefix: str, sid: str, *, tz: tzinfo,
         opac: str | None) -> TitleRecord:
    when = parse_datestamp(record.datestamp, tz)
    assert record.metadata is not None
    if prefix == "oai_dc":
        title = title_from_dc(dc_values(record.metadata), sid, when)
    else:
        title = title_from_marcxml(record.metadata, sid, when,
                                   choose_id=lambda by_tag: koha_biblionumber(by_tag) or sid)
        if title.source_id != sid:
            # Earlier harvests knew the record by its OAI identifier: re-key that row.
            title.former_id = sid
    title.opac_url = opac_page("koha", title.source_id, opac) or title.opac_url
    return title


def read_koha_oai(source: str, *, harvest: HarvestState | None = None,
                  metadata_prefix: str | None = None, set_spec: str | None = None,
                  opac_url: str | None = None, **_options: object) -> Iterator[Item]:
    """Harvest a Koha OAI-PMH endpoint, e.g. https://koha.example/cgi-bin/koha/oai.pl."""
    prefixes = [metadata_prefix] if metadata_prefix else PREFIXES
    mapper = partial(_map, tz=get_settings().tz, opac=opac_base(source, opac_url))
    yield from oai_titles(source, prefixes, mapper, harvest=harvest, source_id=oai_id,
                          set_spec=set_spec)
