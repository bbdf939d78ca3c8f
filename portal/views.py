from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render

from initiatives.selectors import filter_progress_entries
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
    context["entries"] = list(entries)
    context["reports"] = list(filter_action_reports(mine, request).qs)
    if context["is_reviewer"]:
        waiting = _query(period=period.code, state=EntryState.SUBMITTED)
        context["waiting_query"] = waiting.urlencode()
        context["waiting_entries"] = filter_progress_entries(waiting).qs.count()
        context["waiting_reports"] = filter_action_reports(waiting).qs.count()
    return render(request, "portal/home.html", context)


@login_not_required
def healthz(request):
    """For the load balancer: the app answers. With a session cookie it also reads the session
    and the user, which makes it the load test's baseline: the least any logged-in page costs."""
    return HttpResponse(
        "ok" if not request.user.is_authenticated else "ok user", content_type="text/plain"
    )
