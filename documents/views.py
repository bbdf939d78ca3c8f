"""Download 資料2 / 資料3 as the committee spreadsheets, and upload a filled-in copy."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from documents.exports import export_shiryo2, export_shiryo3
from documents.forms import DOCUMENTS, UploadForm
from documents.imports import STATUS_LABELS, import_shiryo2, import_shiryo3
from flatfiles import uploads
from initiatives.selectors import filter_progress_entries
from recommendations.selectors import filter_action_reports
from reporting.access import may_review_entries, may_view
from reporting.models import ReportingPeriod

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FILTERS = {"period", "page"}
IMPORTS = {"shiryo2": import_shiryo2, "shiryo3": import_shiryo3}
LIST_PAGES = {"shiryo2": "recommendations:list", "shiryo3": "initiatives:list"}
UPLOAD_EXPIRED = "確認した内容の有効期限が切れました。もう一度ファイルを選んでください。"
PLAN_SALT = "documents.import.plan"


def _filtered(params):
    return any(value for key, value in params.items() if key not in NOT_FILTERS)


def _xlsx(workbook, filename):
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    workbook.save(response)
    return response


def _download(request, *, document, perm, filter_rows, row_key, export):
    """The document of the period in the query; with list filters, only the rows they select
    (the same FilterSet as the list page)."""
    if not may_view(request.user, perm):
        raise PermissionDenied
    filterset = filter_rows(request.GET, request)
    only = None
    if _filtered(request.GET):
        only = set(filterset.qs.values_list(row_key, flat=True))
    workbook = export(filterset.period, only=only)
    suffix = "（絞り込み）" if only is not None else ""
    return _xlsx(workbook, f"{document}_{filterset.period.name}{suffix}.xlsx")


def download_shiryo3(request):
    return _download(
        request,
        document="資料3",
        perm="initiatives.view_progressentry",
        filter_rows=filter_progress_entries,
        row_key="initiative_id",
        export=export_shiryo3,
    )


def download_shiryo2(request):
    return _download(
        request,
        document="資料2",
        perm="recommendations.view_actionreport",
        filter_rows=filter_action_reports,
        row_key="action_id",
        export=export_shiryo2,
    )


def _preview(request, result, document, period, *, form=None, token=None, status=200):
    plan = None
    if token:
        # What the preview showed, signed: the confirm applies exactly this or nothing.
        data = {"token": token, "document": document, "period": period.code}
        plan = signing.dumps({**data, "expected": result.expected}, salt=PLAN_SALT)
    context = {
        "form": form,
        "result": result,
        "document": document,
        "document_label": dict(DOCUMENTS)[document],
        "period": period,
        "token": token,
        "plan": plan,
        "labels": STATUS_LABELS,
        "may_overwrite": may_review_entries(request.user),
    }
    return render(request, "documents/preview.html", context, status=status)


def upload(request):
    """Choose a file and see what importing it would do; nothing is written yet."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        content = data["file"].read()
        period = ReportingPeriod.objects.get(code=data["period"])
        result = IMPORTS[data["document"]](
            file=content, period=period, user=request.user, dry_run=True
        )
        token = uploads.keep(content) if result.ok else None
        return _preview(request, result, data["document"], period, form=form, token=token)
    return render(request, "documents/upload.html", {"form": form})


@require_POST
def confirm(request):
    """Import the file shown in the preview, as the preview showed it (the conflicts the HQ
    chose included): all of it, or — if anything is now wrong or moved since — none."""
    try:
        plan = signing.loads(
            request.POST.get("plan", ""), salt=PLAN_SALT, max_age=uploads.MAX_AGE_SECONDS
        )
    except signing.BadSignature:
        plan = {}
    document, token = plan.get("document"), plan.get("token")
    content = uploads.load(token)
    period = ReportingPeriod.objects.filter(code=plan.get("period")).first()
    if document not in IMPORTS or content is None or period is None:
        messages.error(request, UPLOAD_EXPIRED)
        return redirect("documents:upload")
    result = IMPORTS[document](
        file=content,
        period=period,
        user=request.user,
        expected=plan["expected"],
        overwrite=request.POST.getlist("overwrite"),
        confirm_removals=request.POST.get("confirm_removals") == "1",
    )
    if not result.ok:
        # The same file may be confirmed again once its removals are ticked.
        token = token if result.awaits_confirmation else None
        return _preview(request, result, document, period, token=token, status=400)
    uploads.discard(token)
    counts = result.counts
    messages.success(
        request,
        f"{period.name}の{dict(DOCUMENTS)[document]}を取り込みました（新規 {counts['new']} 件・"
        f"変更 {counts['changed']} 件・変更なし {counts['unchanged']} 件・"
        f"競合のため取り込まなかった行 {counts['conflict']} 件）。",
    )
    return redirect(f"{reverse(LIST_PAGES[document])}?period={period.code}")
