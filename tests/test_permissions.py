"""Who may write what: every role × (own row, another section's row, a row in a closed period)
× every write endpoint. Each refusal leaves the database exactly as it was."""

import pytest
from django.urls import reverse

from initiatives.services import create_entries_for_period
from recommendations.services import create_reports_for_period
from reporting.models import EntryState, ReportingPeriod
from tests.helpers import (
    bulk_post,
    current_entry,
    current_report,
    progress_post,
    set_state,
    snapshot,
    statuses_post,
)

pytestmark = pytest.mark.django_db

ALL = {"own", "other", "closed"}
OPEN = {"own", "other"}
# The specification, written out by hand (not derived from the rules it tests).
ALLOWED = {
    "edit": {"admin": ALL, "honbu": OPEN, "hogo": {"own"}, "jisou": {"own"}},
    "submit": {"admin": ALL, "honbu": OPEN, "hogo": {"own"}, "jisou": {"own"}},
    "return": {"admin": ALL, "honbu": OPEN, "hogo": set(), "jisou": set()},
    "approve": {"admin": ALL, "honbu": OPEN, "hogo": set(), "jisou": set()},
    "bulk": {"admin": ALL, "honbu": OPEN, "hogo": set(), "jisou": set()},
    "admin_change": {"admin": ALL, "honbu": set(), "hogo": set(), "jisou": set()},
}
# Rows by owner: for the HQ and the admin, "own" and "other" are two sections' rows.
SHIRYO3_ROWS = {"hogo": ("保）保護課", "子）地域連携課"), "jisou": ("子）地域連携課", "保）保護課")}
SHIRYO2_ROWS = {"jisou": ("子）児童相談所", "総）職員部")}


@pytest.fixture
def closed_period(db):
    period = ReportingPeriod.objects.create(
        code="R4H2",
        name="令和４年度下半期",
        results_until="2023-03-31",
        plans_from="2023-04-01",
        is_closed=True,
    )
    create_entries_for_period(period=period)
    create_reports_for_period(period=period)
    return period


def row(kind, role, which, closed_period):
    owners = (SHIRYO3_ROWS if kind == "shiryo3" else SHIRYO2_ROWS).get(role)
    if owners is None:
        owners = SHIRYO3_ROWS["hogo"] if kind == "shiryo3" else SHIRYO2_ROWS["jisou"]
    label = owners[1] if which == "other" else owners[0]
    period = closed_period.code if which == "closed" else "R5H1"
    if kind == "shiryo3":
        return current_entry(
            label, exclude_section=owners[1] if which != "other" else owners[0], period_code=period
        )
    return current_report(
        label, exclude_department=owners[1] if which != "other" else owners[0], period_code=period
    )


def post(client, kind, endpoint, entry):
    app = "initiatives" if kind == "shiryo3" else "recommendations"
    if endpoint in ("edit", "submit"):
        submit = endpoint == "submit"
        if kind == "shiryo3":
            data = progress_post(entry, submit=submit)
        else:
            data = statuses_post(entry, [(None, "追記した実施状況", "A")], submit=submit)
        return client.post(reverse(f"{app}:edit", args=[entry.pk]), data)
    if endpoint in ("return", "approve"):
        data = {"decision": endpoint, "comment": "確認してください", "version": entry.version}
        return client.post(reverse(f"{app}:review", args=[entry.pk]), data)
    if endpoint == "bulk":
        return client.post(reverse(f"{app}:bulk"), bulk_post("approve", [entry]))
    model = "progressentry" if kind == "shiryo3" else "actionreport"
    url = reverse(f"admin:{app}_{model}_change", args=[entry.pk])
    data = {
        "period": entry.period_id,
        "state": EntryState.DRAFT,
        "return_comment": "管理者の修正",
        "seen_version": entry.version,
    }
    if kind == "shiryo3":
        data |= {"initiative": entry.initiative_id, "results": "管理者の修正", "plans": entry.plans}
    else:
        data |= {"action": entry.action_id}
        data |= {
            "statuses-TOTAL_FORMS": 0,
            "statuses-INITIAL_FORMS": 0,
            "statuses-MIN_NUM_FORMS": 0,
            "statuses-MAX_NUM_FORMS": 1000,
        }
    return client.post(url, data)


CASES = [
    (kind, role, which, endpoint)
    for kind in ("shiryo3", "shiryo2")
    for role in ("admin", "honbu", "hogo", "jisou")
    for which in ("own", "other", "closed")
    for endpoint in ALLOWED
    if not (kind == "shiryo2" and role == "hogo" and which == "own")  # 保護課 answers no 資料2 row
]


@pytest.mark.parametrize(("kind", "role", "which", "endpoint"), CASES)
def test_permission_matrix(client, django_user_model, request, kind, role, which, endpoint):
    # The closed period's rows are built only for the cases that use them (a third).
    closed_period = request.getfixturevalue("closed_period") if which == "closed" else None
    entry = row(kind, role, which, closed_period)
    # Review endpoints act on submitted entries, edit endpoints on drafts.
    review = endpoint in ("return", "approve", "bulk")
    set_state(entry, EntryState.SUBMITTED if review else EntryState.DRAFT)
    before = snapshot(entry)
    client.force_login(django_user_model.objects.get(username=role))

    response = post(client, kind, endpoint, entry)

    if which in ALLOWED[endpoint][role]:
        assert response.status_code == 302, response.content.decode()[:500]
        assert snapshot(entry)["row"]["version"] > before["row"]["version"]
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:  # the admin sends people who are not staff to its login
            assert "/admin/login/" in response["Location"]
        assert snapshot(entry) == before
