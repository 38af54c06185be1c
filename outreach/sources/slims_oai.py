"""SLiMS (Senayan) OAI-PMH: `…/oai2.php`, `oai_dc` only (kind `slims-oai`).

SLiMS's oai_dc differs from the generic one (its `oai2.php`, record_dc.php):
- `dc:identifier_isbn` holds the free-text `isbn_issn`;
- `dc:identifier` is used three ways: the OPAC page (`index.php?p=show_detail&id=N`), the call
  number (plain text) and the cover thumbnail (`lib/minigalnano/createthumb.php?filename=
  images/docs/<file>&width=200`);
- a bare `<image>` element (no namespace) repeats the thumbnail, or names the default picture
  `images/default/image.png` when the title has no cover (not a cover, so ignored);
- `dc:subject` carries the topics and, last, the DDC classification; `dc:coverage` the place;
- the header datestamp is `biblio.input_date`, the catalogue date, which edits do not change.
The record identity is the biblio_id (`oai:<host>:slims-12` -> "12"), the same as `slims-db`'s,
so a library may move between the two without announcing its titles again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from outreach.config import get_settings
from outreach.sources.base import HarvestState, Item, TitleRecord
from outreach.sources.oai import OaiRecord, identifier_tail, parse_datestamp
from outreach.sources.oai_records import dc_values, is_image_url, oai_titles, title_from_dc

_DDC = re.compile(r"^\d{3}(\.\d+)?([/ ].*)?$")
_DEFAULT_IMAGE = "images/default/"


def slims_id(record: OaiRecord) -> str:
    tail = identifier_tail(record.identifier)
    match = re.fullmatch(r"slims-(\d+)", tail)
    return match[1] if match else record.identifier


def full_cover(url: str) -> str | None:
    """The cover file itself rather than SLiMS's 200-pixel thumbnail; None for the default
    picture SLiMS shows when a title has no cover."""
    if _DEFAULT_IMAGE in url:
        return None
    parts = urlsplit(url)
    if "createthumb" in parts.path:
        filename = (parse_qs(parts.query).get("filename") or [""])[0]
        if filename:
            base = parts.path.split("/lib/minigalnano/", 1)[0]
            return f"{parts.scheme}://{parts.netloc}{base}/{filename.lstrip('/')}"
    return url


def _map(record: OaiRecord, _prefix: str, sid: str) -> TitleRecord:
    assert record.metadata is not None
    values = dc_values(record.metadata)
    title = title_from_dc(values, sid, parse_datestamp(record.datestamp, get_settings().tz))
    covers = [full_cover(u) for u in values.get("image", []) + values.get("identifier", [])
              if u.lower().startswith(("http://", "https://")) and is_image_url(u)]
    title.cover_url = next((c for c in covers if c), None)
    plain = [v for v in values.get("identifier", [])
             if not v.lower().startswith(("http://", "https://"))]
    title.call_number = plain[0][:120] if plain else None
    subjects = []
    for subject in values.get("subject", []):
        if _DDC.match(subject) and title.classification is None:
            title.classification = subject[:60]
        else:
            subjects.append(subject)
    title.subjects = subjects
    title.place = (values.get("coverage") or [None])[0]
    return title


def read_slims_oai(source: str, *, harvest: HarvestState | None = None,
                   set_spec: str | None = None, **_options: object) -> Iterator[Item]:
    """Harvest a SLiMS OAI-PMH endpoint, e.g. https://perpustakaan.example/oai2.php."""
    yield from oai_titles(source, ["oai_dc"], _map, harvest=harvest, source_id=slims_id,
                          set_spec=set_spec)
