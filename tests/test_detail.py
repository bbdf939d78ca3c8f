"""A row's detail page: this period's texts, earlier periods beside them, and its history."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from core.wareki import number_label
from initiatives.models import ProgressEntry
from reporting.services import open_period
from tests.helpers import current_entry, progress_post

pytestmark = pytest.mark.django_db


def test_history_shows_who_changed_which_field_from_what_to_what(client, hogo):
    entry = current_entry("保）保護課")
    old_plans = entry.plans
    client.force_login(hogo)
    client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, results=entry.results, plans="新しい計画"),
    )
    response = client.get(reverse("initiatives:detail", args=[entry.pk]))
    event = response.context["history"][0]
    assert (event.user, event.action) == (hogo, "報告を変更")
    changes = {c.label: (c.old, c.new) for c in event.changes}
    # Named by the period's own heading, as on the edit form.
    assert changes == {entry.period.plans_label: (old_plans, "新しい計画")}
    assert entry.period.plans_label == "10月以降の取組"
    page = response.content.decode()
    assert "<ins>新しい計画</ins>" in page and "保護課担当" in page
    when = timezone.localtime(event.when)
    assert f"令和{number_label(when.year - 2018)}年" in page  # the moment in the era


def test_timeline_compares_with_the_previous_period(client, honbu, hogo):
    entry = current_entry("保）保護課")
    period = open_period(
        user=honbu,
        code="R5H2",
        name="令和５年度下半期",
        results_until="2024-03-31",
        plans_from="2024-04-01",
    )
    new_entry = ProgressEntry.objects.get(period=period, initiative=entry.initiative)
    client.force_login(hogo)
    plans = entry.plans + "\n・新たに研修を追加する。"
    client.post(
        reverse("initiatives:edit", args=[new_entry.pk]),
        progress_post(new_entry, results=new_entry.results, plans=plans),
    )
    response = client.get(reverse("initiatives:detail", args=[new_entry.pk]))
    timeline = response.context["timeline"]
    assert [item.period.code for item in timeline] == ["R5H1", "R5H2"]
    added = [line.text for line in timeline[1].plans_diff if line.kind == "added"]
    assert added == ["・新たに研修を追加する。"]
    page = response.content.decode()
    assert "［追加］</span>・新たに研修を追加する。" in page
    assert "令和５年度上半期" in page


@pytest.mark.parametrize(
    ("user", "own", "state", "edit", "review"),
    [
        ("hogo", True, "draft", True, False),
        ("hogo", True, "submitted", False, False),
        ("hogo", False, "draft", False, False),
        ("honbu", False, "submitted", True, True),
        ("honbu", False, "approved", False, True),
    ],
)
def test_the_detail_page_offers_only_what_the_user_may_do(
    client, django_user_model, user, own, state, edit, review
):
    from initiatives.models import ProgressEntry
    from tests.helpers import current_entry, set_state

    if own:
        entry = current_entry("保）保護課", exclude_section="子）地域連携課")
    else:
        entry = (
            ProgressEntry.objects.filter(period__code="R5H1")
            .exclude(initiative__sections__label="保）保護課")
            .order_by("pk")
            .first()
        )
    set_state(entry, state)
    client.force_login(django_user_model.objects.get(username=user))
    page = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert ("報告を編集する" in page) is edit
    assert ('id="review-heading"' in page) is review


def test_an_originals_page_names_the_places_of_its_reposts(client, jisou):
    from recommendations.models import Action, ActionReport

    repost = Action.objects.exclude(repost_of=None).order_by("pk").first()
    places = Action.objects.filter(repost_of=repost.repost_of).order_by("pk")
    report = ActionReport.objects.get(period__code="R5H1", action=repost.repost_of)
    client.force_login(jisou)
    page = client.get(reverse("recommendations:detail", args=[report.pk])).content.decode()
    named = "、".join(place.reference for place in places)
    assert f"<dt>再掲先</dt><dd>{named}（同じ取組として表示されます）</dd>" in page


def test_a_repost_rows_page_shows_its_originals_results_with_the_mark(client, hogo):
    entry = (
        ProgressEntry.objects.filter(period__code="R5H1")
        .exclude(initiative__repost_of=None)
        .select_related("initiative__repost_of")
        .order_by("pk")
        .first()
    )
    original = ProgressEntry.objects.get(period=entry.period, initiative=entry.initiative.repost_of)
    assert original.results.strip() and original.results != entry.results
    client.force_login(hogo)
    response = client.get(reverse("initiatives:detail", args=[entry.pk]))
    page = response.content.decode()
    assert f"<dd>{entry.initiative.repost_of.reference}（" in page
    shown = f'<td class="text-block">{escape(original.results)}【再掲】</td>'
    assert shown in page
    # The timeline compares what the row showed: its original's results, period by period.
    assert [item.shown_results for item in response.context["timeline"]] == [original.results]
