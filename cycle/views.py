"""The cycle's pages: a row's conversation and withdrawal, the keep-alive the edit pages ping
while someone types, and the HQ's list of reminders sent."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cycle import selectors, services
from cycle.forms import CommentForm, WithdrawForm
from reporting.access import may_manage_periods
from reporting.services import WorkflowError
from reporting.views import workflow_error_message
from reporting.workflow import document_by_slug


def conversation_for(user, entry, *, history):
    """The detail page's conversation panel, and the row's `history` (newest first) with the
    comments among its events; opening the page marks the row as seen."""
    context = selectors.conversation(user, entry)
    context["form"] = CommentForm()
    context["withdraw_form"] = WithdrawForm(initial={"version": entry.version})
    context["seen_at"] = selectors.mark_seen(user, entry)
    return {
        "conversation": context,
        "history": selectors.with_comments(history, context["comments"]),
    }


def _document(slug):
    document = document_by_slug(slug)
    if document is None:
        raise Http404
    return document


def _back(document, entry, anchor=""):
    return redirect(reverse(document.detail_url, args=[entry.pk]) + anchor)


@require_POST
def comment(request, slug, pk):
    document = _document(slug)
    entry = document.get_for_user(request.user, pk, action="comment")
    form = CommentForm(request.POST)
    if not form.is_valid():
        for error in form.errors["body"]:
            messages.error(request, error)
        return _back(document, entry, "#conversation")
    try:
        services.add_comment(entry=entry, user=request.user, body=form.cleaned_data["body"])
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{entry.reference} にコメントを書きました。")
    return _back(document, entry, "#conversation")


@require_POST
def withdraw(request, slug, pk):
    document = _document(slug)
    entry = document.get_for_user(request.user, pk, action="withdraw")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "画面を読み込み直してから、もう一度取下げてください。")
        return _back(document, entry)
    try:
        services.withdraw(entry=entry, user=request.user, version=form.cleaned_data["version"])
    except WorkflowError as error:
        messages.error(request, workflow_error_message(error))
    else:
        messages.success(
            request, f"{entry.reference} の提出を取下げました（状態：下書き）。直して提出できます。"
        )
    return _back(document, entry)


@login_not_required
@require_POST
def keepalive(request):
    """Typing on an edit page pings here (at most once a minute): the session's idle time
    starts again. Says how long the session has left, or 401 when it has already ended."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    request.session.modified = True
    return JsonResponse({"authenticated": True, "seconds_left": settings.SESSION_COOKIE_AGE})


def reminders(request):
    if not may_manage_periods(request.user):
        raise PermissionDenied("送信したリマインダーは推進本部だけが見られます。")
    return render(request, "cycle/reminders.html", {"reminders": selectors.sent_reminders()})
