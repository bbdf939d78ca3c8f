from django.shortcuts import render
from django.urls import reverse

from accounts.roles import organization_ids
from dashboard import charts, selectors
from reporting.access import may_review_entries
from reporting.filters import PeriodChoiceForm
from reporting.models import EntryState


def dashboard(request):
    """The HQ sees everything; section staff see their own sections' version. Every number
    links to the list page with the matching filter."""
    periods = PeriodChoiceForm(request.GET)
    period = periods.period
    if period is None:
        return render(request, "dashboard/dashboard.html", {"period": None})
    everything = may_review_entries(request.user)
    scope = None if everything else organization_ids(request.user)
    # Thousands of links at scale: each list page is reversed once, and the query strings are
    # built directly (every value is an id, a period code or a letter: nothing to escape).
    base = f"period={period.code}" + ("" if everything else "&mine=true")
    paths = {name: reverse(name) for name in ("recommendations:list", "initiatives:list")}

    def url(name, **params):
        return f"{paths[name]}?{base}" + "".join(f"&{key}={value}" for key, value in params.items())

    data = selectors.Dashboard(period, periods.periods, scope)
    chapters, departments, total = data.shiryo2_counts()
    for rows, key in ((chapters, "chapter"), (departments, "department"), ([total], None)):
        for row in rows:
            where = {key: row.key.pk} if key else {}
            row.urls = {
                x: url("recommendations:list", **where, classification=x) for x in row.counts
            }
            row.cells = [(x, count, row.urls[x]) for x, count in row.counts.items()]
            row.total_url = url("recommendations:list", **where)

    jobs, matrix, tracker, overdue = data.shiryo3_and_tracker()
    for _, cells in matrix:
        for cell in cells:
            where = {"category": cell.category.pk, "job_category": cell.job_category.pk}
            cell.links = [
                (EntryState(state).label, count, url("initiatives:list", state=state, **where))
                for state, count in cell.by_state()
            ]
            cell.total_url = url("initiatives:list", **where)

    for row in tracker:
        name, key = (
            ("initiatives:list", "section")
            if row.document == "資料3"
            else ("recommendations:list", "department")
        )
        row.links = [
            (count, url(name, state=state, **{key: row.organization.pk}))
            for state, count in row.by_state()
        ]
        row.total_url = url(name, **{key: row.organization.pk})

    context = {
        "period": period,
        "period_field": periods["period"],
        "everything": everything,
        "chapters": chapters,
        "departments": departments,
        "total": total,
        "chapter_chart": charts.stacked_bars(
            chapters, short_label=lambda row: row.key.mark, url=lambda row, x: row.urls[x]
        ),
        "department_chart": charts.stacked_bars(
            departments,
            short_label=lambda row: row.label,
            url=lambda row, x: row.urls[x],
            label_width=200,
        ),
        "previous": data.previous,
        "moves": data.moves(),
        "jobs": jobs,
        "matrix": matrix,
        "tracker": tracker,
        "overdue": overdue,
        "states": [label for _, label in EntryState.choices],
        "changes": data.recent_changes(),
    }
    return render(request, "dashboard/dashboard.html", context)
