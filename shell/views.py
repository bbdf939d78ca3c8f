from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.roles import organization_ids
from reporting.access import current_period, may, may_review_entries
from shell.selectors import hq_home, section_rows


def home(request):
    """The HQ's home: what waits for its review, what it returned, who is late. Everyone's:
    自課の取組, the rows the user's sections answer for in the current period (the lists'
    自分の課・部の担当分だけ), each with the edit link only where editing is allowed."""
    period = current_period()
    context = {"period": period, "is_reviewer": may_review_entries(request.user)}
    if period is None:
        return render(request, "shell/home.html", context)
    # The organisations come along, so that asking the rules costs no query per row.
    entries, reports = section_rows(period, organization_ids(request.user))
    context["entries"] = _with_permission(request.user, entries)
    context["reports"] = _with_permission(request.user, reports)
    if context["is_reviewer"]:
        context["hq"] = hq_home(period)
    return render(request, "shell/home.html", context)


def _with_permission(user, rows):
    rows = list(rows)
    for row in rows:
        row.may_change = may(user, "change", row)
    return rows


@login_not_required
def healthz(request):
    """For the load balancer: the app answers. With a session cookie it also reads the session
    and the user, which makes it the load test's baseline: the least any logged-in page costs."""
    return HttpResponse(
        "ok" if not request.user.is_authenticated else "ok user", content_type="text/plain"
    )
