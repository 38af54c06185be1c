"""What the imports brought in (staff): the catalogue, events and import runs, each record with
the posts made about it and a way to announce it by hand (the compose page)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from outreach.compose.links import opac_link
from outreach.desk import catalogue as cat
from outreach.models import Event, ImportRun, Title, utcnow
from outreach.reports.words import kind_labels
from outreach.web.areas._staff import page_number
from outreach.web.auth import DB, Staff
from outreach.web.pages import N_, render, request_lang

router = APIRouter()
PER_PAGE = 50
ERRORS_PER_PAGE = 100

EVENT_KIND_LABELS = {"workshop": N_("Pelatihan"), "community": N_("Komunitas"),
                     "other": N_("Lainnya")}
RUN_STATUS_LABELS = {"running": N_("Berjalan"), "ok": N_("Berhasil"),
                     "partial": N_("Sebagian ditolak"), "failed": N_("Gagal")}


def _int(value: str | None, default: int = 1) -> int:
    """A page number from the query string; anything odd is the first page, never an error."""
    return page_number(value) if value else default


def web_url(value: str | None) -> str | None:
    """Only http(s) links from imported data become links (no javascript: from a catalogue)."""
    if value and urlsplit(value).scheme in ("http", "https"):
        return value
    return None


def _pager(request: Request, page: cat.Page) -> dict[str, Any]:
    def url(n: int) -> str:
        return request.url.path + "?" + str(request.url.include_query_params(page=n).query)

    return {"page": page.page, "pages": page.pages, "total": page.total,
            "prev": url(page.page - 1) if page.has_prev else None,
            "next": url(page.page + 1) if page.has_next else None}


def _delivery_link(request: Request) -> str | None:
    """The delivery page's path pattern, when the app has one (built in another area)."""
    for path in sorted(request.app.state.page_paths):
        if re.fullmatch(r"/deliveries/\{[^}]+\}", path):
            return re.sub(r"\{[^}]+\}", "{id}", path)
    return None


def _posts_context(request: Request, rows: list[cat.PostRow]) -> dict[str, Any]:
    return {"posts": rows, "delivery_link": _delivery_link(request),
            "post_kinds": kind_labels(request_lang(request))}


# -- catalogue ---------------------------------------------------------------------------------
@router.get("/catalogue")
def catalogue_list(request: Request, user: Staff, session: DB, q: str = "", source: str = "",
                   new: str = "", page: str = "1") -> Response:
    settings = request.app.state.settings
    now = utcnow()
    window = settings.announce_window_days
    found = cat.find_titles(session, query=q[:200], source=source or None,
                            new_within_days=window if new else None, now=now,
                            page=_int(page), per_page=PER_PAGE)
    oldest = min((t.catalogued_at for t in found.items if t.catalogued_at), default=None)
    announced = cat.announcements(session, title_ids=[t.id for t in found.items],
                                  digests_since=oldest)
    return render(request, "catalogue_list.html", {
        "titles": found.items, "announced": announced, "pager": _pager(request, found),
        "q": q, "source": source, "new": bool(new), "sources": cat.title_sources(session),
        "window": window, "cover": web_url,
    })


@router.get("/catalogue/{title_id}")
def catalogue_detail(request: Request, title_id: int, user: Staff, session: DB) -> Response:
    title = session.get(Title, title_id)
    if title is None:
        raise HTTPException(status_code=404)
    settings = request.app.state.settings
    now = utcnow()
    in_window = (title.catalogued_at is not None and title.withdrawn_at is None
                 and now - timedelta(days=settings.announce_window_days)
                 <= title.catalogued_at <= now)
    return render(request, "catalogue_detail.html", {
        "title": title, "opac": web_url(opac_link(title, settings)),
        "cover": web_url(title.cover_url), "in_window": in_window,
        "window": settings.announce_window_days,
        **_posts_context(request, cat.subject_posts(session, title_id=title.id)),
    })


# -- events ------------------------------------------------------------------------------------
@router.get("/events")
def events_list(request: Request, user: Staff, session: DB, when: str = "upcoming",
                kind: str = "", page: str = "1") -> Response:
    when = "past" if when == "past" else "upcoming"
    kind = kind if kind in cat.EVENT_KINDS else ""
    found = cat.find_events(session, when=when, kind=kind or None, now=utcnow(),
                            page=_int(page), per_page=PER_PAGE)
    announced = cat.announcements(session, event_ids=[e.id for e in found.items])
    return render(request, "events_list.html", {
        "events": found.items, "announced": announced, "pager": _pager(request, found),
        "when": when, "kind": kind, "kinds": EVENT_KIND_LABELS,
    })


@router.get("/events/{event_id}")
def events_detail(request: Request, event_id: int, user: Staff, session: DB) -> Response:
    event = session.get(Event, event_id)
    if event is None:
        raise HTTPException(status_code=404)
    return render(request, "events_detail.html", {
        "event": event, "kinds": EVENT_KIND_LABELS, "web_url": web_url,
        "past": (event.ends_at or event.starts_at) < utcnow(),
        **_posts_context(request, cat.subject_posts(session, event_id=event.id)),
    })


# -- import runs -------------------------------------------------------------------------------
@router.get("/imports")
def imports_list(request: Request, user: Staff, session: DB, page: str = "1") -> Response:
    found = cat.import_runs(session, page=_int(page), per_page=PER_PAGE)
    runs = [{"run": r, "source": cat.scrub(r.source), "rejected": cat.rejected_count(r)}
            for r in found.items]
    return render(request, "imports_list.html", {
        "runs": runs, "pager": _pager(request, found), "statuses": RUN_STATUS_LABELS,
    })


@router.get("/imports/{run_id}")
def imports_detail(request: Request, run_id: int, user: Staff, session: DB,
                   page: str = "1") -> Response:
    run = session.get(ImportRun, run_id)
    if run is None:
        raise HTTPException(status_code=404)
    errors = cat.run_errors(run)
    last = max(1, -(-len(errors) // ERRORS_PER_PAGE))
    shown = cat.Page(errors, len(errors), min(_int(page), last), ERRORS_PER_PAGE)
    start = (shown.page - 1) * ERRORS_PER_PAGE
    return render(request, "imports_detail.html", {
        "run": run, "source": cat.scrub(run.source), "rejected": cat.rejected_count(run),
        "errors": errors[start:start + ERRORS_PER_PAGE], "first": start + 1,
        "pager": _pager(request, shown), "statuses": RUN_STATUS_LABELS,
    })
