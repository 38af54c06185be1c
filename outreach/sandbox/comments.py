"""What the public says under sandbox posts: deterministic from (seed, post id).

A post has as many comments as its comment metric says at the sandbox's "now" (X `reply_count`,
Facebook and Instagram `comments`), so the counts and the lists agree; comment number n was made
at the moment the count first passed n. Every third comment is a question in Bahasa Indonesia,
the kind a reference desk answers. Each platform module turns these into its own wire format.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from outreach.sandbox.state import SandboxPost, SandboxState

QUESTIONS = (
    "Apakah buku ini bisa dipinjam hari Sabtu?",
    "Jam berapa perpustakaan buka hari Minggu?",
    "Apakah kegiatan ini gratis? Daftarnya di mana?",
    "Bagaimana cara menjadi anggota perpustakaan?",
    "Apakah ada versi e-book-nya di iPusnas?",
    "Boleh bawa anak-anak ke acara ini?",
    "Kapan buku ini bisa dipesan?",
    "Is there an English edition of this book?",
)
REMARKS = (
    "Mantap, terima kasih infonya!",
    "Wah, sudah lama saya cari buku ini 😍",
    "Semoga perpustakaannya makin ramai.",
    "Siap datang bersama keluarga!",
    "Terima kasih Perpustakaan Kota Bontang 🙏",
    "Keren, koleksinya makin lengkap.",
    "Anak saya pasti suka.",
    "Great collection, thank you!",
)
# (handle, display name): invented people of Bontang.
PEOPLE = (
    ("rina_bontang", "Rina Wulandari"), ("andi.pratama", "Andi Pratama"),
    ("dewi_lestari88", "Dewi Lestari"), ("budi_santoso", "Budi Santoso"),
    ("siti.nurhaliza_btg", "Siti Nurhaliza"), ("ahmadfauzi", "Ahmad Fauzi"),
    ("putri.maharani", "Putri Maharani"), ("rizky_ramadhan", "Rizky Ramadhan"),
    ("nurul.hikmah", "Nurul Hikmah"), ("yusuf_bontang", "Yusuf Hidayat"),
)
PERSON_ID = 8_100_000_000  # + index: the people's ids on every platform


@dataclass(frozen=True, slots=True)
class SandboxComment:
    number: int  # 0, 1, 2, ... in the order they were made
    author_id: str
    handle: str
    name: str
    text: str
    created_at: datetime
    question: bool


def comments_of(state: SandboxState, post: SandboxPost, metric: str) -> list[SandboxComment]:
    """The comments under `post` now, oldest first; `metric` names the platform's count."""
    model = state.metric_models.get(post.platform)
    if model is None:
        return []
    age = state.age(post)

    def count(at: int) -> int:
        return int(model(state.seed, post.id, at).get(metric, 0))

    found = []
    low = 0
    for number in range(count(age)):
        # The first age at which the count passed `number` (counts never go down).
        lo, hi = low, age
        while lo < hi:
            mid = (lo + hi) // 2
            if count(mid) > number:
                hi = mid
            else:
                lo = mid + 1
        low = lo
        rng = random.Random(f"comment:{state.seed}:{post.platform}:{post.id}:{number}")
        person = rng.randrange(len(PEOPLE))
        question = number % 3 == 0
        found.append(SandboxComment(
            number=number, author_id=str(PERSON_ID + person), handle=PEOPLE[person][0],
            name=PEOPLE[person][1], text=rng.choice(QUESTIONS if question else REMARKS),
            created_at=post.created_at + timedelta(seconds=lo), question=question))
    return found


def page(items: list, limit: int, after: str | None) -> tuple[list, str | None]:
    """One page of `limit` items after the cursor; the next cursor, or None at the end."""
    start = int(after) if after and after.isdigit() else 0
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return chunk, str(start + limit) if more else None


def remember_reply(state: SandboxState, platform: str, post: SandboxPost, parent: str,
                   reply_id: str, text: str) -> dict:
    """Keep a reply the account made to a comment (Facebook, Instagram): listed with the post's
    comments where the platform lists replies, and shown under the post on the sandbox's page.
    X's replies are posts of their own (`SandboxPost.reply_to`)."""
    reply = {"id": reply_id, "post_id": post.id, "parent": parent, "message": text,
             "account": post.account, "created_at": state.clock.now()}
    with state.lock:
        state.extras.setdefault(platform, {}).setdefault("replies", []).append(reply)
    return reply


def replies_on(state: SandboxState, platform: str, post_id: str) -> list[dict]:
    """The account's replies under one post, oldest first."""
    with state.lock:
        return [r for r in state.extras.get(platform, {}).get("replies", [])
                if r["post_id"] == post_id]
