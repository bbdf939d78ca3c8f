"""The workflow's pages, one set for every document: list, detail, edit (with its conflict
page), review and bulk actions, each configured by the document's `DocumentPages` (its urls.py
wires them with `urlpatterns = pages.urls()`); and the reporting periods' pages."""

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models.utils import create_namedtuple_class
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core.models import ListRevision
from reporting import choices, services
from reporting.access import (
    allowed_actions,
    check,
    check_may_manage_periods,
    current_period,
    get_entries_for_user,
    may_manage_periods,
    may_review_entries,
)
from reporting.forms import BulkForm, MeetingForm, PeriodForm, ReviewForm
from reporting.models import EntryState, ReportingPeriod
from reporting.periods import next_period, unfinished_by_organization
from reporting.services import StaleEntry, WorkflowError
from reporting.workflow import documents

PAGE_SIZE = 50


@dataclass(frozen=True)
class DocumentPages:
    """What the workflow's pages need of one document besides its part of the workflow
    (`document`, reporting.workflow.Document). The document's app is the URL namespace; its
    templates `<app>/<kind>.html` (list, detail, edit, conflict) extend reporting/<kind>.html
    and fill only the blocks where the documents differ."""

    document: Any
    noun: str  # what a section writes on a row: 報告, 実施状況
    entries: Callable  # () -> the queryset the bulk actions fetch the selected rows from
    filterset_for: Callable  # (params, request) -> the list's FilterSet
    timeline: Callable  # (entry) -> the row in every period, each compared with the one before
    history: Callable  # (entry) -> its changes, newest first
    edit_forms: type  # a reporting.forms.EditForms
    # (page, may_bulk, period shown) -> the list's table rows as HTML: built as plain strings (see
    # reporting/rows.py), since the template engine's lookups per row cost the most of a list.
    list_rows: Callable = None
    bulk_form: type = BulkForm
    # {action: (request, entries, cleaned data, seen versions) -> (result, what was done)}: the
    # document's own bulk actions besides approve and return.
    bulk_actions: Mapping[str, Callable] = field(default_factory=dict)

    @property
    def namespace(self):
        return self.document.model._meta.app_label

    @property
    def label(self):
        return self.document.label

    @property
    def slug(self):
        """shiryo3: the list's key for 前回以降に更新, and its Excel export's URL name."""
        return self.document.slug

    @property
    def get_for_user(self):
        """(user, pk, *, action=None): the access helper of the document's entries."""
        return self.document.get_for_user

    @property
    def names(self):
        """The pages' URL names, for the templates' {% url %}."""
        return {
            kind: f"{self.namespace}:{kind}"
            for kind in ("list", "detail", "edit", "review", "bulk")
        }

    def template(self, kind):
        return f"{self.namespace}/{kind}.html"

    def urls(self):
        pages = {"pages": self}
        return [
            path("", entry_list, pages, name="list"),
            path("bulk/", entry_bulk, pages, name="bulk"),
            path("<int:pk>/", entry_detail, pages, name="detail"),
            path("<int:pk>/edit/", entry_edit, pages, name="edit"),
            path("<int:pk>/review/", entry_review, pages, name="review"),
        ]


@dataclass(frozen=True)
class Panel:
    """A part another app adds to every detail page, between the timeline and the history:
    `context(user, entry, history)` gives its context (and may return the history with its own
    events among them) without the workflow importing that app."""

    template: str
    context: Callable


_panels = []
_form_attributes = []


def add_detail_panel(template, context):
    """Called from an app's AppConfig.ready() (the cycle's conversation panel)."""
    _panels.append(Panel(template, context))


_period_links = []


def add_periods_link(label, url_name):
    """A link for those who manage the periods, above the periods page's table (the cycle's
    sent reminders), added from an app's AppConfig.ready()."""
    _period_links.append((label, url_name))


def add_edit_form_attributes(template):
    """A template of attributes for the <form> of every edit and conflict page (the cycle's
    no-lost-typing hooks for static/js/cycle.js), added from an app's AppConfig.ready()."""
    _form_attributes.append(template)


@dataclass(frozen=True)
class RowsQuery:
    """What a list needs of its FilterSet to read a page: the SQL of its rows (every page's,
    before LIMIT and OFFSET; None for a DISTINCT query, whose window would count duplicates),
    whose columns name the rows' values and carry their total (TOTAL_ROWS, as each document's
    selectors.list_rows_query does), and the period shown with the value its filter was given
    (the 資料3 list's headings). It depends on nothing but the query, the master data (choices,
    periods) and, for 自分の担当分, the user, and is kept in the cache under them: the first
    request after a write reads its rows with it rather than building the FilterSet, validating
    its form and compiling the rows' query again, which was a third of such a request's CPU."""

    sql: str | None
    params: tuple
    period: Any
    period_value: str


def rows_query(request, filterset, digest, user):
    """The list's RowsQuery, from the cache or made from `filterset` (`user`: the user's pk
    when the query has 自分の担当分, whose SQL names the user, else "")."""
    key = f"rows-query:{request.path}:{request.master_revision}:{user}:{digest}"
    kept = cache.get(key)
    if kept is None:
        query = filterset.qs.query
        sql, params = (None, ()) if query.distinct else query.sql_with_params()
        period_value = filterset.form["period"].value()
        kept = RowsQuery(sql, params, filterset.period, period_value)
        cache.set(key, kept, choices.TIMEOUT)
    return kept


def read_rows(query, start):
    """PAGE_SIZE rows of `query` from the `start`th, by the SQL Django writes for that slice of
    the queryset, as named tuples of its columns (as values_list(named=True) gives them)."""
    limits = connection.ops.limit_offset_sql(start, start + PAGE_SIZE)
    with connection.cursor() as cursor:
        cursor.execute(f"{query.sql} {limits}", query.params)
        row = create_namedtuple_class(*(column.name for column in cursor.description))
        return [row._make(values) for values in cursor.fetchall()]


def paginate(request, query, filterset):
    """The requested page of the list's rows. The total comes with the rows (a window count), so
    a page costs one query instead of two; a page past the end, a bad number or a DISTINCT query
    goes through Django's paginator."""
    number = request.GET.get("page") or "1"
    if query.sql is not None and number.isdecimal() and int(number) > 0:
        rows = read_rows(query, (int(number) - 1) * PAGE_SIZE)
        if rows:
            paginator = Paginator(rows, PAGE_SIZE)
            paginator.count = rows[0].total_rows
            return Page(rows, int(number), paginator)
    return Paginator(filterset.qs, PAGE_SIZE).get_page(number)


def pagination(request, page):
    """includes/pagination.html, which a list shows above and below its rows."""
    return get_template("includes/pagination.html").render({"page": page, "request": request})


FILTER_FORM = "includes/filter_form.html"


def query_digest(request):
    """The list's query without its page, which no filter reads: every page of a list has the
    same filter form and rows' SQL."""
    query = request.GET.copy()
    query.pop("page", None)
    return hashlib.md5(query.urlencode().encode(), usedforsecurity=False).hexdigest()


def filter_form(request, filterset, digest):
    """The list's filter form (includes/filter_form.html), kept in the cache under the master
    data's revision, which its choice lists and periods come from, and the query, which gives
    the values chosen and their errors: a list rendered again after a save (the first request
    after a write) reads it rather than rendering every choice of every filter again."""
    key = f"filter-form:{request.path}:{request.master_revision}:{digest}"
    html = cache.get(key)
    if html is None:
        html = get_template(FILTER_FORM).render({"filter": filterset, "request": request})
        cache.set(key, html, choices.TIMEOUT)
    return mark_safe(html)


@functools.cache
def bulk_actions(form_class, may_bulk):
    """includes/bulk_actions.html: an unbound form, the same on every list of a document, so
    rendered once per process rather than on each list the cache cannot answer (its widgets go
    through Django's template renderer)."""
    context = {"may_bulk": may_bulk, "bulk_form": form_class()}
    return get_template("includes/bulk_actions.html").render(context)


# The values by which django-filter's BooleanFilter (自分の担当分) restricts the list.
TRUE_VALUES = {"true", "True", "1"}


def entry_list(request, *, pages):
    """A document's list page. All of it but the bulk form's CSRF token is kept in the cache
    (the template's {% cache %} block) per revision of the rows it shows (the period's, of the
    organisations chosen or 自分の担当分, see ListRevision), HQ or not, user (for 自分の担当分)
    and query; the FilterSet and the page are built only when that block renders."""
    filterset = SimpleLazyObject(lambda: pages.filterset_for(request.GET, request))
    may_bulk = may_review_entries(request.user)
    mine = request.user.pk if "mine" in request.GET else ""
    member = request.user.pk if request.GET.get("mine") in TRUE_VALUES else None
    revisions = ListRevision.of_list(pages.namespace, request.GET, member)
    # Read with the key: the FilterSet's periods and choice lists come from the cache under it.
    request.master_revision = ListRevision.master_of(revisions)
    digest = query_digest(request)
    query = SimpleLazyObject(lambda: rows_query(request, filterset, digest, mine))
    page = SimpleLazyObject(lambda: paginate(request, query, filterset))
    return render(
        request,
        pages.template("list"),
        {
            "pages": pages,
            # The period shown (query.period) and the value of its filter (query.period_value).
            "query": query,
            # Called by the template, inside the cached block only (as the rows).
            "filter_form": lambda: filter_form(request, filterset, digest),
            "page": page,
            # Called by the template, inside the cached block only: above and below the rows,
            # rendered once.
            "pagination": functools.cache(lambda: pagination(request, page)),
            "rows": lambda: pages.list_rows(page, may_bulk, query.period),
            "may_bulk": may_bulk,
            "bulk_actions": lambda: bulk_actions(pages.bulk_form, may_bulk),
            "cache_seconds": settings.LIST_CACHE_SECONDS,
            "cache_key": [revisions, may_bulk, mine, request.get_full_path()],
        },
    )


def entry_detail(request, pk, *, pages):
    entry = pages.get_for_user(request.user, pk)
    context = {
        "pages": pages,
        "entry": entry,
        "allowed": allowed_actions(request.user, entry),
        "timeline": pages.timeline(entry),
        "history": pages.history(entry),
        "review_form": ReviewForm(initial={"version": entry.version}),
        "panels": [panel.template for panel in _panels],
    }
    for panel in _panels:
        context.update(panel.context(request.user, entry, history=context["history"]))
    return render(request, pages.template("detail"), context)


def entry_edit(request, pk, *, pages):
    """A section's draft or submission. A form made from an older version saves nothing and
    shows both texts (409); a refusal of the rules or of readiness shows on the form (400)."""
    entry = pages.get_for_user(request.user, pk, action="change")
    submit = "submit" in request.POST
    if submit:
        check(request.user, "submit", entry)
    if request.method != "POST":
        return _edit_page(request, pages, "edit", entry, pages.edit_forms(entry))

    forms = pages.edit_forms(entry, request.POST)
    if forms.is_valid():
        try:
            services.write(
                entry=entry,
                user=request.user,
                version=forms.version,
                values=forms.values(),
                action=services.SUBMIT if submit else services.SAVE,
            )
        except StaleEntry as conflict:
            current = pages.get_for_user(request.user, pk)
            retry = forms.retry(current, conflict.current.version)
            mine = {"mine": forms.typed(), "message": conflict.message}
            return _edit_page(request, pages, "conflict", current, retry, mine, status=409)
        except WorkflowError as error:
            add_errors(forms.form, error)
        else:
            done = "提出しました" if submit else "下書き保存しました"
            messages.success(request, f"{entry.reference} の{pages.noun}を{done}。")
            return redirect(pages.names["detail"], pk=entry.pk)
    return _edit_page(request, pages, "edit", entry, forms, status=400)


def _edit_page(request, pages, kind, entry, forms, extra=None, *, status=200):
    context = {
        "pages": pages,
        "entry": entry,
        "form_attributes": _form_attributes,
        **forms.context,
        **(extra or {}),
    }
    return render(request, pages.template(kind), context, status=status)


def workflow_error_message(error):
    if error.entries:
        return f"{error.message}（対象: {references(error.entries)}）"
    return error.message


def references(entries):
    return "、".join(entry.reference for entry in entries)


def add_errors(form, error):
    """A refused write on its form: a readiness message by its field, the others on top."""
    if not error.fields:
        form.add_error(None, error.message)
    for name, message in error.fields.items():
        form.add_error(name if name in form.fields else None, message)


@require_POST
def entry_review(request, pk, *, pages):
    """Approve or return one entry from its detail page, then back to it."""
    entry = pages.get_for_user(request.user, pk, action="review")
    back = redirect(pages.names["detail"], pk=entry.pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "判断（承認する／差戻す）を選んでください。")
        return back
    data = form.cleaned_data
    try:
        if data["decision"] == "approve":
            services.approve(entries=[entry], user=request.user, version=data["version"])
            messages.success(request, f"{entry.reference} を承認しました。")
        else:
            services.return_to_section(
                entries=[entry], user=request.user, comment=data["comment"], version=data["version"]
            )
            messages.success(request, f"{entry.reference} を差戻しました。")
    except services.WorkflowError as error:
        messages.error(request, workflow_error_message(error))
    return back


@require_POST
def entry_bulk(request, *, pages):
    """The HQ's action on the rows selected on the list, then back to the list with its
    filters. Every row is checked with the version the list showed: rows changed since are left
    alone and named; any other refusal changes nothing."""
    filters = pages.filterset_for(request.GET, request).data.urlencode()
    choices = [(pk, pk) for pk in request.POST.getlist("selected") if pk.isdecimal()]
    form = pages.bulk_form(request.POST, choices=choices)
    _run_bulk(request, pages, form)
    return redirect(f"{reverse(pages.names['list'])}?{filters}")


def seen_versions(post):
    """{pk: version} of the rows as the list showed them (its hidden version-<pk> fields)."""
    versions = {}
    for name, value in post.items():
        pk = name.removeprefix("version-")
        if pk != name and pk.isdecimal() and value.isdecimal():
            versions[int(pk)] = int(value)
    return versions


def _run_bulk(request, pages, form):
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return
    data = form.cleaned_data
    entries = get_entries_for_user(pages.entries(), request.user, data["selected"], action="review")
    versions = seen_versions(request.POST)
    try:
        if data["action"] == "approve":
            result = services.approve(entries=entries, user=request.user, versions=versions)
            done = "承認しました"
        elif data["action"] == "return":
            result = services.return_to_section(
                entries=entries, user=request.user, comment=data["comment"], versions=versions
            )
            done = "差戻しました"
        else:
            run = pages.bulk_actions[data["action"]]
            result, done = run(request, entries, data, versions)
    except services.WorkflowError as error:
        messages.error(request, workflow_error_message(error) + " どの行も変更していません。")
        return
    done_count = len(result.written) + len(result.unchanged)
    if done_count:
        messages.success(request, f"{done_count} 件を{done}。")
    if result.stale:
        messages.warning(
            request, f"{services.ERROR_CHANGED_SINCE}（対象: {references(result.stale)}）"
        )
    for entry, reason in result.skipped:
        messages.warning(request, f"{reason}（対象: {entry.reference}）")


def period_list(request):
    periods = ReportingPeriod.objects.order_by("-results_until")
    return render(
        request,
        "reporting/period_list.html",
        {
            "periods": periods,
            "may_manage": may_manage_periods(request.user),
            "documents": documents(),
            "links": [(label, reverse(url_name)) for label, url_name in _period_links],
        },
    )


def period_new(request):
    """Opening a period shows first what the current one still lacks, by section, and asks
    the HQ to confirm; code, name and dates are proposed from the last period."""
    check_may_manage_periods(request.user)
    current = current_period()
    last = ReportingPeriod.objects.order_by("-results_until").first()
    unfinished = unfinished_by_organization(current)
    form = PeriodForm(
        request.POST or None, initial=next_period(last), last=last, unfinished=bool(unfinished)
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in PeriodForm.Meta.fields}
        period = services.open_period(user=request.user, **data)
        messages.success(
            request,
            f"{period.name} を開始しました。全ての行の報告を前の期間の内容で作成しました"
            f"（状態: {EntryState.NOT_STARTED.label}）。",
        )
        return redirect("reporting:periods")
    return render(
        request,
        "reporting/period_form.html",
        {"form": form, "current": current, "unfinished": unfinished, "documents": documents()},
    )


def period_meeting(request, code):
    """The HQ names the meeting (and its date) that 資料2 of the period is headed with."""
    check_may_manage_periods(request.user)
    period = get_object_or_404(ReportingPeriod, code=code)
    form = MeetingForm(request.POST or None, instance=period)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{period.name} の資料2の会議名と日付を保存しました。")
        return redirect("reporting:periods")
    return render(request, "reporting/period_meeting.html", {"form": form, "period": period})


def period_close(request, code):
    """GET asks for confirmation and names what is unfinished; POST with confirm closes."""
    check_may_manage_periods(request.user)
    period = get_object_or_404(ReportingPeriod, code=code)
    if period.is_closed:
        messages.error(request, f"{period.name} は既に締め切られています。")
        return redirect("reporting:periods")
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        services.close_period(period=period, user=request.user)
        messages.success(
            request, f"{period.name} を締め切りました。以後は管理者以外は変更できません。"
        )
        return redirect("reporting:periods")
    return render(
        request,
        "reporting/period_close.html",
        {
            "period": period,
            "unfinished": unfinished_by_organization(period),
            "documents": documents(),
        },
    )
