"""自課の取組: what a section answers for in the current period."""

import pytest
from django.urls import reverse

from initiatives.models import ProgressEntry
from recommendations.models import ActionReport
from reporting.models import EntryState

pytestmark = pytest.mark.django_db


def test_section_sees_only_its_rows_with_state_and_deadline(client, hogo):
    client.force_login(hogo)
    response = client.get(reverse("home"))
    mine = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    )
    assert {e.pk for e in response.context["entries"]} == set(mine.values_list("pk", flat=True))
    assert response.context["reports"] == []
    page = response.content.decode()
    assert "提出期限：<strong>令和５年10月31日</strong>" in page
    assert "下書き" in page


def test_department_member_sees_its_shiryo2_actions(client, jisou):
    client.force_login(jisou)
    response = client.get(reverse("home"))
    mine = ActionReport.objects.filter(
        period__code="R5H1", action__departments__label="子）児童相談所"
    )
    assert {r.pk for r in response.context["reports"]} == set(mine.values_list("pk", flat=True))
    sections = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="子）地域連携課"
    )
    assert {e.pk for e in response.context["entries"]} == set(sections.values_list("pk", flat=True))


def test_return_comment_is_shown_next_to_the_row(client, hogo):
    entry = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    ).first()
    ProgressEntry.objects.filter(pk=entry.pk).update(
        state=EntryState.RETURNED, return_comment="件数を追記してください"
    )
    client.force_login(hogo)
    page = client.get(reverse("home")).content.decode()
    assert "件数を追記してください" in page and "差戻し" in page


def test_hq_sees_what_waits_for_review(client, honbu):
    ProgressEntry.objects.filter(
        pk__in=ProgressEntry.objects.filter(period__code="R5H1").values("pk")[:2]
    ).update(state=EntryState.SUBMITTED)
    client.force_login(honbu)
    response = client.get(reverse("home"))
    assert response.context["waiting_entries"] == 2
    assert "資料3：提出済 2 件" in response.content.decode()


def test_pages_need_a_login(client):
    response = client.get(reverse("initiatives:list"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
