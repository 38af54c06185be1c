"""X's weighted length: the fast path (outreach.platforms.x.count) against twitter-text itself."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet
from twitter_text.extract_urls import extract_urls_with_indices
from twitter_text.parse_tweet import convert_line_ending
from twitter_text.regexp.emoji import emoji as _LIBRARY_EMOJI
from twitter_text.regexp.spaces_group import spaces_group
from twitter_text.regexp.valid_cctld import valid_cctld
from twitter_text.regexp.valid_domain_chars import valid_domain_chars
from twitter_text.regexp.valid_general_url_path_chars import valid_general_url_path_chars
from twitter_text.regexp.valid_gtld import valid_gtld
from twitter_text.regexp.valid_port_number import valid_port_number
from twitter_text.regexp.valid_url_path_ending_chars import valid_url_path_ending_chars
from twitter_text.regexp.valid_url_query_chars import valid_url_query_chars
from twitter_text.regexp.valid_url_query_ending_chars import valid_url_query_ending_chars

from outreach.compose.context import sample_context
from outreach.compose.templates import TemplateSet
from outreach.config import load_settings
from outreach.platforms.x import count as x_count
from outreach.platforms.x import weighted_length


def reference(text: str) -> int:
    """What weighted_length returned before the fast path: twitter-text on the NFC text."""
    return parse_tweet(unicodedata.normalize("NFC", text)).weightedLength


WORDS = ["Koleksi", "baru", "di", "Perpustakaan", "Kota", "Bontang", "karya", "Nomor", "panggil:",
         "974.1", "PEN", "Pinjam", "dengan", "kartu", "anggota", "Buka.", "pukul", "08.00", "WITA",
         "Sabtu,", "dkk.", "Rp10.000", "v2.0", "a.b", "Bontang.Buka", "e.g.", "U.S.A", "ilmu"]
HASHTAGS = ["#BukuBaru", "#PerpustakaanKotaBontang", "#Literasi", "＃buku", "#1", "@perpus",
            "$IDR", "#ilmu_data"]
URLS = [
    "https://opac.example.id/index.php?p=show_detail&id=12&utm_source=x&utm_medium=social",
    "http://perpus.bontangkota.go.id/", "https://example.org/detail?id=12345&lang=id",
    "perpusnas.go.id", "perpusnas.go.id/layanan", "www.example.com/a_(b)", "example.com:8080/x",
    "https://t.co/abcdEFG123", "https://t.co/" + "a" * 45, "日本語.jp", "bücher.de/neu",
    "https://例え.テスト/パス", "xn--wgv71a119e.jp", "opac.example.id.", "a.co", "foo.bar.baz",
    "https://example.com/?q=a,b.", "(https://example.com/x)", "https://x.com/a/b#frag",
    "mail@example.com", "https://exa_mple.com", "-example.com", "_example.com", "ex-ample.co.id",
    "https://192.168.0.1/", "example.onion", "EXAMPLE.COM", "https://example.com/ĸelvin",
]
EMOJI = ["📚", "©", "®", "™", "↔", "☺", "☺\ufe0f", "❤\ufe0f", "👍🏽", "🇮🇩",
         "👩\u200d👩\u200d👧\u200d👦", "1\ufe0f\u20e3", "#\ufe0f\u20e3", "#\u20e3", "*\ufe0f\u20e3",
         "🏴\U000e0067\U000e0062"
         "\U000e0065\U000e006e\U000e0067\U000e007f", "\u200d", "\ufe0f", "🎤", "👨\u200d🎤", "⌚",
         "🀄", "🅰", "🅰\ufe0f", "‼", "⁉", "🫠", "🗓\ufe0f", "📍", "🕘", "🏳\ufe0f\u200d🌈",
         "\u20e3"]
OTHER = ["図書館", "한국어", "中文", "ไทย", "भारत", "e\u0301", "a\u0308", "\u0300", "Å", "ﬁ",
         "“", "”", "—", "…", "\u2032", "\u2070", "\u3000", "\u00a0", "\u200e", "\u202e", "\ufeff",
         "\uffff", "(", ")", ".", ",", "!", "-", "/", ":", "𝔘", "\U0001f3fb"]
SEPARATORS = ["", " ", " ", "\n", "\n\n", "\r\n", "\r", "\t", "\u3000", "\u00a0", "\u2028"]

fragment = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(HASHTAGS), st.sampled_from(URLS),
    st.sampled_from(EMOJI), st.sampled_from(OTHER),
    st.text(st.characters(codec="utf-8"), max_size=3),
)
texts = st.lists(st.tuples(fragment, st.sampled_from(SEPARATORS)), max_size=24).map(
    lambda pieces: "".join(f + s for f, s in pieces))


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("📚 Koleksi baru!\n\nhttps://opac.example.id/x?id=1 #Buku")
@example("é.com")
@example(" éa.com")
@example("xéa.com")
@example("📚example.com")
@example("a https://t.co/" + "b" * 41)
@example("")
def test_same_as_twitter_text(text):
    assert weighted_length(text) == reference(text)


# Emoji sequences longer than emoji + U+FE0F (ZWJ, keycaps, skin tones, flags, tags) are left to
# twitter-text; without them every text must take the fast path, and agree.
SEQUENCE_MARKS = {0x200D, 0x20E3, *range(0x1F3FB, 0x1F400), *range(0x1F1E6, 0x1F200),
                  *range(0xE0020, 0xE0080)}


def _simple(text: str) -> bool:
    return not any(ord(c) in SEQUENCE_MARKS for c in text)


simple_texts = st.lists(st.tuples(st.one_of(
    st.sampled_from(WORDS), st.sampled_from(HASHTAGS), st.sampled_from(URLS),
    st.sampled_from([e for e in EMOJI if _simple(e)]),
    st.sampled_from([o for o in OTHER if _simple(o)]),
    st.text(st.characters(codec="utf-8", exclude_characters="".join(map(chr, SEQUENCE_MARKS))),
            max_size=3),
), st.sampled_from(SEPARATORS)), max_size=24).map(lambda pieces: "".join(f + s for f, s in pieces))


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(simple_texts)
def test_fast_path_decides_texts_without_sequences(text):
    prepared = convert_line_ending(unicodedata.normalize("NFC", text))
    assert x_count.fast_length(prepared) == reference(text)


@given(st.text(st.characters(codec="utf-8"), max_size=40))
@settings(max_examples=1000, deadline=None)
def test_same_as_twitter_text_any_characters(text):
    assert weighted_length(text) == reference(text)


@pytest.mark.parametrize("text", [
    "Halo, pembaca!", "Selamat membaca 📚", "Katalog: https://opac.example.org/detail?id=1",
    "図書館 © 2026", "Kunjungi perpusnas.go.id (Sabtu, 08.00 WITA).", "🗓️ Sabtu ❤\ufe0f buku",
    "☺\ufe0f\ufe0f", "\ufe0f awal",
])
def test_ordinary_posts_skip_the_emoji_regex(text):
    """The point of the fast path: plain posts, single emoji (with or without U+FE0F) and links
    are decided without parse_tweet's emoji regex, and agree with it."""
    assert x_count.fast_length(text) == reference(text)


@pytest.mark.parametrize("text", ["👍🏽 bagus", "🇮🇩 merdeka", "1\ufe0f\u20e3 satu",
                                  "👨\u200d🎤 tampil", "🏳\ufe0f\u200d🌈 pelangi"])
def test_emoji_sequences_go_to_twitter_text(text):
    assert x_count.fast_length(text) is None
    assert weighted_length(text) == reference(text)


def test_shipped_x_templates_take_the_fast_path():
    settings_ = load_settings(opac_url="https://opac.example.id")
    templates = TemplateSet(settings_)
    for kind in ("acquisition", "digest", "workshop", "event", "reminder", "free"):
        for language in ("id", "en"):
            _, text = templates.render(kind, "x", language,
                                       sample_context(kind, settings_, "x", language))
            assert x_count.fast_length(text) == reference(text), (kind, language)


# -- the premises of the fast path, checked against the library ----------------------------------
def test_single_emoji_are_the_library_class():
    single = re.compile(_LIBRARY_EMOJI.pattern.rsplit("|", 1)[1])
    matched = {p for p in range(0x110000) if single.match(chr(p))}
    assert matched == x_count._SINGLES


def test_every_tld_starts_with_a_letter():
    """URL runs are looked for only where a '.' is followed by a letter ([^\\W\\d_])."""
    firsts = set("xX")  # punycode: xn--
    for pattern in (valid_gtld, valid_cctld):
        body = pattern.pattern.split("(?:(?:", 1)[1].split(")(?=", 1)[0]
        firsts.update(tld[0] for tld in body.split("|"))
    first = re.compile("[" + "".join(map(re.escape, firsts)) + "]", re.IGNORECASE)
    letter = re.compile(r"[^\W\d_]")
    assert all(letter.match(chr(p)) for p in range(0x110000) if first.match(chr(p)))


@pytest.mark.parametrize("part", [valid_domain_chars, valid_general_url_path_chars,
                                  valid_url_path_ending_chars, valid_url_query_chars,
                                  valid_url_query_ending_chars, valid_port_number])
def test_no_url_part_takes_a_space(part):
    """URLs are looked for in runs between twitter-text's spaces."""
    spaces = re.compile(f"[{spaces_group}]")
    assert not [p for p in range(0x110000) if spaces.match(chr(p)) and part.match(chr(p))]


def test_every_space_is_known_to_the_run_search():
    spaces = re.compile(f"[{spaces_group}]")
    assert {chr(p) for p in range(0x110000) if spaces.match(chr(p))} == x_count._SPACES


# -- a run's plain query: its URLs read once per head (x_count._run_urls) -------------------------
HEADS = ["https://opac.example.id/index.php", "http://perpus.go.id", "opac.example.id/a/b",
         "perpusnas.go.id", "https://t.co/abc", "https://t.co/" + "a" * 41,
         "(https://example.com/x", "https://example.com/a_(b)", "www.example.com/x.",
         "example.com:8080/x", "mail@example.com/x", "https://exa_mple.com",
         "-example.com", "a.b.c.d.e.f", "https://example.com/x,",
         "Bontang.Buka", "https://example.com/?", "xn--wgv71a119e.jp/x", "example.com/@user/",
         "https://example.com/x?y", "", ".", "https://192.168.0.1", "EXAMPLE.COM/X", "a.co#b"]
PLAIN = "abcXYZ019!?*'@();:&=+$/%#[]-_,~|"  # query characters but '.'
queries = st.text(st.sampled_from(PLAIN), max_size=30) | st.lists(  # and some that are not
    st.sampled_from([*PLAIN, "a.com", ".", "é", " ", "\n", "x.co/y"]), max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["", " ", "(", "x", "@", "#", "\u3000"]), st.sampled_from(HEADS),
       queries)
@example(" ", "https://opac.example.id/index.php",
         "p=show_detail&id=12&utm_source=x&utm_medium=social&utm_campaign=koleksi-baru"
         "&utm_content=title-12")
@example(" ", "https://t.co/abc", "x=1")
@example(" ", "example.com", "q=1")  # no scheme, no path: the URL stops before the query
@example(" ", "https://example.com/x", "a" * 2100)
def test_plain_queries_read_once_per_head(before, head, query):
    run = before + head + "?" + query
    expected = [(e["indices"][0], len(e["url"])) for e in extract_urls_with_indices(run)]
    assert x_count._run_urls(run) == expected
    text = "Pinjam: " + head + "?" + query + " #Buku"
    assert weighted_length(text) == reference(text)


def test_plain_query_characters_are_the_library_s():
    """The premises of `_run_urls`: the plain query takes only twitter-text's query characters
    (never '.', which every domain needs, nor a space), and ends with a query-ending one."""
    middle, end = re.compile(x_count._QUERY_MIDDLE), re.compile(x_count._QUERY_END)
    takes = {chr(p) for p in range(0x110000) if middle.fullmatch(chr(p))}
    assert takes and all(valid_url_query_chars.fullmatch(c) for c in takes)
    assert "." not in takes and not takes & x_count._SPACES
    ends = {chr(p) for p in range(0x110000) if end.fullmatch(chr(p))}
    assert ends and all(valid_url_query_ending_chars.fullmatch(c) for c in ends)
    assert x_count._PLAIN_QUERY.fullmatch(x_count._STAND_IN)


def test_planning_links_read_their_head_once():
    x_count._head_urls.cache_clear()
    x_count.count.cache_clear()
    link = ("https://opac.example.id/index.php?p=show_detail&id={}&utm_source=x&utm_medium=social"
            "&utm_campaign=koleksi-baru&utm_content=title-{}")
    for i in (1, 22, 333):
        text = f"📚 Koleksi baru!\n\nPinjam: {link.format(i, i)}\n\n#BukuBaru"
        assert weighted_length(text) == reference(text)
    info = x_count._head_urls.cache_info()
    assert (info.misses, info.hits) == (1, 2)
