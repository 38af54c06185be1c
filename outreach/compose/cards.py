"""Image cards and covers (Pillow): what a post shows when there is no picture of its own.

A card is a branded 4:5 JPEG (1080 x 1350, inside Instagram's 4:5 to 1.91:1 and 320-1440 px):
a heading ("KOLEKSI BARU"), the title in large type, a few lines (author, or date and place), and
the library's name with its logo. Colours, logo and fonts come from OUTREACH_CARD_*; the default
font, Source Sans Pro (SIL OFL), is installed with the service (`font-source-sans-pro`).

A cover is padded (never cropped: a cover is a picture of the book) to the aspect ratio every
platform of the post accepts, scaled into the allowed widths, and saved as a JPEG under the size
cap. Every image comes with its alt text: the text a card shows, or "Sampul buku ‘…’ karya …".
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from outreach.compose.covers import MAX_COVER_PIXELS
from outreach.config import Settings
from outreach.errors import OutreachError

CARD_SIZE = (1080, 1350)  # 4:5, the tallest ratio Instagram takes: the most room for text
MARGIN = 90
JPEG_QUALITY = 88


class CardError(OutreachError):
    """An image cannot be made from what was given; the message says why."""


@dataclass(frozen=True)
class Bounds:
    """What every platform of a post accepts, intersected (see `bounds_for`)."""

    min_aspect: float | None = None
    max_aspect: float | None = None
    min_width: int | None = None
    max_width: int | None = None
    max_bytes: int | None = None


def bounds_for(limits: Iterable[Any]) -> Bounds:
    """The tightest of several platforms' declared image limits (`Limits` objects)."""
    mins, maxs, minw, maxw, sizes = [], [], [], [], []
    for lim in limits:
        mins += [lim.min_aspect] if lim.min_aspect else []
        maxs += [lim.max_aspect] if lim.max_aspect else []
        minw += [lim.min_width] if lim.min_width else []
        maxw += [lim.max_width] if lim.max_width else []
        sizes += [lim.max_image_bytes] if lim.max_image_bytes else []
    return Bounds(max(mins, default=None), min(maxs, default=None), max(minw, default=None),
                  min(maxw, default=None), min(sizes, default=None))


@dataclass(frozen=True)
class Card:
    """What a card shows, already in the post's language."""

    heading: str  # "KOLEKSI BARU"
    title: str  # the book's or event's title
    lines: Sequence[str] = ()  # "karya Awang Darmawan" / date, time, place
    footer: str = ""  # the library's name

    def alt_text(self, language: str = "id") -> str:
        """The text the card shows, for people who cannot see it."""
        intro = "Image card reading: " if language == "en" else "Kartu bergambar bertuliskan: "
        pieces = [self.heading.capitalize(), f"“{self.title}”", *self.lines, self.footer]
        pieces = [p.rstrip(".") for p in pieces if p]
        return intro + ". ".join(p[:1].upper() + p[1:] for p in pieces) + "."


def cover_alt_text(title: str, authors: Sequence[str], language: str = "id") -> str:
    if language == "en":
        by = f" by {_names(authors, 'and')}" if authors else ""
        return f"Cover of the book ‘{title}’{by}."
    by = f" karya {_names(authors, 'dan')}" if authors else ""
    return f"Sampul buku ‘{title}’{by}."


def _names(names: Sequence[str], word: str) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {word} " + names[-1]


# -- fonts and colours --------------------------------------------------------------------------
def _default_font(bold: bool) -> str:
    name = "SourceSansPro-Bold.ttf" if bold else "SourceSansPro-Regular.ttf"
    return str(resources.files("font_source_sans_pro") / "files" / name)


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError as exc:
        raise CardError(f"The card font {path} cannot be read: {exc}") from None


def _fonts(settings: Settings) -> tuple[str, str]:
    regular = str(settings.card_font) if settings.card_font else _default_font(False)
    bold = str(settings.card_font_bold) if settings.card_font_bold else (
        str(settings.card_font) if settings.card_font else _default_font(True))
    return regular, bold


@lru_cache(maxsize=8)
def _logo(path: str, height: int) -> Image.Image | None:
    try:
        with Image.open(path) as img:
            img = img.convert("RGBA")
    except OSError:
        return None
    width = max(1, round(img.width * height / img.height))
    return img.resize((width, height), Image.LANCZOS)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
          width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if draw.textlength(candidate, font=font) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _fit_block(draw: ImageDraw.ImageDraw, text: str, font_path: str, width: int,
               sizes: Sequence[int], max_lines: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which `text` wraps into `max_lines`; else the smallest, cut with …"""
    for size in sizes:
        font = _font(font_path, size)
        lines = _wrap(draw, text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    lines = lines[:max_lines]
    last = lines[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = last.rstrip(" ,;:") + "…"
    return font, lines


# -- making images ------------------------------------------------------------------------------
def render_card(card: Card, settings: Settings, bounds: Bounds | None = None) -> bytes:
    """The card as JPEG bytes."""
    regular, bold = _fonts(settings)
    bg = ImageColor.getrgb(settings.card_background)
    fg = ImageColor.getrgb(settings.card_foreground)
    accent = ImageColor.getrgb(settings.card_accent)
    img = Image.new("RGB", CARD_SIZE, bg)
    draw = ImageDraw.Draw(img)
    width = CARD_SIZE[0] - 2 * MARGIN
    draw.rectangle((0, 0, CARD_SIZE[0], 24), fill=accent)
    y = MARGIN + 20
    head = _font(bold, 44)
    draw.text((MARGIN, y), card.heading.upper(), font=head, fill=accent)
    y += 44 + 50
    font, lines = _fit_block(draw, card.title, bold, width, (96, 84, 72, 62, 54), 6)
    step = round(font.size * 1.15)
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=fg)
        y += step
    y += 40
    draw.rectangle((MARGIN, y, MARGIN + 120, y + 8), fill=accent)
    y += 50
    small = _font(regular, 46)
    footer_top = CARD_SIZE[1] - MARGIN - 80
    for text in card.lines:
        for line in _wrap(draw, text, small, width):
            if y + 56 > footer_top - 20:
                break
            draw.text((MARGIN, y), line, font=small, fill=fg)
            y += 58
    x = MARGIN
    logo = _logo(str(settings.card_logo), 80) if settings.card_logo else None
    if logo is not None:
        img.paste(logo, (x, footer_top), logo)
        x += logo.width + 24
    foot_font, foot = _fit_block(draw, card.footer, bold, CARD_SIZE[0] - MARGIN - x, (40, 34, 28),
                                 1)
    draw.text((x, footer_top + 40), foot[0], font=foot_font, fill=fg, anchor="lm")
    return _jpeg(img, bounds)


def fit_cover(data: bytes, settings: Settings, bounds: Bounds | None = None,
              footer: str = "") -> bytes:
    """A cover image padded into the allowed aspect ratio and widths, as JPEG bytes."""
    bounds = bounds or Bounds()
    try:
        with Image.open(io.BytesIO(data)) as src:  # reads the header only
            if src.width * src.height > MAX_COVER_PIXELS:
                raise CardError(f"The cover has {src.width} × {src.height} pixels, more than a "
                                "cover needs.")
            src = ImageOps.exif_transpose(src)
            cover = _flatten(src, ImageColor.getrgb(settings.card_background))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CardError(f"The cover is not an image that can be read ({exc}).") from None
    # A cover sits on a 4:5 card-coloured canvas (the tallest ratio allowed), with room for the
    # library's name below it; a canvas that bounds do not allow is corrected by `_pad`.
    canvas_w, canvas_h = CARD_SIZE
    canvas = Image.new("RGB", (canvas_w, canvas_h), ImageColor.getrgb(settings.card_background))
    room_w, room_h = canvas_w - 2 * MARGIN, canvas_h - 2 * MARGIN - (90 if footer else 0)
    scale = min(room_w / cover.width, room_h / cover.height)
    cover = cover.resize((max(1, round(cover.width * scale)), max(1, round(cover.height * scale))),
                         Image.LANCZOS)
    canvas.paste(cover, ((canvas_w - cover.width) // 2, MARGIN + (room_h - cover.height) // 2))
    if footer:
        draw = ImageDraw.Draw(canvas)
        _, bold = _fonts(settings)
        font, lines = _fit_block(draw, footer, bold, room_w, (40, 34, 28), 1)
        draw.text((canvas_w // 2, canvas_h - MARGIN - 30), lines[0], font=font,
                  fill=ImageColor.getrgb(settings.card_foreground), anchor="mm")
    return _jpeg(_pad(canvas, bounds, ImageColor.getrgb(settings.card_background)), bounds)


def _flatten(img: Image.Image, background: tuple[int, ...]) -> Image.Image:
    """RGB, transparent parts on the card colour (JPEG has no transparency)."""
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        base = Image.new("RGB", img.size, background)
        base.paste(img, mask=img.split()[-1])
        return base
    return img.convert("RGB")


def _pad(img: Image.Image, bounds: Bounds, background: tuple[int, ...]) -> Image.Image:
    """Pad (never crop) into [min_aspect, max_aspect]."""
    ratio = img.width / img.height
    if bounds.min_aspect and ratio < bounds.min_aspect:
        width = round(img.height * bounds.min_aspect + 0.5)
        return ImageOps.pad(img, (width, img.height), color=background)
    if bounds.max_aspect and ratio > bounds.max_aspect:
        height = round(img.width / bounds.max_aspect + 0.5)
        return ImageOps.pad(img, (img.width, height), color=background)
    return img


def _jpeg(img: Image.Image, bounds: Bounds | None) -> bytes:
    bounds = bounds or Bounds()
    if bounds.max_width and img.width > bounds.max_width:
        height = round(img.height * bounds.max_width / img.width)
        img = img.resize((bounds.max_width, height), Image.LANCZOS)
    if bounds.min_width and img.width < bounds.min_width:
        height = round(img.height * bounds.min_width / img.width)
        img = img.resize((bounds.min_width, height), Image.LANCZOS)
    for quality in (JPEG_QUALITY, 80, 70, 60, 50):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality, optimize=True)
        data = out.getvalue()
        if not bounds.max_bytes or len(data) <= bounds.max_bytes:
            return data
    raise CardError(f"The image stays over {bounds.max_bytes} bytes even at low quality.")


def image_size(path: str | Path) -> tuple[int, int]:
    with Image.open(path) as img:
        return img.size
