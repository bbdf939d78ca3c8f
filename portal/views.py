from django.http import QueryDict
from django.shortcuts import render

from initiatives.selectors import (
    attach_shown_results,
    entries_answered_by,
    filter_progress_entries,
)
from recommendations.selectors import filter_action_reports, reports_answered_by
from reporting.access import current_period, may_review_entries
from reporting.models import EntryState


def home(request):
    """自課の取組: the rows the user's sections answer for in the current period; for the HQ,
    also what waits for review."""
    period = current_period()
    context = {"period": period, "is_reviewer": may_review_entries(request.user)}
    if period is not None:
        entries = attach_shown_results(list(entries_answered_by(request.user, period)))
        context["entries"] = entries
        context["reports"] = list(reports_answered_by(request.user, period))
        if context["is_reviewer"]:
            # The same filters as the list pages, so each count links to exactly its rows.
            waiting = QueryDict(mutable=True)
            waiting.update({"period": period.code, "state": EntryState.SUBMITTED})
            context["waiting_query"] = waiting.urlencode()
            context["waiting_entries"] = filter_progress_entries(waiting).qs.count()
            context["waiting_reports"] = filter_action_reports(waiting).qs.count()
    return render(request, "portal/home.html", context)
