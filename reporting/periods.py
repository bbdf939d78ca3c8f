"""Helping the HQ open and close periods: the next period proposed from the dates, and what is
still unfinished, by section."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count

from core.wareki import era_year, fiscal_year_label
from reporting.workflow import UNFINISHED, documents

ERA_LETTERS = {"令和": "R", "平成": "H", "昭和": "S"}


def half_of(results_until):
    """1 for a period reporting up to September (上半期), 2 for one up to March (下半期)."""
    return 1 if 4 <= results_until.month <= 9 else 2


def proposed_code(results_until):
    """R6H1 for results up to September 2024."""
    fiscal_year = results_until.year if results_until.month >= 4 else results_until.year - 1
    era, year = era_year(datetime.date(fiscal_year, 12, 31))
    return f"{ERA_LETTERS.get(era, '')}{year}H{half_of(results_until)}"


def proposed_name(results_until):
    """令和６年度上半期 for results up to September 2024."""
    return f"{fiscal_year_label(results_until)}{'上' if half_of(results_until) == 1 else '下'}半期"


def _end_of_month(year, month):
    while month > 12:
        year, month = year + 1, month - 12
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def next_period(last):
    """The half-year after `last` (a ReportingPeriod or None) as form initial values: results
    six months later, plans from the day after, the deadline a month after the half-year."""
    if last is None:
        return {}
    results_until = _end_of_month(last.results_until.year, last.results_until.month + 6)
    plans_from = results_until + datetime.timedelta(days=1)
    return {
        "code": proposed_code(results_until),
        "name": proposed_name(results_until),
        "results_until": results_until,
        "plans_from": plans_from,
        "deadline": _end_of_month(plans_from.year, plans_from.month),
    }


@dataclass
class Unfinished:
    label: str
    counts: dict = field(default_factory=dict)  # document label → rows
    row: list = field(default_factory=list)  # the counts in the order of documents()

    @property
    def total(self):
        return sum(self.counts.values())


def unfinished_by_organization(period):
    """The period's rows not yet submitted (未着手, 下書き, 差戻し), counted per responsible
    section or department and document: one query per document."""
    if period is None:
        return []
    by_label = {}
    for document in documents():
        label = f"{document.organizations}__label"
        counts = (
            document.model.objects.filter(period=period, state__in=UNFINISHED)
            .values(label)
            .annotate(rows=Count("pk", distinct=True))
            .order_by(label)
        )
        for row in counts:
            name = row[label] or "（担当なし）"
            by_label.setdefault(name, Unfinished(name)).counts[document.label] = row["rows"]
    for item in by_label.values():
        item.row = [item.counts.get(document.label, 0) for document in documents()]
    return sorted(by_label.values(), key=lambda u: u.label)
