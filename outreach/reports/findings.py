"""The key findings of the monthly evaluation: a few sentences a manager can act on, each one
claimed only when the figures behind it allow it (outreach.reports.evidence)."""

from __future__ import annotations

from collections import Counter

from babel.dates import get_day_names

from outreach.reports.build import Report, TemplateRow
from outreach.reports.evidence import MIN_GAP, MIN_GROUP_POSTS, best_cells, supported
from outreach.reports.words import kind_label, number, percent, say

PLATFORM_LABELS = {"x": "X", "facebook": "Facebook", "instagram": "Instagram"}


def platform_label(name: str) -> str:
    return PLATFORM_LABELS.get(name, name)


def weekday_names(locale: str) -> list[str]:
    names = get_day_names("wide", locale=locale)
    return [names[i].capitalize() for i in range(7)]


def hour_labels() -> list[str]:
    return [f"{h:02d}.00" for h in range(24)]


def _platforms(report: Report, locale: str) -> list[str]:
    """The highest rate against the next one, among platforms whose rates share a base (a rate
    per reach and a rate per view are not the same measure)."""
    lines = []
    for base in ("reach", "views"):
        group = sorted((p for p in report.platforms if p.rate_base == base
                        and p.rate is not None and p.measured >= MIN_GROUP_POSTS),
                       key=lambda p: -p.rate)
        if len(group) >= 2 and supported((group[0].rate, group[0].measured),
                                         (group[1].rate, group[1].measured)):
            a, b = group[0], group[1]
            lines.append(say("finding_platforms", locale, a=platform_label(a.platform),
                             ra=percent(a.rate, locale), na=number(a.measured, locale),
                             b=platform_label(b.platform), rb=percent(b.rate, locale),
                             nb=number(b.measured, locale), base=say(base, locale)))
    return lines


def _kinds(report: Report, locale: str) -> list[str]:
    """On each platform, the kind (or template) with the highest rate against the next one."""
    lines = []
    for platform in sorted({t.platform for t in report.templates}):
        rows = sorted((t for t in report.templates if t.platform == platform
                       and t.rate is not None and t.measured >= MIN_GROUP_POSTS),
                      key=lambda t: -t.rate)
        if len(rows) < 2 or not supported((rows[0].rate, rows[0].measured),
                                          (rows[1].rate, rows[1].measured)):
            continue
        kinds = Counter(t.kind for t in report.templates if t.platform == platform)

        def name(t: TemplateRow, kinds: Counter = kinds) -> str:
            label = kind_label(t.kind, locale)
            return f"{label} ({t.label})" if kinds[t.kind] > 1 else label

        a, b = rows[0], rows[1]
        lines.append(say("finding_kinds", locale, platform=platform_label(platform), a=name(a),
                         ra=percent(a.rate, locale), na=number(a.measured, locale), b=name(b),
                         rb=percent(b.rate, locale), nb=number(b.measured, locale)))
    return lines


def _timing(report: Report, locale: str) -> list[str]:
    lines = []
    for t in report.timing:
        day = best_cells(t.weekdays, weekday_names(locale)).winner
        hour = best_cells(t.hours, hour_labels()).winner
        if day and hour:
            lines.append(say("finding_timing", locale, platform=platform_label(t.platform),
                             day=day["label"], day_rate=percent(day["rate"], locale),
                             day_n=day["measured"], hour=hour["label"],
                             hour_rate=percent(hour["rate"], locale), hour_n=hour["measured"]))
    return lines


def findings(report: Report, locale: str = "id") -> list[str]:
    """The sentences, in the locale's language."""
    lines = _platforms(report, locale) + _kinds(report, locale)
    if report.top_posts:
        p = report.top_posts[0]
        lines.append(say("finding_top", locale, subject=p.subject[:80],
                         platform=platform_label(p.platform),
                         n=number(p.interactions, locale)))
    lines += _timing(report, locale)
    cov = report.coverage
    if cov.titles_new > cov.titles_announced:
        lines.append(say("finding_titles", locale,
                         missed=number(cov.titles_new - cov.titles_announced, locale),
                         scheduled=number(cov.titles_scheduled, locale),
                         unplanned=number(cov.titles_unplanned, locale)))
    if cov.events_new > cov.events_announced:
        lines.append(say("finding_events", locale,
                         missed=number(cov.events_new - cov.events_announced, locale),
                         scheduled=number(cov.events_scheduled, locale),
                         unplanned=number(cov.events_unplanned, locale)))
    if report.problems.needing_person:
        lines.append(say("finding_problems", locale,
                         n=number(report.problems.needing_person, locale)))
    if report.feedback.open_questions:
        lines.append(say("finding_questions", locale,
                         n=number(report.feedback.open_questions, locale)))
    return lines


def findings_rule(locale: str = "id") -> str:
    return say("findings_rule", locale, n=MIN_GROUP_POSTS, gap=percent(MIN_GAP, locale))
