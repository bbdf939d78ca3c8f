from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cycle.views import conversation_for
from recommendations import selectors
from recommendations.forms import ReportBulkForm, ReportForm, status_formset
from recommendations.models import Classification
from recommendations.services import PARAGRAPHS, set_classification
from reporting import services
from reporting import views as workflow
from reporting.access import allowed_actions, check
from reporting.forms import ReviewForm
from reporting.services import StaleEntry, WorkflowError


def report_list(request):
    return workflow.render_list(
        request,
        "recommendations/list.html",
        selectors.filter_action_reports,
        ReportBulkForm(),
        app="recommendations",
    )


def report_detail(request, pk):
    report = selectors.get_action_report_for_user(request.user, pk)
    return render(
        request,
        "recommendations/detail.html",
        {
            "report": report,
            "allowed": allowed_actions(request.user, report),
            "timeline": selectors.timeline(report),
            **conversation_for(request.user, report, history=selectors.history(report)),
            "review_form": ReviewForm(initial={"version": report.version}),
            "legend": Classification.choices,
        },
    )


def report_edit(request, pk):
    report = selectors.get_action_report_for_user(request.user, pk, action="change")
    submit = "submit" in request.POST
    if submit:
        check(request.user, "submit", report)
    if request.method != "POST":
        context = {
            "report": report,
            "form": ReportForm(initial={"version": report.version}),
            "formset": status_formset(report),
        }
        return render(request, "recommendations/edit.html", context)

    form = ReportForm(request.POST)
    formset = status_formset(report, data=request.POST)
    if form.is_valid() and formset.is_valid():
        try:
            services.write(
                entry=report,
                user=request.user,
                version=form.cleaned_data["version"],
                values={PARAGRAPHS: formset.paragraphs()},
                action=services.SUBMIT if submit else services.SAVE,
            )
        except StaleEntry as conflict:
            current = selectors.get_action_report_for_user(request.user, pk)
            context = {
                "report": current,
                "form": ReportForm(initial={"version": conflict.current.version}),
                "formset": formset,
                "mine": formset.paragraphs(),
                "message": conflict.message,
            }
            return render(request, "recommendations/conflict.html", context, status=409)
        except WorkflowError as error:
            workflow.add_errors(form, error)
        else:
            done = "提出しました" if submit else "下書き保存しました"
            messages.success(request, f"{report.reference} の実施状況を{done}。")
            return redirect("recommendations:detail", pk=report.pk)
    context = {"report": report, "form": form, "formset": formset}
    return render(request, "recommendations/edit.html", context, status=400)


@require_POST
def report_review(request, pk):
    report = selectors.get_action_report_for_user(request.user, pk, action="review")
    return workflow.review(request, report)


def _classify(request):
    def run(reports, data, versions):
        result = set_classification(
            reports=reports,
            user=request.user,
            classification=data["classification"],
            versions=versions,
        )
        return result, f"区分{Classification(data['classification']).mark}に設定しました"

    return run


@require_POST
def report_bulk(request):
    return workflow.bulk(
        request,
        selectors.action_reports(),
        ReportBulkForm,
        selectors.filter_action_reports,
        extra_actions={"classify": _classify(request)},
    )
