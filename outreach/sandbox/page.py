"""The sandbox's page: what was "posted" on each platform, newest first.

Server-rendered, no external assets (it must work offline, on a phone), Bahasa Indonesia first
with English in small print. Every value from a post is escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal

WITA = ZoneInfo("Asia/Makassar")
TITLE = "Sandbox Library Outreach — Kotak Pasir"

# platform -> (label, [(metric key, Indonesian, English)])
PLATFORMS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "x": (
        "X",
        [
            ("impression_count", "Tayangan", "impressions"),
            ("like_count", "Suka", "likes"),
            ("reply_count", "Balasan", "replies"),
            ("retweet_count", "Repost", "reposts"),
            ("quote_count", "Kutipan", "quotes"),
            ("bookmark_count", "Markah", "bookmarks"),
        ],
    ),
    "facebook": (
        "Facebook",
        [
            ("post_media_view", "Tayangan", "views"),
            ("post_total_media_view_unique", "Jangkauan", "reach"),
            ("reactions_like", "Suka", "likes"),
            ("reactions_love", "Super", "loves"),
            ("comments", "Komentar", "comments"),
            ("shares", "Dibagikan", "shares"),
            ("post_clicks", "Klik", "clicks"),
        ],
    ),
    "instagram": (
        "Instagram",
        [
            ("views", "Tayangan", "views"),
            ("reach", "Jangkauan", "reach"),
            ("likes", "Suka", "likes"),
            ("comments", "Komentar", "comments"),
            ("shares", "Dibagikan", "shares"),
            ("saved", "Disimpan", "saves"),
        ],
    ),
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
  background:#f5f5f2;color:#1d1d1b;line-height:1.45}
main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
small,.en{color:#5d5d58;font-size:.8rem}
article{background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:.75rem;margin:.5rem 0}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 .5rem}
dl{display:flex;flex-wrap:wrap;gap:.25rem .9rem;margin:.25rem 0 0}
dl div{display:flex;gap:.3rem}dt{color:#5d5d58}dd{margin:0;font-weight:600}
.meta{color:#5d5d58;font-size:.85rem}
.unofficial{display:inline-block;margin:0 0 .4rem;padding:.1rem .45rem;border-radius:.25rem;
  background:#fff3cd;color:#664d03;font-size:.8rem}
.media{display:flex;flex-wrap:wrap;gap:.5rem}figure{margin:0;max-width:12rem}
figure img{max-width:100%;height:auto;border-radius:.25rem;display:block}
figcaption{font-size:.8rem;overflow-wrap:anywhere}
.replies{list-style:none;margin:.5rem 0 0;padding:0 0 0 .75rem;border-left:3px solid #b5d4e4}
"""


def _when(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    shown = format_datetime(moment, "EEEE, d MMMM y 'pukul' HH.mm", tzinfo=WITA, locale="id")
    return f"{shown} WITA"


def _post(post: dict, metrics_names: list[tuple[str, str, str]]) -> str:
    metrics = post.get("metrics") or {}
    items = []
    for key, label_id, label_en in metrics_names:
        if key in metrics:
            value = format_decimal(metrics[key], locale="id")
            items.append(
                f'<div><dt>{escape(label_id)} <span class="en">{escape(label_en)}</span></dt>'
                f"<dd>{escape(value)}</dd></div>"
            )
    media = "".join(
        f'<figure><img src="/_sandbox/media/{escape(str(m))}" alt="{escape(str(alt))}" '
        f'loading="lazy"><figcaption><small>alt</small> '
        f'{escape(str(alt)) if alt else "<em>(tanpa teks alternatif · no alt text)</em>"}'
        "</figcaption></figure>"
        for m, alt in zip(post.get("media") or [], _padded(post), strict=False)
    )
    # Posts made through instagrapi (Instagram's private API) are marked: it is unofficial.
    unofficial = (post.get("extra") or {}).get("backend") == "private"
    return (
        "<article>"
        + ('<p class="unofficial">API privat <strong>tidak resmi</strong> (instagrapi) '
           '<small>unofficial private API</small></p>' if unofficial else "")
        + (f'<p class="meta">↳ membalas <small>in reply to</small> {escape(str(post["reply_to"]))}'
           "</p>" if post.get("reply_to") else "")
        + f'<p class="text">{escape(post["text"])}</p>'
        f'<p class="meta">{escape(_when(post["created_at"]))} · id {escape(post["id"])}'
        f" · akun <small>account</small> {escape(str(post.get('account', '')))}</p>"
        + (f'<div class="media">{media}</div>' if media else "")
        + (f"<dl>{''.join(items)}</dl>" if items else "")
        + _replies(post.get("replies") or [])
        + "</article>"
    )


def _replies(replies: list[dict]) -> str:
    """The account's answers to comments under the post (made through the API)."""
    if not replies:
        return ""
    items = "".join(
        f'<li><p class="text">{escape(r["message"])}</p><p class="meta">balasan akun untuk '
        f'komentar <small>account\'s reply to comment</small> {escape(str(r["parent"]))} · '
        f'{escape(_when(r["created_at"]))}</p></li>' for r in replies)
    return f'<ul class="replies">{items}</ul>'


def _padded(post: dict) -> list[str]:
    alts = list(post.get("alt_text") or [])
    return alts + [""] * (len(post.get("media") or []) - len(alts))


def render(snapshot: dict, platforms: list[str] | None = None) -> str:
    """The page for `snapshot` (SandboxState.snapshot()), optionally for some platforms only."""
    shown = platforms or list(PLATFORMS)
    sections = []
    for name in shown:
        label, metric_names = PLATFORMS[name]
        posts = list(snapshot.get(name, []))
        posts.sort(key=lambda p: (p["created_at"], int(p["id"]) if p["id"].isdigit() else 0),
                   reverse=True)
        body = "".join(_post(p, metric_names) for p in posts) or (
            '<p>Belum ada kiriman. <small>Nothing posted yet.</small></p>'
        )
        count = len(posts)
        sections.append(
            f'<section id="{escape(name)}"><h2>{escape(label)} '
            f'<small>({count} kiriman · {count} posts)</small></h2>{body}</section>'
        )
    now = _when(snapshot["now"])
    frozen = " (jam dibekukan · clock frozen)" if snapshot.get("clock_frozen") else ""
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta http-equiv="refresh" content="30">'
        f"<title>{escape(TITLE)}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(TITLE)}</h1>"
        "<p>Tiruan lokal API X, Facebook dan Instagram: tidak ada yang benar-benar "
        "diterbitkan. <small>A local emulator of the X, Facebook and Instagram APIs: nothing "
        "here is really published.</small></p>"
        f'<p class="meta">Waktu sandbox <small>sandbox time</small>: {escape(now)}'
        f"{escape(frozen)}</p>"
        + "".join(sections)
        + "</main></body></html>"
    )
