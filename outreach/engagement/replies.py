"""Replies from the app: staff answer a comment of the feedback inbox on its platform (a
Facebook or Instagram comment reply, an X reply) without leaving the app.

The reply is checked against the platform's limits before any call, sent with the account's own
client (`Platform.reply_to_comment`), kept as a `FeedbackReply`, and the comment is marked
answered by whoever sent it. Every try is audited, refused ones too. A lost answer is kept as
"unknown" and the comment stays open: the reply may exist, so staff look on the platform before
writing again. Failures are `ReplyError`s whose `code` lets the UI say them in its language.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.engagement.feedback import FeedbackError
from outreach.models import (
    Account,
    AuditLog,
    Delivery,
    Feedback,
    FeedbackReply,
    FeedbackStatus,
    utcnow,
)
from outreach.platforms import client_for, platform_class
from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.reasons import translate as platform_words


class ReplyError(FeedbackError):
    """A reply that was not sent. `code`: missing | unsupported | empty | too_long | duplicate |
    permission | auth | rate | unknown | refused (the platform's own words in `message`)."""

    def __init__(self, message: str, code: str, **facts: object) -> None:
        super().__init__(message, code)
        self.message = message
        self.facts = facts  # what the UI names: platform, permission, limit, length

    def said(self, locale: str = "id") -> str:
        """Our own refusal from the table; else the platform's reason (platforms/reasons.py)."""
        if self.sentences is not None and self.sentences.knows(self.message):
            return self.sentences.translate(self.message, locale)
        return platform_words(self.message, locale)


@dataclass(frozen=True)
class ReplyLimits:
    """What the inbox shows beside a reply box."""

    can_reply: bool
    max_length: int | None
    counting: str  # "weighted" (X) or "characters"


def reply_limits(platform: str, backend: str | None) -> ReplyLimits:
    cls = platform_class(platform, backend)
    return ReplyLimits(cls.can_reply, cls.reply_max, cls.limits.text_counting)


def replies_of(session: Session, feedback_ids: list[int]) -> dict[int, list[FeedbackReply]]:
    found: dict[int, list[FeedbackReply]] = {i: [] for i in feedback_ids}
    if feedback_ids:
        for r in session.exec(select(FeedbackReply).where(
                FeedbackReply.feedback_id.in_(feedback_ids)).order_by(FeedbackReply.id)):
            found[r.feedback_id].append(r)
    return found


_KINDS = {ErrorKind.auth_expired: "auth", ErrorKind.rate_limited: "rate",
          ErrorKind.out_of_credits: "rate", ErrorKind.transient: "transient",
          ErrorKind.unknown_outcome: "unknown"}


def send_reply(session: Session, settings: Settings, feedback_id: int, text: str, actor: str,
               user_id: int | None = None) -> FeedbackReply:
    """Send `text` as the account's reply to comment `feedback_id`; commits."""
    item = session.get(Feedback, feedback_id)
    if item is None:
        raise ReplyError(f"There is no comment {feedback_id} in the inbox.", "missing")
    delivery = session.get(Delivery, item.delivery_id)
    account = session.get(Account, delivery.account_id) if delivery else None
    if delivery is None or account is None or not delivery.remote_id:
        raise ReplyError("The post this comment answers is no longer known here.", "missing")
    cls = platform_class(account.platform, account.backend)
    text = (text or "").strip()
    facts = {"platform": cls.label, "limit": cls.reply_max, "length": cls.text_length(text),
             "permission": cls.reply_permission}
    if not cls.can_reply:
        raise ReplyError(f"Replying to comments on {cls.label} from this app is not supported; "
                         f"answer on {cls.label} itself.", "unsupported", **facts)
    problem = cls.reply_problem(text)
    if problem:
        raise ReplyError(problem, "empty" if not text else "too_long", **facts)
    sent = session.exec(select(FeedbackReply).where(FeedbackReply.feedback_id == item.id,
                                                    FeedbackReply.text == text)).first()
    if sent is not None:  # a second press of the button, or two people at once
        raise ReplyError("This reply was already sent to this comment.", "duplicate", **facts)

    def audit(action: str, detail: dict) -> None:
        session.add(AuditLog(actor=actor, action=action, object_type="feedback",
                             object_id=str(item.id), user_id=user_id,
                             detail={"platform": account.platform, **detail}))

    try:
        platform = client_for(account, settings)
        published = platform.reply_to_comment(item.remote_id, delivery.remote_id, text)
    except PublishError as exc:
        code = exc.code if exc.code in ("permission", "unsupported") else \
            _KINDS.get(exc.kind, "refused")
        if code == "unknown":  # it may have gone out: kept, so nobody sends it twice unseen
            session.add(FeedbackReply(feedback_id=item.id, platform=account.platform, text=text,
                                      outcome="unknown", actor=actor, user_id=user_id))
        audit("feedback.reply_failed", {"error": exc.message, "kind": exc.kind.value})
        session.commit()
        raise ReplyError(exc.message, code, **facts) from None
    reply = FeedbackReply(feedback_id=item.id, platform=account.platform, text=text,
                          remote_id=published.remote_id,
                          remote_url=published.remote_url or delivery.remote_url,
                          actor=actor, user_id=user_id)
    session.add(reply)
    now = utcnow()
    item.status, item.handled_by, item.handled_at = FeedbackStatus.answered, actor, now
    session.add(item)
    session.flush()
    audit("feedback.replied", {"reply_id": reply.id, "remote_id": published.remote_id})
    session.commit()
    return reply
