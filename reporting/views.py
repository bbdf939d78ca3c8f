"""Pages and view helpers shared by both documents: periods, review and bulk actions."""

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject

from core.models import ListRevision
from reporting import services
from reporting.access import (
    check_may_manage_periods,
    current_period,
    get_entries_for_user,
    may_manage_periods,
    may_review_entries,
)
from reporting.forms import MeetingForm, PeriodForm, ReviewForm
from reporting.models import EntryState, ReportingPeriod
from reporting.periods import next_period, unfinished_by_organization

PAGE_SIZE = 50


def paginate(request, queryset):
    """The requested page of `queryset`. The total comes with the rows (a window count), so a
    page costs one query instead of two; a page past the end, a bad number or a DISTINCT query
    (whose window would count duplicates) goes through Django's paginator."""
    paginator = Paginator(queryset, PAGE_SIZE)
    number = request.GET.get("page") or "1"
    if number.isdigit() and int(number) > 0 and not queryset.query.distinct:
        start = (int(number) - 1) * PAGE_SIZE
        rows = list(queryset.annotate(total_rows=Window(Count("*")))[start : start + PAGE_SIZE])
        if rows:
            paginator.count = rows[0].total_rows
            return Page(rows, int(number), paginator)
    return paginator.get_page(number)


# The values by which django-filter's BooleanFilter (自分の担当分) restricts the list.
TRUE_VALUES = {"true", "True", "1"}


def render_list(request, template, filterset_for, bulk_form, *, app):
    """A document's list page. All of it but the bulk form's CSRF token is kept in the cache
    (the template's {% cache %} block) per revision of the rows it shows (the period's, of the
    organisations chosen or 自分の担当分, see ListRevision), HQ or not, user (for 自分の担当分)
    and query; the FilterSet and the page are built only when that block renders."""
    filterset = SimpleLazyObject(lambda: filterset_for(request.GET, request))
    may_bulk = may_review_entries(request.user)
    mine = request.user.pk if "mine" in request.GET else ""
    member = request.user.pk if request.GET.get("mine") in TRUE_VALUES else None
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": SimpleLazyObject(lambda: paginate(request, filterset.qs)),
            "may_bulk": may_bulk,
            "bulk_form": bulk_form,
            "cache_key": [
                ListRevision.of_list(app, request.GET, member),
                may_bulk,
                mine,
                request.get_full_path(),
            ],
        },
    )


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


def review(request, entry):
    """Approve or return one entry from its detail page (POST only)."""
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "判断（承認する／差戻す）を選んでください。")
        return redirect(request.path.rsplit("review/", 1)[0])
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
    return redirect(request.path.rsplit("review/", 1)[0])


def bulk(request, queryset, form_class, filterset_for, *, extra_actions=None):
    """A document's bulk view (POST from its list): run the HQ's action on the selected rows,
    then back to the list with its filters. Every row is checked with the version the list
    showed: rows changed since are left alone and named; any other refusal changes nothing."""
    filters = filterset_for(request.GET, request).data.urlencode()
    back = f"{request.path.rsplit('bulk/', 1)[0]}?{filters}"
    choices = [(pk, pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
    _run_bulk(request, queryset, form_class(request.POST, choices=choices), extra_actions)
    return redirect(back)


def seen_versions(post):
    """{pk: version} of the rows as the list showed them (its hidden version-<pk> fields)."""
    versions = {}
    for name, value in post.items():
        pk = name.removeprefix("version-")
        if pk != name and pk.isdigit() and value.isdigit():
            versions[int(pk)] = int(value)
    return versions


def _run_bulk(request, queryset, form, extra_actions):
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return
    data = form.cleaned_data
    entries = get_entries_for_user(queryset, request.user, data["selected"], action="review")
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
            result, done = extra_actions[data["action"]](entries, data, versions)
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
        {"periods": periods, "may_manage": may_manage_periods(request.user)},
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
        {"form": form, "current": current, "unfinished": unfinished},
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
        {"period": period, "unfinished": unfinished_by_organization(period)},
    )
