"""Charts drawn on the server as SVG strings: no script, no CDN, printable, and readable by
screen readers (`role="img"` with a title and a description). The reports (HTML, the web UI)
embed them as they are.

Every function takes plain numbers and labels, escapes all text, and returns one `<svg>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PRIMARY = "#0B4F6C"
ACCENT = "#F2A541"
MUTED = "#6B7280"
GRID = "#E5E7EB"
CHAR = 7  # a 12 px character's width, roughly (sans-serif digits and lower case)
FONT = "font-family='Source Sans Pro, Segoe UI, Arial, sans-serif'"


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if value == int(value) else f"{value:.2f}"


def _open(width: float, height: float, title: str, description: str) -> list[str]:
    return [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' "
            f"viewBox='0 0 {width:.0f} {height:.0f}' role='img' aria-label='{escape(title)}' "
            f"{FONT} font-size='12'>",
            f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"]


def bar_chart(rows: Sequence[tuple[str, float | None]], *, title: str,
              fmt: Callable[[float], str] = _fmt, notes: Sequence[str] | None = None,
              width: int = 640, color: str = PRIMARY, label_width: int = 170,
              empty: str = "Belum ada data") -> str:
    """Horizontal bars, one per (label, value); `notes` (e.g. "12 unggahan") after each bar.
    A value of None draws no bar and says "—"."""
    bar_h, gap, top = 20, 8, 28
    height = top + len(rows) * (bar_h + gap) + 8
    largest = max([v for _, v in rows if v is not None] or [0]) or 1
    texts = []
    for i, (_label, value) in enumerate(rows):
        text = fmt(value) if value is not None else "—"
        if notes and i < len(notes) and notes[i]:
            text += f"  ({notes[i]})"
        texts.append(text)
    # Room for the figure after the longest bar, and labels clipped to their column: measured
    # at ~7 px a character (12 px text), so nothing is cut at the picture's edges.
    room = max(60, width - label_width - 10 - CHAR * max((len(t) for t in texts), default=4))
    fits = max(4, int((label_width - 8) / CHAR))
    parts = _open(width, max(height, 60), title, "; ".join(
        f"{label}: {fmt(v) if v is not None else '-'}" for label, v in rows))
    parts.append(f"<text x='0' y='16' font-size='14' font-weight='600'>{escape(title)}</text>")
    if not rows:
        parts.append(f"<text x='0' y='44' fill='{MUTED}'>{escape(empty)}</text>")
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        parts.append(f"<text x='{label_width - 8}' y='{y + 14}' text-anchor='end'>"
                     f"{escape(_clip(label, min(28, fits)))}</text>")
        length = 0.0 if value is None else max(1.0, room * value / largest)
        if value is not None:
            parts.append(f"<rect x='{label_width}' y='{y}' width='{length:.1f}' "
                         f"height='{bar_h}' rx='3' fill='{color}'/>")
        parts.append(f"<text x='{label_width + length + 6:.1f}' y='{y + 14}' "
                     f"fill='#111827'>{escape(texts[i])}</text>")
    parts.append("</svg>")
    return "".join(parts)


def column_chart(points: Sequence[tuple[str, float]], *, title: str,
                 fmt: Callable[[float], str] = _fmt, width: int = 640, height: int = 200,
                 color: str = PRIMARY, every: int | None = None,
                 empty: str = "Belum ada data") -> str:
    """Vertical columns over time (e.g. posts per day); `every`: label every n-th column."""
    left, bottom, top = 44, 28, 28
    parts = _open(width, height, title, "; ".join(f"{k}: {fmt(v)}" for k, v in points))
    parts.append(f"<text x='0' y='16' font-size='14' font-weight='600'>{escape(title)}</text>")
    if not points:
        parts.append(f"<text x='0' y='48' fill='{MUTED}'>{escape(empty)}</text>"
                     "</svg>")
        return "".join(parts)
    largest = max(v for _, v in points) or 1
    plot_h = height - top - bottom
    step = (width - left - 8) / len(points)
    every = every or max(1, len(points) // 10)
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(f"<line x1='{left}' x2='{width - 8}' y1='{y:.1f}' y2='{y:.1f}' "
                     f"stroke='{GRID}'/><text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' "
                     f"fill='{MUTED}'>{escape(fmt(largest * frac))}</text>")
    for i, (label, value) in enumerate(points):
        h = plot_h * value / largest
        x = left + i * step
        parts.append(f"<rect x='{x + step * 0.15:.1f}' y='{top + plot_h - h:.1f}' "
                     f"width='{max(1.0, step * 0.7):.1f}' height='{h:.1f}' fill='{color}'>"
                     f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>")
        if i % every == 0:
            parts.append(f"<text x='{x + step / 2:.1f}' y='{height - 10}' text-anchor='middle' "
                         f"fill='{MUTED}' font-size='10'>{escape(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def heatmap(values: Sequence[Sequence[float | None]], counts: Sequence[Sequence[int]], *,
            rows: Sequence[str], columns: Sequence[str], title: str,
            fmt: Callable[[float], str] = _fmt, cell: int = 24, label_width: int = 64,
            legend: str = "Warna: tingkat interaksi · angka: jumlah unggahan") -> str:
    """A grid (e.g. weekdays × hours): the colour is the value, the small number the count of
    posts behind it, so a reader sees how much evidence each cell has. Empty cells stay white."""
    top = 40
    width = label_width + len(columns) * cell + 8
    height = top + len(rows) * cell + 30
    present = [v for line in values for v in line if v is not None]
    low, high = (min(present), max(present)) if present else (0.0, 1.0)
    span = (high - low) or 1.0
    described = [f"{rows[r]} {columns[c]}: {fmt(v)} ({counts[r][c]})"
                 for r, line in enumerate(values) for c, v in enumerate(line) if v is not None]
    parts = _open(width, height, title, "; ".join(described) or "no data")
    parts.append(f"<text x='0' y='16' font-size='14' font-weight='600'>{escape(title)}</text>")
    for c, name in enumerate(columns):
        if c % 2 == 0:
            parts.append(f"<text x='{label_width + c * cell + cell / 2}' y='{top - 6}' "
                         f"text-anchor='middle' fill='{MUTED}' font-size='10'>"
                         f"{escape(name)}</text>")
    for r, name in enumerate(rows):
        y = top + r * cell
        parts.append(f"<text x='{label_width - 6}' y='{y + cell / 2 + 4}' text-anchor='end'>"
                     f"{escape(name)}</text>")
        for c in range(len(columns)):
            x = label_width + c * cell
            value, n = values[r][c], counts[r][c]
            if value is None:
                fill = "#FFFFFF" if not n else "#F3F4F6"
            else:
                fill = _shade((value - low) / span)
            parts.append(f"<rect x='{x}' y='{y}' width='{cell - 2}' height='{cell - 2}' "
                         f"fill='{fill}' stroke='{GRID}'>")
            if n:
                shown = fmt(value) if value is not None else "—"
                parts.append(f"<title>{escape(name)} {escape(columns[c])}: {escape(shown)}, "
                             f"{n}</title>")
            parts.append("</rect>")
            if n:
                ink = "#FFFFFF" if value is not None and (value - low) / span > 0.55 else "#111827"
                parts.append(f"<text x='{x + (cell - 2) / 2}' y='{y + cell / 2 + 3}' "
                             f"text-anchor='middle' font-size='9' fill='{ink}'>{n}</text>")
    parts.append(f"<text x='0' y='{height - 8}' fill='{MUTED}' font-size='10'>"
                 f"{escape(legend)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _shade(fraction: float) -> str:
    """From a pale tint to the primary colour."""
    fraction = min(1.0, max(0.0, fraction))
    pale, deep = (0xDB, 0xEE, 0xF5), (0x0B, 0x4F, 0x6C)
    mixed = [round(a + (b - a) * fraction) for a, b in zip(pale, deep, strict=True)]
    return "#" + "".join(f"{v:02X}" for v in mixed)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"
