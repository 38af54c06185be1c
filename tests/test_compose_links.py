"""UTM tagging: the cached with_utm writes what encoding the whole query at once writes."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from outreach.compose.links import MEDIUM, with_utm


def whole(url: str, platform: str, campaign: str, content: str | None = None) -> str:
    """with_utm as first written: split, filter, append, encode, join."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]
    query += [("utm_source", platform), ("utm_medium", MEDIUM), ("utm_campaign", campaign)]
    if content:
        query.append(("utm_content", content))
    return urlunsplit(parts._replace(path=parts.path or "/", query=urlencode(query)))


pieces = st.sampled_from(["a", "=", "&", "utm_source=fb", "utm_x", "p=show_detail", "id=12", "%20",
                          "+", " ", "é", "#", "?", ";", "/", "b=", "=c", "&&", "%E2%9C%93"])
urls = st.builds(
    lambda scheme, host, path, query, fragment: f"{scheme}{host}{path}"
    + (f"?{query}" if query is not None else "") + (f"#{fragment}" if fragment else ""),
    st.sampled_from(["https://", "http://", "ftp://", "", "HTTPS://", "mailto:"]),
    st.sampled_from(["opac.example.id", "perpus.go.id:8080", "user@host", "", "[::1]", "a_b"]),
    st.sampled_from(["", "/", "/index.php", "/a b/ü", "/x;y", "/a%20b(c)", "/x:y@z", "/~u/*$"]),
    st.none() | st.lists(pieces, max_size=8).map("".join),
    st.none() | st.sampled_from(["frag", "a=b", "é", ""]),
)
words = st.text(st.characters(codec="utf-8"), max_size=8)


@settings(max_examples=1500, deadline=None)
@given(urls, st.sampled_from(["x", "facebook", "instagram"]), words, st.none() | words)
@example("https://opac.example.id/index.php?p=show_detail&id=1", "x", "koleksi-baru", "title-1")
@example("https://opac.example.id", "x", "acara", None)
@example("https://opac.example.id/?utm_source=old&utm_medium=x&a=1#top", "x", "c d", "é&=")
@example("https://opac.example.id/", "x", "koleksi-baru", "-")  # letters, digits, '-' unquoted
@example("https://opac.example.id/", "x", "koleksi-baru", "Title--12x")
@example("https://opac.example.id/", "x", "koleksi-baru", "title-\u0663")  # a non-ASCII digit
@example("https://opac.example.id/", "x", "koleksi-baru", "title_12.a~b")
def test_same_as_encoding_the_whole_query(url, platform, campaign, content):
    assert with_utm(url, platform, campaign, content) == whole(url, platform, campaign, content)
