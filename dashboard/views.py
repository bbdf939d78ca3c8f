from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from accounts.roles import organization_ids
from dashboard import charts, selectors
from recommendations.models import Classification
from reporting.access import may_review_entries
from reporting.filters import PeriodChoiceForm
from reporting.models import EntryState

# The dashboard shows the parts that grow with the organisations cut to these many rows (the
# most behind first), each with a link to its full page: its size and cost stay the same however
# many sections and departments there are. The seed's city fits whole (27 tracker rows, 11
# departments).
TRACKER_SHOWN = 30
DEPARTMENTS_SHOWN = 15
MOVES_SHOWN = 10  # actions named per change of 区分
PER_PAGE = 50


class Links:
    """The list pages' URLs with the filters of a number (thousands of links at scale: each list
    page is reversed once, and the query strings are built directly; every value is an id, a
    period code or a letter, nothing to escape)."""

    def __init__(self, period, everything):
        self.base = f"period={period.code}" + ("" if everything else "&mine=true")
        self.paths = {name: reverse(name) for name in ("recommendations:list", "initiatives:list")}

    def __call__(self, name, **params):
        extra = "".join(f"&{key}={value}" for key, value in params.items())
        return f"{self.paths[name]}?{self.base}{extra}"

    def classification_rows(self, rows, key):
        for row in rows:
            where = {key: row.key.pk} if key else {}
            row.urls = {
                x: self("recommendations:list", **where, classification=x) for x in row.counts
            }
            row.cells = [(x, count, row.urls[x]) for x, count in row.counts.items()]
            row.total_url = self("recommendations:list", **where)

    def tracker_rows(self, rows):
        for row in rows:
            name, key = (
                ("initiatives:list", "section")
                if row.document == "資料3"
                else ("recommendations:list", "department")
            )
            row.links = [
                (count, self(name, state=state, **{key: row.organization.pk}))
                for state, count in row.by_state()
            ]
            row.total_url = self(name, **{key: row.organization.pk})


def _period(request):
    """The period asked for, whether the user sees everything, and the data of its dashboard
    (None when there is no period yet)."""
    periods = PeriodChoiceForm(request.GET)
    if periods.period is None:
        return periods, False, None
    everything = may_review_entries(request.user)
    scope = None if everything else organization_ids(request.user)
    return periods, everything, selectors.Dashboard(periods.period, periods.periods, scope)


def _page_number(request):
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def dashboard(request):
    """The HQ sees everything; section staff see their own sections' version. Every number
    links to the list page with the matching filter."""
    periods, everything, data = _period(request)
    if data is None:
        return render(request, "dashboard/dashboard.html", {"period": None})
    period = periods.period
    links = Links(period, everything)

    chapters, shown_departments, total, department_count = data.shiryo2_counts(DEPARTMENTS_SHOWN)
    links.classification_rows(chapters, "chapter")
    links.classification_rows(shown_departments, "department")
    links.classification_rows([total], None)

    jobs, matrix = data.shiryo3_matrix()
    for _, cells in matrix:
        for cell in cells:
            where = {"category": cell.category.pk, "job_category": cell.job_category.pk}
            cell.links = [
                (EntryState(state).label, count, links("initiatives:list", state=state, **where))
                for state, count in cell.by_state()
            ]
            cell.total_url = links("initiatives:list", **where)

    tracker = data.tracker(TRACKER_SHOWN)
    links.tracker_rows(tracker.rows)

    moves = data.moves(MOVES_SHOWN)
    context = {
        "period": period,
        "period_field": periods["period"],
        "everything": everything,
        "chapters": chapters,
        "departments": shown_departments,
        "department_count": department_count,
        "total": total,
        "chapter_chart": charts.stacked_bars(
            chapters, short_label=lambda row: row.key.mark, url=lambda row, x: row.urls[x]
        ),
        "department_chart": charts.stacked_bars(
            shown_departments,
            short_label=lambda row: row.label,
            url=lambda row, x: row.urls[x],
            label_width=200,
        ),
        "previous": data.previous,
        "moves": moves,
        "jobs": jobs,
        "matrix": matrix,
        "tracker": tracker.rows,
        "tracker_count": tracker.count,
        "tracker_behind": tracker.behind,
        "overdue": data.overdue,
        "states": [label for _, label in EntryState.choices],
        "changes": data.recent_changes(),
    }
    return render(request, "dashboard/dashboard.html", context)


def tracker(request):
    """Every section's and department's row of the tracker, the most outstanding first, a page
    at a time (the HQ's all, section staff their own)."""
    periods, everything, data = _period(request)
    if data is None:
        return render(request, "dashboard/tracker.html", {"period": None})
    number = _page_number(request)
    found = data.tracker(PER_PAGE, (number - 1) * PER_PAGE)
    if not found.rows and number > 1:  # past the last page: the last page
        count = data.tracker(1).count
        number = max((count + PER_PAGE - 1) // PER_PAGE, 1)
        found = data.tracker(PER_PAGE, (number - 1) * PER_PAGE)
    page = Paginator(range(found.count), PER_PAGE).get_page(number)
    page.object_list = found.rows
    Links(periods.period, everything).tracker_rows(found.rows)
    context = {
        "period": periods.period,
        "period_field": periods["period"],
        "everything": everything,
        "page": page,
        "tracker": found.rows,
        "tracker_behind": found.behind,
        "overdue": data.overdue,
        "states": [label for _, label in EntryState.choices],
    }
    return render(request, "dashboard/tracker.html", context)


def departments(request):
    """Every department's 区分 counts, those with the most actions still to consider first, a
    page at a time."""
    periods, everything, data = _period(request)
    if data is None:
        return render(request, "dashboard/departments.html", {"period": None})
    _, rows, total, _ = data.shiryo2_counts()
    page = Paginator(rows, PER_PAGE).get_page(_page_number(request))
    links = Links(periods.period, everything)
    links.classification_rows(page.object_list, "department")
    links.classification_rows([total], None)
    context = {
        "period": periods.period,
        "period_field": periods["period"],
        "everything": everything,
        "page": page,
        "departments": page.object_list,
        "total": total,
    }
    return render(request, "dashboard/departments.html", context)


def moves(request):
    """Every action of one change of 区分 since the previous period (`change=B-A`), in the
    document's order, a page at a time."""
    periods, everything, data = _period(request)
    before, _, after = request.GET.get("change", "").partition("-")
    if before == after or not {before, after} <= set(Classification.values):
        raise Http404("区分の変化の指定が正しくありません。")
    context = {"period": periods.period, "period_field": periods["period"]}
    if data is None or data.previous is None:
        return render(request, "dashboard/moves.html", {**context, "previous": None})
    number = _page_number(request)
    found = data.moves(PER_PAGE, (number - 1) * PER_PAGE, (before, after))
    if not found and number > 1:  # past the last page: the last page
        count = (data.moves(1, 0, (before, after)) or [None])[0]
        number = max(((count.count if count else 0) + PER_PAGE - 1) // PER_PAGE, 1)
        found = data.moves(PER_PAGE, (number - 1) * PER_PAGE, (before, after))
    count = found[0].count if found else 0
    page = Paginator(range(count), PER_PAGE).get_page(number)
    page.object_list = found[0].actions if found else []
    context.update(
        everything=everything,
        previous=data.previous,
        before=Classification(before),
        after=Classification(after),
        page=page,
    )
    return render(request, "dashboard/moves.html", context)
