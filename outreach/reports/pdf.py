"""The monthly evaluation as an A4 PDF: the same HTML as the page (its CSS says `@page { size:
A4 }`), laid out by WeasyPrint (which needs Pango: Debian's libpango-1.0-0 and
libpangoft2-1.0-0).

Nothing is fetched while the PDF is made: the page has no images or style sheets of its own
(the charts are inline SVG), and the only files read are the Source Sans Pro fonts the package
ships, so a link in a post's text can never make the server reach out.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from outreach.config import Settings
from outreach.errors import OutreachError
from outreach.reports.build import Report
from outreach.reports.render import to_html

FONTS = {("normal", "400"): "SourceSansPro-Regular.ttf",
         ("normal", "600"): "SourceSansPro-Semibold.ttf",
         ("normal", "700"): "SourceSansPro-Bold.ttf", ("italic", "400"): "SourceSansPro-It.ttf"}


class PdfUnavailable(OutreachError):
    """WeasyPrint or its system libraries are missing; the message says what to install."""


def _font_dir() -> Path:
    return Path(str(resources.files("font_source_sans_pro") / "files"))


def _font_css() -> str:
    folder = _font_dir()
    return "\n".join(
        f"@font-face {{ font-family: 'Source Sans Pro'; font-style: {style}; "
        f"font-weight: {weight}; src: url('{(folder / name).as_uri()}'); }}"
        for (style, weight), name in FONTS.items())


def _fetcher(allowed: Path):  # noqa: ANN202 - a weasyprint.urls.URLFetcher
    """A fetcher that reads the shipped fonts and nothing else."""
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def fetch(self, url: str, headers=None):  # noqa: ANN001, ANN202
            parsed = urlparse(url)
            if parsed.scheme != "file" or \
                    Path(unquote(parsed.path)).resolve().parent != allowed.resolve():
                raise ValueError(f"not fetched while making a PDF: {url[:80]}")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols=("file",), fail_on_errors=False)


def to_pdf(report: Report, settings: Settings) -> bytes:
    """The monthly evaluation as PDF bytes (A4)."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: Pango is not installed
        raise PdfUnavailable(
            "PDF needs WeasyPrint and Pango (pip install weasyprint; apt-get install "
            f"libpango-1.0-0 libpangoft2-1.0-0): {exc}") from None
    fetch = _fetcher(_font_dir())
    html = HTML(string=to_html(report, settings, for_print=True), url_fetcher=fetch)
    return html.write_pdf(stylesheets=[CSS(string=_font_css(), url_fetcher=fetch)])
