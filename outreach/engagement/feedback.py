"""The feedback inbox: what the public says under our posts, so questions reach the reference
desk and staff can mark them answered or not relevant.

Comments are pulled in by the engagement sync (engagement/sync.py) when a post's comment count
grows.
Authors are kept as OUTREACH_FEEDBACK_AUTHORS says (default `hash`, docs/reports.md):

- `hash`: only a keyed hash of the author (HMAC-SHA256 with OUTREACH_SECRET_KEY), shown as an
  anonymous code such as "Pengguna 3f9a2c"; the same person keeps the same code, and nobody can
  turn it back into a handle. Without a secret key no author is recorded at all.
- `show`: the @handle (or name) is kept and shown, for libraries whose policy allows it.

The platform link always leads to the comment (or the post), where staff answer in person.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from outreach.config import Settings
from outreach.errors import OutreachError, Sentences
from outreach.models import (
    Account,
    AuditLog,
    Delivery,
    Event,
    Feedback,
    FeedbackStatus,
    Post,
    Title,
    utcnow,
)
from outreach.platforms.base import Comment

# Words that open a question, Bahasa Indonesia first (with the particle -kah), then English.
_QUESTION_WORDS = (
    "apa", "apakah", "bagaimana", "gimana", "kapan", "kapankah", "di mana", "dimana",
    "ke mana", "kemana", "dari mana", "berapa", "berapakah", "siapa", "siapakah", "mengapa",
    "kenapa", "bisakah", "bolehkah", "adakah",
    "how", "when", "where", "what", "which", "who", "why", "can", "could", "is", "are", "do",
    "does", "will",
)
_QUESTION = re.compile(r"^(?:@\S+\s+)*(?:" + "|".join(re.escape(w) for w in _QUESTION_WORDS)
                       + r")\b", re.IGNORECASE)
# Indonesian asks with these anywhere in the sentence ("Jam berapa buka", "Daftarnya di mana").
_ASKING = re.compile(r"\b(?:apakah|bisakah|bolehkah|adakah|bagaimana|gimana|berapa|kapan|"
                     r"di ?mana|siapa|mengapa|kenapa|tanya|bertanya|mohon info|info dong)\b",
                     re.IGNORECASE)
STATUSES = tuple(s.value for s in FeedbackStatus)
LABELS = {"new": "baru · new", "answered": "dijawab · answered",
          "not_relevant": "tidak relevan · not relevant"}


# What the inbox refuses (FeedbackError, ReplyError), in Bahasa Indonesia and English; the
# errors carry the English (the CLI prints it) and a page says the Indonesian (`said`).
# tests/test_error_words.py fails when a `raise` has no sentence here.
ERRORS: dict[str, tuple[str, str]] = {
    "unknown_status": ("Status {status} tidak dikenal; gunakan salah satu dari {known}.",
                       "Unknown status {status}; use one of {known}."),
    "missing": ("Komentar {id} tidak ada di kotak masukan.",
                "There is no comment {id} in the inbox."),
    "post_gone": ("Unggahan yang dijawab komentar ini tidak dikenal lagi di sini.",
                  "The post this comment answers is no longer known here."),
    "unsupported": ("Membalas komentar {platform} dari aplikasi ini belum bisa; jawab langsung "
                    "di {platform}.",
                    "Replying to comments on {platform} from this app is not supported; answer "
                    "on {platform} itself."),
    "duplicate": ("Balasan ini sudah terkirim ke komentar ini.",
                  "This reply was already sent to this comment."),
    # Platform.reply_problem (platforms/base.py), passed on as the reason.
    "reply_unsupported": ("Membalas komentar {platform} dari aplikasi ini belum bisa.",
                          "Replying to comments on {platform} from this app is not supported."),
    "reply_empty": ("Balasannya masih kosong.", "The reply is empty."),
    "reply_long": ("Balasan ini {n} karakter; balasan {platform} paling banyak {max}.",
                   "The reply counts {n} characters; a {platform} reply takes at most {max}."),
}
SENTENCES = Sentences(ERRORS)


class FeedbackError(OutreachError):
    """A request about the inbox cannot be carried out; the message says why and `code`
    which rule ("missing": no such comment, "status": a status not known)."""

    sentences = SENTENCES

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def is_question(text: str) -> bool:
    """A question mark, a question word at the start, or an asking phrase anywhere."""
    text = (text or "").strip()
    return "?" in text or bool(_QUESTION.match(text)) or bool(_ASKING.search(text))


def author_key(settings: Settings, platform: str, author_id: str | None,
               handle: str | None) -> str | None:
    """A keyed hash of the author: stable for one person, meaningless without the key."""
    who = author_id or (handle or "").lower().lstrip("@")
    if not who or settings.secret_key is None or not settings.secret_key.get_secret_value():
        return None
    key = settings.secret_key.get_secret_value().encode("utf-8")
    digest = hmac.new(key, f"feedback-author:{platform}:{who}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def shown_author(item: Feedback, settings: Settings) -> str:
    """How an author is shown under the current setting (a handle kept earlier under `show` is
    not shown once the library chose `hash`)."""
    if settings.feedback_authors == "show" and item.author_handle:
        return item.author_handle
    if item.author_key:
        return f"Pengguna {item.author_key[:6]}"
    return "Anonim"


def latest_comment_at(session: Session, delivery_id: int) -> datetime | None:
    return session.exec(select(func.max(Feedback.created_at))
                        .where(Feedback.delivery_id == delivery_id)).first()


def store_comments(session: Session, delivery_id: int, platform: str,
                   comments: Iterable[Comment], settings: Settings) -> tuple[int, int]:
    """Add the comments not seen before (the account's own replies are not feedback).
    Returns (added, of which questions). The caller commits."""
    fresh = [c for c in comments if not c.own and c.remote_id]
    if not fresh:
        return 0, 0
    known = set(session.exec(select(Feedback.remote_id).where(
        Feedback.platform == platform,
        Feedback.remote_id.in_([c.remote_id for c in fresh]))))
    delivery = session.get(Delivery, delivery_id)
    added = questions = 0
    now = utcnow()
    for c in fresh:
        if c.remote_id in known:
            continue
        known.add(c.remote_id)
        question = is_question(c.text)
        session.add(Feedback(
            delivery_id=delivery_id, platform=platform, remote_id=c.remote_id,
            parent_remote_id=c.parent_id,
            author_key=author_key(settings, platform, c.author_id, c.author_handle),
            author_handle=c.author_handle if settings.feedback_authors == "show" else None,
            text=c.text, url=c.url or (delivery.remote_url if delivery else None),
            created_at=c.created_at or now, fetched_at=now, is_question=question))
        added += 1
        questions += question
    session.flush()
    return added, questions


@dataclass
class InboxItem:
    id: int
    platform: str
    account: str
    backend: str | None  # the account's way of reaching the platform (replies depend on it)
    delivery_id: int
    post_text: str
    # What the post was about, so staff know which book or event a question means:
    # kind "title" / "event" / "digest" (several titles) / None (a staff-written post).
    subject_kind: str | None
    subject: str | None  # the book's title, the event's title, or the digest's first title
    subject_id: int | None  # Title.id or Event.id (the app's own page about it)
    subject_more: int  # a digest's further titles
    post_url: str | None  # the post on the platform
    author: str
    text: str
    url: str | None
    created_at: datetime
    is_question: bool
    status: str
    handled_by: str | None
    handled_at: datetime | None
    note: str | None

    def as_dict(self, settings: Settings) -> dict:
        tz = settings.tz
        return {**self.__dict__,
                "created_at": self.created_at.astimezone(tz).isoformat(),
                "handled_at": self.handled_at.astimezone(tz).isoformat()
                if self.handled_at else None}


def inbox(session: Session, settings: Settings, *, status: str | None = "new",
          platform: str | None = None, questions_only: bool = False, limit: int = 100,
          offset: int = 0) -> list[InboxItem]:
    """The inbox as staff read it: questions first, newest first, each with the subject of the
    post it answers (the book or event) and the post's address on the platform."""
    if status is not None and status not in STATUSES:
        raise FeedbackError(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.",
                            "status")
    query = (select(Feedback, Delivery.text, Delivery.remote_url, Account.name, Account.backend,
                    Post.title_id,
                    Post.event_id, Post.subject_title_ids, Title.title, Event.title)
             .join(Delivery, Delivery.id == Feedback.delivery_id)
             .join(Account, Account.id == Delivery.account_id)
             .join(Post, Post.id == Delivery.post_id)
             .outerjoin(Title, Title.id == Post.title_id)
             .outerjoin(Event, Event.id == Post.event_id))
    if status is not None:
        query = query.where(Feedback.status == status)
    if platform:
        query = query.where(Feedback.platform == platform)
    if questions_only:
        query = query.where(Feedback.is_question.is_(True))
    query = query.order_by(Feedback.is_question.desc(), Feedback.created_at.desc(),
                           Feedback.id.desc()).offset(offset).limit(limit)
    rows = session.exec(query).all()
    # A digest names several titles: the first one stands for it.
    firsts = {t.id: t.title for t in session.exec(select(Title).where(Title.id.in_(
        {r[7][0] for r in rows if r[7] and not r[5] and not r[6]})))} if rows else {}
    items = []
    for f, post_text, post_url, account, backend, title_id, event_id, digest, title, event \
            in rows:
        kind, subject, subject_id, more = None, None, None, 0
        if title_id and title:
            kind, subject, subject_id = "title", title, title_id
        elif event_id and event:
            kind, subject, subject_id = "event", event, event_id
        elif digest and digest[0] in firsts:
            kind, subject, subject_id, more = "digest", firsts[digest[0]], digest[0], \
                len(digest) - 1
        items.append(InboxItem(
            id=f.id, platform=f.platform, account=account, backend=backend,
            delivery_id=f.delivery_id,
            post_text=(post_text or "").splitlines()[0][:120] if post_text else "",
            subject_kind=kind, subject=subject, subject_id=subject_id, subject_more=more,
            post_url=post_url,
            author=shown_author(f, settings), text=f.text, url=f.url, created_at=f.created_at,
            is_question=f.is_question, status=f.status, handled_by=f.handled_by,
            handled_at=f.handled_at, note=f.note))
    return items


def counts(session: Session) -> dict[str, int]:
    """Comments by status, and open questions (for a badge in the UI and `status`)."""
    found = {s: 0 for s in STATUSES}
    found.update(dict(session.exec(select(Feedback.status, func.count())
                                   .group_by(Feedback.status)).all()))
    found["open_questions"] = session.exec(select(func.count()).where(
        Feedback.status == FeedbackStatus.new, Feedback.is_question.is_(True))).one()
    return found


def mark(session: Session, feedback_id: int, status: str, actor: str,
         note: str | None = None, user_id: int | None = None) -> Feedback:
    """Staff mark a comment answered or not relevant (or back to new); audited."""
    if status not in STATUSES:
        raise FeedbackError(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.",
                            "status")
    item = session.get(Feedback, feedback_id)
    if item is None:
        raise FeedbackError(f"There is no comment {feedback_id} in the inbox.", "missing")
    now = utcnow()
    item.status = status
    item.handled_by = None if status == FeedbackStatus.new else actor
    item.handled_at = None if status == FeedbackStatus.new else now
    if note is not None:
        item.note = note.strip() or None
    session.add(item)
    session.add(AuditLog(actor=actor, action=f"feedback.{status}", object_type="feedback",
                         object_id=str(item.id), detail={"note": item.note} if item.note else {},
                         user_id=user_id))
    session.commit()
    return item
