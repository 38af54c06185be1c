"""Does a delivery keep its platform's rules? Each broken rule as one sentence in plain words.

The rules are what the platform class declares (`Limits`, read through a `Target`); nothing here
knows a platform by name. Messages are in Bahasa Indonesia by default and in English for
OUTREACH_LOCALE=en, and always say which limit is broken, by how much, and what to do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from outreach.compose.fit import Target, hashtags_in

MESSAGES: dict[str, tuple[str, str]] = {
    "empty": ("Teks untuk {label} kosong.", "The text for {label} is empty."),
    "too_long": (
        "Teks untuk {label} terlalu panjang: {n} dari {max} karakter{how}. Persingkat {over} "
        "karakter.",
        "The text for {label} is too long: {n} of {max} characters{how}. Shorten it by {over}.",
    ),
    "part_too_long": (
        "Bagian {i} utas untuk {label} terlalu panjang: {n} dari {max} karakter{how}.",
        "Part {i} of the thread for {label} is too long: {n} of {max} characters{how}.",
    ),
    "too_many_parts": (
        "Utas untuk {label} terlalu panjang: {n} bagian, paling banyak {max}. Persingkat teksnya.",
        "The thread for {label} is too long: {n} parts, at most {max}. Shorten the text.",
    ),
    "no_threads": (
        "{label} tidak mendukung utas; jadikan satu teks saja.",
        "{label} does not take threads; make it one text.",
    ),
    "hashtags": (
        "Terlalu banyak tagar untuk {label}: {n}, paling banyak {max}. Hapus {over} tagar.",
        "Too many hashtags for {label}: {n}, at most {max}. Remove {over}.",
    ),
    "media_required": (
        "{label} memerlukan gambar: tambahkan satu gambar beserta teks alternatifnya.",
        "{label} needs an image: add one, with its alt text.",
    ),
    "no_media": ("{label} tidak menerima gambar: hapus gambarnya.",
                 "{label} takes no images: remove them."),
    "too_many_media": (
        "Terlalu banyak gambar untuk {label}: {n}, paling banyak {max}.",
        "Too many images for {label}: {n}, at most {max}.",
    ),
    "alt_count": (
        "Setiap gambar perlu teks alternatif: {n} gambar tetapi {m} teks alternatif.",
        "Every image needs its alt text: {n} image(s) but {m} alt text(s).",
    ),
    "alt_missing": (
        "Gambar {i} ({file}) belum punya teks alternatif: jelaskan isi gambarnya untuk pembaca "
        "tunanetra.",
        "Image {i} ({file}) has no alt text: describe what it shows for blind readers.",
    ),
    "alt_too_long": (
        "Teks alternatif gambar {i} terlalu panjang untuk {label}: {n} dari {max} karakter.",
        "The alt text of image {i} is too long for {label}: {n} of {max} characters.",
    ),
    "file_missing": ("Gambar {i} tidak ditemukan: {file}.", "Image {i} was not found: {file}."),
    "not_image": ("Berkas gambar {i} ({file}) tidak dapat dibaca sebagai gambar.",
                  "File {i} ({file}) cannot be read as an image."),
    "format": (
        "{label} hanya menerima {formats}; gambar {i} ({file}) berformat {fmt}. Simpan ulang "
        "sebagai {formats}.",
        "{label} accepts only {formats}; image {i} ({file}) is {fmt}. Save it again as "
        "{formats}.",
    ),
    "too_tall": (
        "Gambar {i} ({file}) terlalu tinggi untuk {label}: lebar:tinggi {ratio}, paling kecil "
        "{min}. Potong atau beri tepi di kiri-kanan.",
        "Image {i} ({file}) is too tall for {label}: width:height {ratio}, at least {min}. Crop "
        "it or pad its sides.",
    ),
    "too_wide": (
        "Gambar {i} ({file}) terlalu lebar untuk {label}: lebar:tinggi {ratio}, paling besar "
        "{max}. Potong atau beri tepi di atas-bawah.",
        "Image {i} ({file}) is too wide for {label}: width:height {ratio}, at most {max}. Crop "
        "it or pad it above and below.",
    ),
    "too_narrow": (
        "Gambar {i} ({file}) terlalu kecil untuk {label}: lebar {w} piksel, paling sedikit {min}.",
        "Image {i} ({file}) is too small for {label}: {w} pixels wide, at least {min}.",
    ),
    "too_broad": (
        "Gambar {i} ({file}) terlalu lebar untuk {label}: {w} piksel, paling banyak {max}. "
        "Perkecil gambarnya.",
        "Image {i} ({file}) is too wide for {label}: {w} pixels, at most {max}. Scale it down.",
    ),
    "too_big": (
        "Berkas gambar {i} ({file}) terlalu besar untuk {label}: {mb} MB, paling besar {max} MB.",
        "Image file {i} ({file}) is too big for {label}: {mb} MB, at most {max} MB.",
    ),
}
_HOW = (" (dihitung seperti aturan platform: setiap tautan 23, emoji 2)",
        " (counted the platform's way: each link 23, emoji 2)")
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP"}


# Not a broken rule: a note where a link makes a post cost more (Limits.link_cost).
COSTLY_LINK = (
    "{label} menagih kiriman bertautan sekitar {times}× lebih mahal daripada kiriman tanpa "
    "tautan. Hapus tautannya bila tidak perlu, atau matikan tautan untuk {label} di jadwal "
    "(links: false).",
    "{label} charges about {times}× as much for a post with a link as for one without. Remove "
    "the link if it is not needed, or switch links off for {label} in the schedule "
    "(links: false).",
)


def link_cost_note(target: Target, text: str, locale: str = "id") -> str | None:
    """The note for a text with a URL on a platform that charges more for one; else None."""
    times = target.limits.link_cost
    if times <= 1 or not _URL.search(text or ""):
        return None
    indonesian, english = COSTLY_LINK
    return (english if locale.startswith("en") else indonesian).format(
        label=target.label, times=f"{times:g}")


_URL = re.compile(r"https?://\S|\bwww\.\S", re.IGNORECASE)


def say(key: str, locale: str = "id", **values: object) -> str:
    """One message in the locale's language (Bahasa Indonesia unless English is asked for)."""
    indonesian, english = MESSAGES[key]
    return (english if locale.startswith("en") else indonesian).format(**values)


@lru_cache(maxsize=256)
def _say_for(key: str, locale: str, label: str) -> str:
    """A message that names only the platform: the same for every delivery there (text-only
    planning says "needs an image" thousands of times)."""
    return say(key, locale, label=label)


@dataclass(frozen=True)
class ImageFacts:
    format: str | None  # MIME type, e.g. "image/jpeg"
    width: int
    height: int
    size: int


def image_facts(path: str | Path) -> ImageFacts | None:
    """Format, size in pixels and in bytes; None when the file is not an image Pillow reads."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:  # reads the header only
            mime = Image.MIME.get(img.format or "")
            width, height = img.size
    except (UnidentifiedImageError, OSError):
        return None
    return ImageFacts(mime, width, height, os.stat(path).st_size)


def problems(target: Target, text: str, media: Sequence[str] = (),
             alt_text: Sequence[str] = (), *, thread: Sequence[str] = (),
             locale: str = "id") -> list[str]:
    """Every rule of `target` the delivery breaks, each as one plain sentence; [] when none."""
    out: list[str] = []
    limits, label = target.limits, target.label

    def add(key: str, **values: object) -> None:
        out.append(say(key, locale, label=label, **values))

    how = (_HOW[1] if locale.startswith("en") else _HOW[0]) if target.weighted else ""
    parts = [text or "", *thread]
    if not (text or "").strip():
        add("empty")
    elif thread and limits.max_thread_parts <= 1:
        add("no_threads")
    elif len(parts) > max(1, limits.max_thread_parts):
        add("too_many_parts", n=len(parts), max=limits.max_thread_parts)
    for i, part in enumerate(parts, 1):
        n = target.count(part)
        if n > limits.max_text:
            if len(parts) == 1:
                add("too_long", n=n, max=limits.max_text, how=how, over=n - limits.max_text)
            else:
                add("part_too_long", i=i, n=n, max=limits.max_text, how=how)
    # Every hashtag starts with its own '#': no more '#' than the cap, no more hashtags either.
    if target.hashtag_cap is not None and sum(p.count("#") for p in parts) > target.hashtag_cap:
        tags = sum(len(hashtags_in(p)) for p in parts)
        if tags > target.hashtag_cap:
            add("hashtags", n=tags, max=target.hashtag_cap, over=tags - target.hashtag_cap)
    out += _media_problems(target, list(media), list(alt_text), locale)
    return out


def _media_problems(target: Target, media: list[str], alt_text: list[str],
                    locale: str) -> list[str]:
    limits, label = target.limits, target.label
    out: list[str] = []

    def add(key: str, **values: object) -> None:
        out.append(say(key, locale, label=label, **values))

    if not media:
        if limits.media_required:
            out.append(_say_for("media_required", locale, label))
        return out
    if limits.max_media == 0:
        out.append(_say_for("no_media", locale, label))
        return out
    if len(media) > limits.max_media:
        add("too_many_media", n=len(media), max=limits.max_media)
    if len(alt_text) != len(media):
        add("alt_count", n=len(media), m=len(alt_text))
    formats = " / ".join(_FORMATS.get(f, f) for f in limits.media_formats)
    for i, path in enumerate(media, 1):
        name = Path(path).name
        alt = alt_text[i - 1] if i <= len(alt_text) else ""
        if not alt.strip():
            add("alt_missing", i=i, file=name)
        elif limits.max_alt_text and len(alt) > limits.max_alt_text:
            add("alt_too_long", i=i, n=len(alt), max=limits.max_alt_text)
        if path.startswith(("http://", "https://")):
            continue  # a remote image: the platform checks it when it fetches it
        if not Path(path).is_file():
            add("file_missing", i=i, file=path)
            continue
        facts = image_facts(path)
        if facts is None:
            add("not_image", i=i, file=name)
            continue
        if limits.media_formats and facts.format not in limits.media_formats:
            add("format", i=i, file=name, formats=formats,
                fmt=_FORMATS.get(facts.format or "", facts.format or "?"))
        ratio = facts.width / facts.height if facts.height else 0
        if limits.min_aspect and ratio < limits.min_aspect - 0.005:
            add("too_tall", i=i, file=name, ratio=f"{ratio:.2f}", min=f"{limits.min_aspect:.2f}")
        if limits.max_aspect and ratio > limits.max_aspect + 0.005:
            add("too_wide", i=i, file=name, ratio=f"{ratio:.2f}", max=f"{limits.max_aspect:.2f}")
        if limits.min_width and facts.width < limits.min_width:
            add("too_narrow", i=i, file=name, w=facts.width, min=limits.min_width)
        if limits.max_width and facts.width > limits.max_width:
            add("too_broad", i=i, file=name, w=facts.width, max=limits.max_width)
        if limits.max_image_bytes and facts.size > limits.max_image_bytes:
            add("too_big", i=i, file=name, mb=f"{facts.size / 1e6:.1f}",
                max=f"{limits.max_image_bytes / 1e6:.0f}")
    return out
