"""An event changed at the source after its announcement went out: the staff inbox says so with
the new details, links to a correction, and forgets it once handled (until the next change)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from outreach.config import get_settings
from outreach.db import get_engine
from outreach.models import AuditLog, Delivery, Event
from outreach.planning.planner import plan
from outreach.planning.schedule import load_schedule
from outreach.sources.importing import run_import


def planning_now() -> datetime:
    """08:30 local on the first Wednesday after today with no quiet date of the shipped
    schedule in the three weeks from it. The pages read the real clock, so the events must lie
    ahead of it; planning on a set weekday and hour, away from holidays, plans the same posts
    whatever day the tests run."""
    tz = get_settings().tz
    schedule = load_schedule()
    day = datetime.now(tz).date() + timedelta(days=1)
    while day.weekday() != 2 or any(schedule.is_quiet(day + timedelta(days=n))
                                    for n in range(21)):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 30, tzinfo=tz).astimezone(UTC)


def _csv(path: Path, day: date, start: str, end: str, place: str) -> None:
    path.write_text("id,judul,tanggal,jam mulai,jam selesai,tempat,jenis,pendaftaran,deskripsi\n"
                    f"ac-7,Dongeng Pesut Mahakam,{day.isoformat()},{start},{end},{place},"
                    "komunitas,,Kakak pendongeng membawakan legenda pesut.\n", encoding="utf-8")


def test_inbox_shows_an_event_changed_after_its_announcement(web, sandbox_env, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    source = tmp_path / "acara.csv"
    now = planning_now()
    day = (now + timedelta(days=5)).date()
    _csv(source, day, "09:00", "10:30", "Pojok Baca Anak")
    assert run_import("events-csv", str(source)).exit_code == 0
    engine = get_engine(web.db_url)
    with Session(engine) as s:
        plan(s, now=now)
        announced = s.exec(select(Delivery).where(Delivery.subject_key.like("event:%"))).all()
        assert announced
        facebook = next(d for d in announced if d.platform == "facebook")
        facebook.status, facebook.published_at = "published", datetime.now(UTC)
        facebook.remote_url = "https://facebook.example/posts/1"
        s.add(facebook)
        s.commit()
    client = web.client("staff")
    assert "Acara berubah setelah diumumkan" not in client.get("/inbox").text

    _csv(source, day + timedelta(days=1), "15:00", "16:30", "Aula Utama")  # moved
    assert run_import("events-csv", str(source)).exit_code == 0
    with Session(engine) as s:
        event = s.exec(select(Event)).one()
    page = client.get("/inbox").text
    assert "Acara berubah setelah diumumkan" in page and "Dongeng Pesut Mahakam" in page
    assert "Aula Utama" in page and "15.00" in page
    assert "Sudah diumumkan dengan data lama di Facebook" in page
    assert f'href="/compose?event_id={event.id}"' in page
    assert '<strong>1</strong> perlu tindakan' in client.get("/").text  # the home page counts it
    correction = client.get(f"/compose?event_id={event.id}")
    assert correction.status_code == 200 and "Aula Utama" in correction.text

    done = web.post(client, f"/events/{event.id}/change-seen", follow_redirects=False)
    assert done.status_code == 303
    after = client.get("/inbox").text
    assert "Acara berubah setelah diumumkan" not in after
    assert '<strong>0</strong> perlu tindakan' in client.get("/").text
    assert "ditandai sudah ditangani" in after
    with Session(engine) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "event.change_seen")).one()

    _csv(source, day + timedelta(days=1), "15:00", "16:30", "Ruang Anak")  # changed again
    assert run_import("events-csv", str(source)).exit_code == 0
    assert "Ruang Anak" in client.get("/inbox").text
    english = web.client("staff")
    web.post(english, "/lang", {"lang": "en", "next": "/inbox"})
    assert "Events changed after they were announced" in english.get("/inbox").text


def test_a_post_edited_by_hand_waits_in_the_inbox_when_its_event_changes(web, sandbox_env,
                                                                         tmp_path, monkeypatch):
    """Staff rewrote the queued X announcement in the web app; the event then moved. The inbox
    lists that draft with why and a link to check it; saving it there sends it on."""
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    source = tmp_path / "acara.csv"
    now = planning_now()
    day = (now + timedelta(days=5)).date()
    _csv(source, day, "09:00", "10:30", "Pojok Baca Anak")
    assert run_import("events-csv", str(source)).exit_code == 0
    engine = get_engine(web.db_url)
    with Session(engine) as s:
        plan(s, now=now)
        x = s.exec(select(Delivery).where(Delivery.subject_key.like("event:%"),
                                          Delivery.platform == "x")).one()
    client = web.client("staff")
    mine = "Dongeng Pesut Mahakam di Pojok Baca Anak: ajak si kecil, ya!"
    assert web.post(client, f"/deliveries/{x.id}/edit", {"text": mine},
                    follow_redirects=False).status_code == 303
    assert f'id="d-{x.id}"' not in client.get("/inbox").text

    _csv(source, day + timedelta(days=1), "15:00", "16:30", "Aula Utama")  # moved
    assert run_import("events-csv", str(source)).exit_code == 0
    with Session(engine) as s:
        plan(s, now=now)
    page = client.get("/inbox").text
    assert f'id="d-{x.id}"' in page and mine in page
    assert "berubah di sumber setelah teks ini disunting tangan" in page
    assert f'href="/deliveries/{x.id}#edit"' in page
    assert f'action="/deliveries/{x.id}/retry"' not in page  # a draft is edited, not retried
    assert '<strong>1</strong> perlu tindakan' in client.get("/").text
    english = web.client("staff")
    web.post(english, "/lang", {"lang": "en", "next": "/inbox"})
    assert "changed at the source after this text was edited by hand" in english.get(
        "/inbox").text

    fixed = mine.replace("Pojok Baca Anak", "Aula Utama")
    assert web.post(client, f"/deliveries/{x.id}/edit", {"text": fixed},
                    follow_redirects=False).status_code == 303
    assert f'id="d-{x.id}"' not in client.get("/inbox").text
    with Session(engine) as s:
        assert s.get(Delivery, x.id).status in ("scheduled", "pending_review")
