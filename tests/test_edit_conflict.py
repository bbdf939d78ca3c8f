"""No lost updates: a form made from an older version is refused with both texts shown."""

import pytest
from django.urls import reverse

from tests.helpers import current_entry, current_report, progress_post, snapshot, statuses_post

pytestmark = pytest.mark.django_db


def test_second_stale_edit_is_refused_and_both_texts_survive(client, hogo, honbu):
    entry = current_entry("保）保護課")
    stale_version = entry.version
    client.force_login(honbu)
    first = client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, plans="推進本部の修正", version=stale_version),
    )
    assert first.status_code == 302

    client.force_login(hogo)
    before = snapshot(entry)
    second = client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, plans="保護課の修正", version=stale_version),
    )
    assert second.status_code == 409
    page = second.content.decode()
    assert "ほかの利用者がこの報告を更新しました" in page
    assert "推進本部の修正" in page  # what is saved
    assert "保護課の修正" in page  # what hogo typed, not lost
    assert snapshot(entry) == before

    # The conflict page's form carries the new version: saving from it is deliberate and works.
    resubmit = progress_post(
        entry, plans="保護課の修正", version=second.context["form"]["version"].value()
    )
    assert client.post(reverse("initiatives:edit", args=[entry.pk]), resubmit).status_code == 302
    entry.refresh_from_db()
    assert entry.plans == "保護課の修正"


def test_stale_shiryo2_edit_is_refused(client, jisou, honbu):
    report = current_report("子）児童相談所")
    stale = report.version
    status = report.statuses.first()
    client.force_login(honbu)
    ok = statuses_post(report, [(status.pk, "推進本部が書いた実施状況", "A")], version=stale)
    assert client.post(reverse("recommendations:edit", args=[report.pk]), ok).status_code == 302

    client.force_login(jisou)
    before = snapshot(report)
    mine = statuses_post(report, [(status.pk, "児童相談所が書いた実施状況", "B")], version=stale)
    response = client.post(reverse("recommendations:edit", args=[report.pk]), mine)
    assert response.status_code == 409
    page = response.content.decode()
    assert "推進本部が書いた実施状況" in page
    assert "児童相談所が書いた実施状況" in page
    assert snapshot(report) == before
