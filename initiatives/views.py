from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cycle.views import conversation_for
from initiatives import selectors
from initiatives.forms import ProgressForm
from reporting import services
from reporting import views as workflow
from reporting.access import allowed_actions, check
from reporting.forms import BulkForm, ReviewForm
from reporting.services import StaleEntry, WorkflowError


def entry_list(request):
    return workflow.render_list(
        request,
        "initiatives/list.html",
        selectors.filter_progress_entries,
        BulkForm(),
        app="initiatives",
    )


def entry_detail(request, pk):
    entry = selectors.get_progress_entry_for_user(request.user, pk)
    return render(
        request,
        "initiatives/detail.html",
        {
            "entry": entry,
            "allowed": allowed_actions(request.user, entry),
            "timeline": selectors.timeline(entry),
            **conversation_for(request.user, entry, history=selectors.history(entry)),
            "review_form": ReviewForm(initial={"version": entry.version}),
        },
    )


def entry_edit(request, pk):
    entry = selectors.get_progress_entry_for_user(request.user, pk, action="change")
    submit = "submit" in request.POST
    if submit:
        check(request.user, "submit", entry)
    if request.method != "POST":
        form = ProgressForm(
            initial={"results": entry.results, "plans": entry.plans, "version": entry.version},
            entry=entry,
        )
        return render(request, "initiatives/edit.html", {"entry": entry, "form": form})

    form = ProgressForm(request.POST, entry=entry)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.write(
                entry=entry,
                user=request.user,
                version=data["version"],
                values={name: data[name] for name in ("results", "plans") if name in data},
                action=services.SUBMIT if submit else services.SAVE,
            )
        except StaleEntry as conflict:
            current = selectors.get_progress_entry_for_user(request.user, pk)
            form = ProgressForm(
                initial={**data, "version": conflict.current.version}, entry=current
            )
            return render(
                request,
                "initiatives/conflict.html",
                {"entry": current, "form": form, "mine": data, "message": conflict.message},
                status=409,
            )
        except WorkflowError as error:
            workflow.add_errors(form, error)
        else:
            done = "提出しました" if submit else "下書き保存しました"
            messages.success(request, f"{entry.reference} の報告を{done}。")
            return redirect("initiatives:detail", pk=entry.pk)
    return render(request, "initiatives/edit.html", {"entry": entry, "form": form}, status=400)


@require_POST
def entry_review(request, pk):
    entry = selectors.get_progress_entry_for_user(request.user, pk, action="review")
    return workflow.review(request, entry)


@require_POST
def entry_bulk(request):
    return workflow.bulk(
        request, selectors.progress_entries(), BulkForm, selectors.filter_progress_entries
    )
