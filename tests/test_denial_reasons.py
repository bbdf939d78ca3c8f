"""A refused write says exactly why, in the user's words (reporting/rules.py::denial_reason),
whichever rule refused it."""

import re

import pytest
from django.urls import reverse

from initiatives.models import ProgressEntry
from reporting.models import EntryState, ReportingPeriod
from tests.helpers import current_entry, progress_post, set_state, snapshot

pytestmark = pytest.mark.django_db

CLOSED = "締切済みの期間の報告は変更できません。"
APPROVED = "承認済みの報告は変更できません（推進本部が差戻すと編集できます）。"
NOT_YOURS = "この行は担当の課・部の利用者と推進本部だけが変更できます。"
UNDER_REVIEW = "提出済みの報告は推進本部の確認中のため変更できません。"
NOT_ALLOWED = "この操作を行う権限がありません。"


def hogos():
    return current_entry("保）保護課", exclude_section="子）地域連携課")


def others():
    return (
        ProgressEntry.objects.filter(period__code="R5H1")
        .exclude(initiative__sections__label="保）保護課")
        .order_by("pk")
        .first()
    )


def edit(entry, submit=False):
    return reverse("initiatives:edit", args=[entry.pk]), progress_post(entry, submit=submit)


def review(entry):
    data = {"decision": "approve", "comment": "", "version": entry.version}
    return reverse("initiatives:review", args=[entry.pk]), data


@pytest.mark.parametrize(
    ("user", "row", "state", "closed", "request_for", "reason"),
    [
        ("hogo", hogos, EntryState.DRAFT, True, edit, CLOSED),
        ("honbu", hogos, EntryState.SUBMITTED, True, review, CLOSED),
        ("hogo", hogos, EntryState.APPROVED, False, edit, APPROVED),
        ("honbu", others, EntryState.APPROVED, False, edit, APPROVED),
        ("hogo", others, EntryState.DRAFT, False, edit, NOT_YOURS),
        ("hogo", hogos, EntryState.SUBMITTED, False, edit, UNDER_REVIEW),
        ("hogo", hogos, EntryState.DRAFT, False, review, NOT_ALLOWED),
    ],
)
def test_the_refusal_names_its_reason(
    client, django_user_model, user, row, state, closed, request_for, reason
):
    entry = set_state(row(), state)
    if closed:
        ReportingPeriod.objects.filter(pk=entry.period_id).update(is_closed=True)
    before = snapshot(entry)
    client.force_login(django_user_model.objects.get(username=user))
    url, data = request_for(entry)

    response = client.post(url, data)

    assert response.status_code == 403
    shown = re.search(r'role="alert">\s*<p>(.*?)</p>', response.content.decode(), re.S)
    assert shown and shown.group(1).strip() == reason
    assert snapshot(entry) == before
