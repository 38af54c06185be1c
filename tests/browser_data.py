"""A small library's worth of rows for the browser tests, made the way the service makes them:
titles and events through `outreach import`, a staff post waiting for approval through
`create_post`, published posts on the sandbox with snapshots from a real engagement sync, one
failed delivery, one comment in the feedback inbox, one audit trail, one event moved after its
announcement was published.

`fill(live, sandbox, folder)` returns the values for the path parameters of every page route
(`{delivery_id}` → "12", ...), so a test can open each page on a real row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from engagement_kit import accounts, clock, seed
from marc_samples import book, field, write_iso
from sources_kit import run_import_cli
from sqlmodel import select

from outreach.config import load_settings
from outreach.crypto import encrypt_credentials
from outreach.desk.queue import NewPost, create_post
from outreach.engagement.sync import sync_pass
from outreach.models import Account, Delivery, Event, Feedback, ImportRun, Post, Title, utcnow

NEXT_YEAR = datetime.now(UTC).year + 1


def image(folder: Path, name: str = "pameran.jpg") -> str:
    from PIL import Image, ImageDraw

    path = folder / name
    picture = Image.new("RGB", (1080, 1080), (11, 93, 75))
    ImageDraw.Draw(picture).rectangle((180, 180, 900, 900), fill=(242, 165, 65))
    picture.save(path, "JPEG")
    return str(path)


def _import(folder: Path) -> None:
    recent = (datetime.now(UTC) - timedelta(days=3)).strftime("%y%m%d")
    marc = write_iso(
        folder / "baru.mrc",
        book("BTG101", "Laut bercerita /", field("100", "1 ", a="Chudori, Leila S."),
             field("260", "  ", a="Jakarta :", b="KPG,", c="2017."), entered=recent),
        book("BTG102", "Cantik itu luka /", field("100", "1 ", a="Kurniawan, Eka."),
             entered=recent),
    )
    code, out = run_import_cli("marc", str(marc))
    assert code == 0 and out["created"] == 2, out
    agenda = folder / "agenda.csv"
    agenda.write_text(
        "judul,tanggal,jam mulai,jam selesai,tempat,jenis,pendaftaran,deskripsi\n"
        f"Kelas Menulis Cerpen,{NEXT_YEAR}-03-05,09:00,11:30,Ruang Serbaguna,pelatihan,"
        "https://s.id/daftar,Gratis untuk remaja\n"
        f"Klub Baca Anak,{NEXT_YEAR}-03-07,16:00,17:00,Pojok Anak,komunitas,,\n"
        f"Jam salah,{NEXT_YEAR}-03-09,25:00,,,,,\n",
        encoding="utf-8")
    code, out = run_import_cli("events-csv", str(agenda))
    assert code == 1 and out["created"] == 2 and len(out["errors"]) == 1, out
    _broken_imports(folder, recent)


def _broken_imports(folder: Path, recent: str) -> None:
    """Runs whose pages explain damage (a record that is not one, text in another encoding than
    its leader says, broken XML in the parser's own words) and a source that cannot be read."""
    utf8_in_marc8 = "Babad Tanah Jawi " + "é".encode().decode("latin-1")  # UTF-8 bytes
    marc = write_iso(
        folder / "rusak.mrc",
        book("BTG103", "Ronggeng dukuh paruk /", entered=recent),
        b"rusak!",
        book("BTG104", utf8_in_marc8, entered=recent, marc8=True),
    )
    code, out = run_import_cli("marc", str(marc))
    assert code == 1 and len(out["errors"]) == 1 and out["warnings"], out
    xml = folder / "rusak.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
        '<record><leader>00000nam a2200000 a 4500</leader>'
        '<controlfield tag="001">BTG201</controlfield><datafield tag="245" ind1="1" ind2="0">'
        '<subfield code="a">Orang-orang proyek\x01</subfield></datafield></record>\n'
        '<record><leader>00000nam a2200000 a 4500</leader><datafield tag="245">'
        '<subfield code="a">Rusak</datafield></record>\n</collection>\n', encoding="utf-8")
    code, out = run_import_cli("marc", str(xml))
    assert code == 1 and len(out["errors"]) == 1 and out["warnings"], out
    calendar = folder / "agenda.ics"
    calendar.write_text("Jadwal kegiatan bulan ini\n", encoding="utf-8")
    code, out = run_import_cli("ics", str(calendar))
    assert code == 2, out


def fill(live, sandbox, folder: Path, author: str) -> dict[str, str]:
    settings = load_settings()
    ids = accounts()  # the sandbox_env accounts, as the service registers them
    _import(folder)
    with live.session() as session:
        waiting = create_post(session, settings, NewPost(
            platforms=["x", "facebook", "instagram"],
            text="Pameran buku langka minggu ini di Perpustakaan Kota Bontang, Sabtu 09.00 WITA.",
            images=[image(folder)], alt_texts=["Poster pameran buku langka berwarna hijau"],
            at=utcnow() + timedelta(days=2), review=True, author=author, author_role="staff"))
    published = seed(sandbox, "x", 2) + seed(sandbox, "facebook", 2) + seed(sandbox, "instagram", 1)
    clock(sandbox, advance=5 * 3600)
    sync_pass(settings)  # real snapshots from the sandbox's figures
    with live.session() as session:
        broken = session.get(Delivery, published[-1])
        failed = Delivery(post_id=broken.post_id, account_id=ids["x"], platform="x",
                          text="Teks yang ditolak platform", scheduled_at=utcnow(),
                          status="failed", attempts=1, last_error_kind="rejected",
                          last_error="Status is a duplicate.")
        session.add(failed)
        # An account connected in the web UI (stored encrypted): the reconnect form needs one;
        # the sandbox_env accounts come from the environment and cannot be edited there.
        branch = Account(platform="facebook", external_id="104857600999", name="Cabang Loktuan",
                         source="db", credentials_encrypted=encrypt_credentials(settings, {
                             "page_id": "104857600999", "page_token": "EAAsandboxbranch0001"}))
        session.add(branch)
        session.add(Feedback(delivery_id=published[0], platform="x", remote_id="c-900",
                             text="Apakah bukunya bisa dipinjam minggu depan?",
                             created_at=utcnow(), is_question=True))
        # An event announced on Facebook, then moved at the source: the inbox's "changed after
        # it was announced" section.
        moved = session.exec(select(Event).order_by(Event.id.desc())).first()
        about = Post(kind="event", event_id=moved.id, subject_key=f"event:{moved.id}")
        session.add(about)
        session.flush()
        session.add(Delivery(post_id=about.id, account_id=ids["facebook"], platform="facebook",
                             subject_key=about.subject_key, text=f"Acara: {moved.title}",
                             scheduled_at=utcnow() - timedelta(days=1), status="published",
                             published_at=utcnow() - timedelta(days=1),
                             remote_id="104857600123_77", remote_url="https://facebook.example/77"))
        moved.updated_at = utcnow()
        session.add(moved)
        # A queued delivery staff had edited by hand when that event moved: a draft that waits
        # in the inbox for a check (planning keeps a person's text instead of composing anew).
        session.add(Delivery(post_id=about.id, account_id=ids["x"], platform="x",
                             subject_key=about.subject_key,
                             text=f"Jangan lewatkan {moved.title}! Daftar sekarang.",
                             scheduled_at=utcnow() + timedelta(days=1), status="draft",
                             last_error_kind="subject_changed",
                             last_error="Data acara ini berubah di sumber setelah teks ini "
                                        "disunting."))
        session.commit()
        title = session.exec(select(Title).order_by(Title.id)).first()
        event = session.exec(select(Event).order_by(Event.id)).first()
        runs = session.exec(select(ImportRun).order_by(ImportRun.id.desc())).all()
        run = runs[0]
        feedback = session.exec(select(Feedback)).first()
        post = session.get(Post, waiting[0].post_id)
        values = {
            "delivery_id": published[0], "post_id": post.id, "title_id": title.id,
            "event_id": event.id, "run_id": run.id, "account_id": branch.id,
            "feedback_id": feedback.id, "failed_id": failed.id,
            "kind": "acquisition", "platform": "x", "lang": "id",
            # more pages of the same route: every import run that left a message
            "other_run_ids": " ".join(str(r.id) for r in runs[1:] if r.errors),
        }
    return {key: str(value) for key, value in values.items()}
