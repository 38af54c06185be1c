"""The sentences and labels of the reports, in Bahasa Indonesia and English: OUTREACH_LOCALE
picks one (Indonesian unless English is asked for), as compose/validate.py does for its
messages. Placeholders are `str.format` fields."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

MESSAGES: dict[str, tuple[str, str]] = {
    # What a post is about, for lists of posts.
    "digest": ("Rangkuman koleksi: {titles}", "Acquisitions digest: {titles}"),
    "digest_more": ("{titles} dan {n} judul lain", "{titles} and {n} more titles"),
    "digest_empty": ("Rangkuman koleksi", "Acquisitions digest"),
    "no_text": ("(tanpa teks)", "(no text)"),
    # Findings of the monthly evaluation: each from a difference the rules of evidence.py allow.
    "finding_platforms": (
        "Tingkat interaksi di {a} ({ra}, {na} unggahan terukur) lebih tinggi daripada di {b} "
        "({rb}, {nb} unggahan terukur), keduanya dihitung per {base}.",
        "The engagement rate on {a} ({ra}, {na} measured posts) is higher than on {b} ({rb}, "
        "{nb} measured posts), both per {base}."),
    "finding_kinds": (
        "Di {platform}, unggahan {a} mendapat tingkat interaksi {ra} ({na} unggahan terukur), "
        "lebih tinggi daripada {b} dengan {rb} ({nb} unggahan terukur).",
        "On {platform}, {a} posts reach an engagement rate of {ra} ({na} measured posts), "
        "higher than {b} posts at {rb} ({nb} measured posts)."),
    "finding_top": (
        "Unggahan dengan interaksi terbanyak: \u201c{subject}\u201d di {platform} "
        "({n} interaksi).",
        "The post with the most interactions: \u201c{subject}\u201d on {platform} "
        "({n} interactions)."),
    "finding_timing": (
        "Di {platform}, unggahan hari {day} ({day_rate}, {day_n} unggahan terukur) dan sekitar "
        "pukul {hour} ({hour_rate}, {hour_n} unggahan terukur) paling banyak ditanggapi.",
        "On {platform}, posts on {day} ({day_rate}, {day_n} measured posts) and around {hour} "
        "({hour_rate}, {hour_n} measured posts) drew the most response."),
    "finding_titles": (
        "{missed} judul baru belum diumumkan: {scheduled} sudah dijadwalkan, {unplanned} belum "
        "direncanakan sama sekali.",
        "{missed} new titles are not announced yet: {scheduled} are scheduled, {unplanned} are "
        "not planned at all."),
    "finding_events": (
        "{missed} kegiatan tidak diumumkan: {scheduled} masih dijadwalkan, {unplanned} tidak "
        "pernah direncanakan.",
        "{missed} events were not announced: {scheduled} are still scheduled, {unplanned} were "
        "never planned."),
    "finding_problems": (
        "{n} unggahan gagal, terlewat atau belum pasti dan perlu ditindaklanjuti staf.",
        "{n} posts failed, were missed or are unconfirmed and need staff to follow up."),
    "finding_questions": (
        "{n} pertanyaan dari masyarakat belum dijawab.",
        "{n} questions from the public are not answered yet."),
    "findings_rule": (
        "Perbedaan disebut hanya bila kedua kelompok punya sedikitnya {n} unggahan terukur dan "
        "selisihnya lebih dari {gap}.",
        "A difference is named only when both groups have at least {n} measured posts and the "
        "gap is more than {gap}."),
    # Best days and hours.
    "best_days": ("hari terbaik", "best days"),
    "best_hours": ("jam terbaik", "best hours"),
    "not_enough": (
        "belum cukup data ({cells} dengan sedikitnya {posts} unggahan terukur; perlu {need})",
        "not enough data yet ({cells} with at least {posts} measured posts; {need} needed)"),
    "cells_days": ("{n} hari", "{n} days"),
    "cells_hours": ("{n} jam", "{n} hours"),
    "timing_rule": (
        "Sebuah hari atau jam ikut dibandingkan bila ada sedikitnya {posts} unggahan terukur di "
        "dalamnya; yang terbaik disebut hanya bila sedikitnya {cells} hari (atau jam) memenuhi "
        "syarat itu. n = jumlah unggahan terukur; angka di sel peta = jumlah unggahan.",
        "A day or hour takes part when it holds at least {posts} measured posts; a best one is "
        "named only when at least {cells} days (or hours) do. n = measured posts; the number in "
        "each map cell = posts."),
    # Coverage.
    "coverage_titles": (
        "Judul baru (dikatalogkan pada periode ini): {new}. Sudah diumumkan {announced} ({share}),"
        " sudah dijadwalkan {scheduled}, belum direncanakan {unplanned}.",
        "New titles (catalogued in this period): {new}. Announced {announced} ({share}), "
        "scheduled {scheduled}, not planned {unplanned}."),
    "coverage_events": (
        "Kegiatan pada periode ini: {new}. Sudah diumumkan {announced} ({share}), masih "
        "dijadwalkan {scheduled}, tidak direncanakan {unplanned}.",
        "Events in this period: {new}. Announced {announced} ({share}), still scheduled "
        "{scheduled}, not planned {unplanned}."),
    "titles_unplanned": ("Judul baru yang belum direncanakan", "New titles not planned"),
    "events_unplanned": ("Kegiatan yang tidak direncanakan", "Events not planned"),
    "newest": ("{n} terbaru", "{n} newest"),
    "download_pdf": ("Unduh PDF (A4)", "Download PDF (A4)"),
    # Bases of a rate.
    "reach": ("jangkauan", "reach"),
    "views": ("tayangan", "views"),
    "reach/views": ("jangkauan/tayangan", "reach/views"),
    # Kinds of post: the one name of each, in the reports, the web pages (reports, templates,
    # catalogue) and the staff guide's glossary.
    "kind_acquisition": ("Koleksi baru", "New acquisitions"),
    "kind_digest": ("Rangkuman koleksi", "Acquisitions digest"),
    "kind_workshop": ("Lokakarya", "Workshop"),
    "kind_event": ("Kegiatan", "Event"),
    "kind_reminder": ("Pengingat", "Reminder"),
    "kind_free": ("Tulisan staf", "Staff post"),
    "yes": ("ya", "yes"),
    # Periods in words.
    "p_all": ("Seluruh riwayat", "All history"),
    "p_start": ("awal", "the start"),
    "p_now": ("sekarang", "now"),
    # The plain-text table `outreach report` prints (with the evaluation's words below).
    "x_title": ("Laporan interaksi: {period} ({zone})", "Engagement report: {period} ({zone})"),
    "x_base": ("Dihitung per", "Per"),
    "x_subject": ("Tentang", "Subject"),
    "x_none": ("tidak ada", "none"),
    # Headings and labels of the monthly evaluation: one language at a time.
    "h_title": ("Laporan Evaluasi Media Sosial", "Social media evaluation report"),
    "h_findings": ("Temuan utama", "Key findings"),
    "h_summary": ("Ringkasan", "Summary"),
    "h_posts": ("Unggahan terbit", "posts"),
    "h_interactions": ("Interaksi", "interactions"),
    "h_comments": ("Komentar masuk", "comments"),
    "h_new_titles_announced": ("Judul baru diumumkan", "new titles announced"),
    "h_events_announced": ("Kegiatan diumumkan", "events announced"),
    "h_need_a_person": ("Perlu ditindaklanjuti", "need a person"),
    "h_by_platform": ("Per platform", "By platform"),
    "h_no_posts_were_published": ("Tidak ada unggahan yang terbit pada periode ini.",
                                  "No posts were published in this period."),
    "h_top_posts": ("Unggahan teratas", "Top posts"),
    "h_no_engagement_figures_yet": ("Belum ada angka keterlibatan.", "No engagement figures yet."),
    "h_best_days_and_hours": ("Waktu terbaik", "Best days and hours"),
    "h_no_history_yet": ("Belum ada riwayat.", "No history yet."),
    "h_which_wording_works": ("Perbandingan templat", "Which wording works"),
    "h_no_data_yet": ("Belum ada data.", "No data yet."),
    "h_coverage_what_was_announced": ("Cakupan", "Coverage: what was announced"),
    "h_failures_and_missed_posts": ("Gagal dan terlewat", "Failures and missed posts"),
    "h_nothing_needs_a_person": ("Tidak ada unggahan yang perlu ditindaklanjuti.",
                                 "Nothing needs a person."),
    "h_the_publics_feedback": ("Masukan masyarakat", "The public's feedback"),
    "h_how_the_figures_are": ("Catatan metode", "How the figures are made"),
    # The monthly evaluation's body: table heads, notes and chart titles.
    "made": ("Dibuat {when} ({zone}) · semua waktu dalam zona waktu perpustakaan",
             "Made {when} ({zone}) · all times in the library's time zone"),
    "c_platform": ("Platform", "Platform"),
    "c_posts": ("Unggahan", "Posts"),
    "c_measured": ("Diukur", "Measured"),
    "c_engagement": ("Tingkat interaksi", "Engagement rate"),
    "per_base": ("per {base}", "per {base}"),
    "c_published": ("Terbit", "Published"),
    "c_interactions": ("Interaksi", "Interactions"),
    "c_rate": ("Tingkat", "Rate"),
    "removed": ("(dihapus di platform)", "(removed on the platform)"),
    "timing_source": (
        "Dari riwayat perpustakaan sendiri{since} sampai akhir periode (paling lama 12 bulan).",
        "From the library's own history{since} to the end of the period (at most 12 months)."),
    "timing_since": (" sejak {date}", " since {date}"),
    "n_posts": ("{n} unggahan", "{n} posts"),
    "c_kind": ("Jenis", "Kind"),
    "c_template": ("Templat", "Template"),
    "c_per_post": ("Interaksi per unggahan", "Interactions per post"),
    "c_views_per_post": ("Tayangan per unggahan", "Views per post"),
    "c_scheduled": ("Jadwal", "Scheduled"),
    "c_status": ("Status", "Status"),
    "c_reason": ("Alasan", "Reason"),
    "fb_received": ("Komentar masuk: {n}, di antaranya {q} pertanyaan.",
                    "Comments received: {n}, of which {q} questions."),
    "fb_handled": (
        "Dijawab: {answered} · tidak relevan: {irrelevant} · belum ditangani: {open} "
        "(pertanyaan: {open_q}).",
        "Answered: {answered} · not relevant: {irrelevant} · not handled yet: {open} "
        "(questions: {open_q})."),
    "fb_median": ("Waktu tanggap median untuk pertanyaan: {n} jam.",
                  "Median response time to questions: {n} hours."),
    "method_last": (
        "Angka setiap unggahan adalah bacaan terakhir dari platform (riwayat lengkap disimpan). "
        "Unggahan baru dibaca tiap jam, lalu makin jarang sampai hari ke-90.",
        "Each post's figures are the platform's latest reading (the full history is kept). New "
        "posts are read every hour, then less often until day 90."),
    "method_rate": (
        "Interaksi = suka + komentar + dibagikan + disimpan. Tingkat interaksi = interaksi ÷ "
        "jangkauan bila platform memberikannya (Facebook, Instagram), selain itu ÷ tayangan (X)."
        " Tingkat kelompok = jumlah interaksi ÷ jumlah jangkauan/tayangan.",
        "Interactions = likes + comments + shares + saves. Engagement rate = interactions ÷ "
        "reach where the platform gives it (Facebook, Instagram), otherwise ÷ views (X). A "
        "group's rate = its interactions ÷ its reach/views."),
    "method_instagram": (
        "Instagram dapat terlambat hingga 48 jam dalam memperbarui angka; angka bulan berjalan "
        "masih akan bertambah.",
        "Instagram can take up to 48 hours to update its figures; the current month's figures "
        "will still grow."),
    "method_privacy": ("Penulis komentar ditampilkan sesuai pengaturan privasi perpustakaan.",
                       "Comment authors are shown as the library's privacy settings allow."),
    "chart_rates": ("Tingkat interaksi per platform", "Engagement rate per platform"),
    "chart_daily": ("Unggahan per hari", "Posts per day"),
    "chart_templates": ("Tingkat interaksi per templat", "Engagement rate per template"),
    "chart_legend": ("Warna: tingkat interaksi · angka: jumlah unggahan",
                     "Colour: engagement rate · number: posts"),
    "chart_empty": ("Belum ada data", "No data yet"),
    "chart_heatmap": ("{platform}: hari dan jam", "{platform}: days and hours"),
    # Figures and delivery statuses.
    "m_views": ("tayangan", "views"),
    "m_reach": ("jangkauan", "reach"),
    "m_likes": ("suka", "likes"),
    "m_comments": ("komentar", "comments"),
    "m_shares": ("dibagikan", "shares"),
    "m_saves": ("disimpan", "saves"),
    "m_clicks": ("klik", "clicks"),
    "s_failed": ("gagal", "failed"),
    "s_missed": ("terlewat", "missed"),
    "s_unconfirmed": ("belum pasti", "unconfirmed"),
    "s_held": ("ditahan", "held"),
    "s_cancelled": ("dibatalkan", "cancelled"),
    "s_published": ("terbit", "published"),
}


def english(locale: str) -> bool:
    return locale.startswith("en")


def say(key: str, locale: str = "id", **values: object) -> str:
    """One message in the locale's language (Bahasa Indonesia unless English is asked for)."""
    indonesian, in_english = MESSAGES[key]
    return (in_english if english(locale) else indonesian).format(**values)


def kind_label(kind: str, locale: str = "id") -> str:
    """A kind of post (PostKind's value) in words; an unknown kind keeps its code."""
    key = f"kind_{kind}"
    return say(key, locale) if key in MESSAGES else kind


def kind_labels(locale: str = "id") -> dict[str, str]:
    """Every kind of post in words, for pages that list them (each kind has one name)."""
    return {key[len("kind_"):]: say(key, locale) for key in MESSAGES if key.startswith("kind_")}


def number(value: float | None, locale: str = "id") -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.#", locale=locale)


def percent(value: float | None, locale: str = "id") -> str:
    return "—" if value is None else format_percent(value, format="#,##0.0%", locale=locale)


# How people in Indonesia name their zones, in either language (Babel's English short name for
# them is an offset such as "+0800"); any other zone keeps Babel's short name.
ZONES = {"Asia/Makassar": "WITA", "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB",
         "Asia/Jayapura": "WIT"}


def zone_name(tz: object, locale: str = "id") -> str:
    key = getattr(tz, "key", str(tz))
    return ZONES.get(key) or format_datetime(datetime.now(UTC), "zzz", tzinfo=tz, locale=locale)
