from django.http import QueryDict
from django.shortcuts import render

from initiatives.selectors import attach_shown_results, filter_progress_entries
from recommendations.selectors import filter_action_reports
from reporting.access import current_period, may_review_entries
from reporting.models import EntryState


def _query(**params):
    query = QueryDict(mutable=True)
    query.update(params)
    return query


def home(request):
    """自課の取組: the rows the user's sections answer for in the current period; for the HQ,
    also what waits for review. The same filters as the list pages, so counts match their rows."""
    period = current_period()
    context = {"period": period, "is_reviewer": may_review_entries(request.user)}
    if period is None:
        return render(request, "portal/home.html", context)
    mine = _query(period=period.code, mine="true")
    entries = filter_progress_entries(mine, request).qs
    context["entries"] = attach_shown_results(list(entries))
    context["reports"] = list(filter_action_reports(mine, request).qs)
    if context["is_reviewer"]:
        waiting = _query(period=period.code, state=EntryState.SUBMITTED)
        context["waiting_query"] = waiting.urlencode()
        context["waiting_entries"] = filter_progress_entries(waiting).qs.count()
        context["waiting_reports"] = filter_action_reports(waiting).qs.count()
    return render(request, "portal/home.html", context)
