"""お知らせ on the home page: the deadline and days left, returned rows with their comments,
new comments, rows changed since the user last opened them; and the unfinished rows of an
earlier period still open stay on the section's home."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cycle.models import Comment
from cycle.selectors import NEWS_DAYS
from cycle.services import add_comment
from initiatives.models import ProgressEntry
from reporting import services
from reporting.models import EntryState, ReportingPeriod
from tests.helpers import current_entry, current_report, set_state

pytestmark = pytest.mark.django_db

HOGO_SECTION = "保）保護課"


def section(html, heading_id):
    """The text of the <section> labelled by `heading_id` ("" when the page has none)."""
    marker = f'aria-labelledby="{heading_id}"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</section>", 1)[0]


def home(client, user):
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def notices(client, user):
    return section(home(client, user), "notices-heading")


def returned(entry, comment, user):
    set_state(entry, EntryState.SUBMITTED)
    services.return_to_section(entries=[entry], user=user, comment=comment)
    entry.refresh_from_db()
    return entry


@pytest.mark.parametrize(
    ("days", "text"),
    [(5, "（あと 5 日）"), (0, "今日が期限です"), (-2, "期限を 2 日過ぎています")],
)
def test_the_deadline_and_the_days_left(client, hogo, period, days, text):
    period.deadline = timezone.localdate() + datetime.timedelta(days=days)
    period.save()
    assert text in notices(client, hogo)


def test_a_returned_row_is_told_with_its_comment(client, hogo, honbu):
    entry = returned(current_entry(HOGO_SECTION), "数値を入れてください。", honbu)
    box = notices(client, hogo)
    assert "差戻された報告（1 件）" in box
    assert f'href="/shiryo3/{entry.pk}/"' in box and "数値を入れてください。" in box


def test_a_new_comment_is_told_until_the_row_is_opened(client, hogo, honbu):
    entry = current_entry(HOGO_SECTION)
    add_comment(entry=entry, user=honbu, body="対象職種を確認させてください。")
    box = notices(client, hogo)
    assert "新しいコメントのある行（1 件）" in box
    assert "対象職種を確認させてください。" in box
    # The author is not told of their own comment.
    assert "対象職種を確認させてください。" not in notices(client, honbu)

    client.force_login(hogo)
    client.get(reverse("initiatives:detail", args=[entry.pk]))
    assert "対象職種を確認させてください。" not in notices(client, hogo)


def test_a_row_changed_by_someone_else_since_it_was_last_opened(client, hogo, honbu):
    entry = current_entry(HOGO_SECTION)
    client.force_login(hogo)
    client.get(reverse("initiatives:detail", args=[entry.pk]))
    assert "前回開いたあとに更新された行" not in notices(client, hogo)

    services.write(entry=entry, user=honbu, version=entry.version, values={"plans": "本部が補記"})
    box = notices(client, hogo)
    assert "前回開いたあとに更新された行（1 件）" in box
    assert f'href="/shiryo3/{entry.pk}/"' in box
    client.force_login(hogo)
    detail = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert "前回この行を開いた" in detail and "推進本部事務局 さんが更新しました" in detail
    assert "前回開いたあとに更新された行" not in notices(client, hogo)


def test_own_changes_are_not_news(client, hogo):
    entry = current_entry(HOGO_SECTION)
    client.force_login(hogo)
    client.get(reverse("initiatives:detail", args=[entry.pk]))
    services.write(entry=entry, user=hogo, version=entry.version, values={"plans": "自分で更新"})
    assert "前回開いたあとに更新された行" not in notices(client, hogo)


def open_next_period(user):
    return services.open_period(
        user=user,
        code="R5H2",
        name="令和５年度下半期",
        results_until=datetime.date(2024, 3, 31),
        plans_from=datetime.date(2024, 4, 1),
        deadline=datetime.date(2024, 4, 30),
    )


def test_unfinished_rows_of_the_previous_period_stay_on_the_sections_home(
    client, hogo, honbu, period
):
    rows = list(
        ProgressEntry.objects.filter(
            period=period, initiative__sections__label=HOGO_SECTION
        ).order_by("pk")
    )
    entry = returned(rows[0], "研修名を正式名称にしてください。", honbu)
    set_state(rows[1], EntryState.DRAFT)
    approved = set_state(rows[2], EntryState.APPROVED)
    open_next_period(honbu)

    earlier = section(home(client, hogo), "earlier-heading")
    assert f'href="/shiryo3/{entry.pk}/"' in earlier
    assert "研修名を正式名称にしてください。" in earlier
    assert f'href="/shiryo3/{entry.pk}/edit/"' in earlier
    assert f'href="/shiryo3/{approved.pk}/"' not in earlier
    # Every unfinished row of the old period, and only those, of hogo's section.
    unfinished = ProgressEntry.objects.filter(
        period=period,
        initiative__sections__label=HOGO_SECTION,
        state__in=[EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED],
    )
    assert earlier.count("<tr>") - 1 == unfinished.count()
    # Still editable by the section: the old period is open.
    assert client.get(reverse("initiatives:edit", args=[entry.pk])).status_code == 200

    # Approved, it leaves the list.
    set_state(entry, EntryState.SUBMITTED)
    services.approve(entries=[entry], user=honbu)
    earlier = section(home(client, hogo), "earlier-heading")
    assert f'href="/shiryo3/{entry.pk}/"' not in earlier

    # Closing the old period empties the list.
    services.close_period(period=ReportingPeriod.objects.get(code="R5H1"), user=honbu)
    assert section(home(client, hogo), "earlier-heading") == ""


def test_the_notices_cost_the_same_queries_however_many_there_are(client, hogo, honbu, period):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        client.force_login(hogo)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("home"))
        return len(captured)

    rows = list(
        ProgressEntry.objects.filter(
            period=period, initiative__sections__label=HOGO_SECTION
        ).order_by("pk")
    )
    add_comment(entry=rows[0], user=honbu, body="ひとつ目")
    queries()  # fills the per-process caches (content types)
    few = queries()
    open_next_period(honbu)
    for row in rows:
        client.force_login(hogo)
        client.get(reverse("initiatives:detail", args=[row.pk]))
        add_comment(entry=row, user=honbu, body=f"{row.pk} へのコメント")
        returned(row, f"{row.pk} の差戻し", honbu)
    box = notices(client, hogo)
    assert f"差戻された報告（{len(rows)} 件）" in box
    assert f"新しいコメントのある行（{len(rows)} 件）" in box
    assert queries() == few


def test_a_comment_on_a_departments_report_is_told_to_that_department_only(
    client, honbu, hogo, jisou
):
    report = current_report("子）児童相談所", exclude_department=HOGO_SECTION)
    add_comment(entry=report, user=honbu, body="実施状況の数値を確認させてください。")
    box = notices(client, jisou)
    assert "新しいコメントのある行（1 件）" in box
    assert f'href="/shiryo2/{report.pk}/#conversation"' in box
    assert "実施状況の数値を確認させてください。" in box
    # Another section's user is not told of a row it does not answer for.
    assert "実施状況の数値を確認させてください。" not in notices(client, hogo)


def test_the_hq_is_told_how_many_new_comments_a_row_has_and_the_latest(client, honbu, hogo):
    entry = current_entry(HOGO_SECTION)
    add_comment(entry=entry, user=hogo, body="一つ目の質問です。")
    add_comment(entry=entry, user=hogo, body="二つ目の補足です。")
    box = notices(client, honbu)
    assert "新しいコメントのある行（1 件）" in box
    assert "新しいコメント 2 件" in box
    assert "二つ目の補足です。" in box and "一つ目の質問です。" not in box


def test_comments_older_than_a_month_are_no_news(client, honbu, hogo):
    entry = current_entry(HOGO_SECTION)
    comment = add_comment(entry=entry, user=honbu, body="先月の問い合わせです。")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=NEWS_DAYS + 1)
    )
    assert "先月の問い合わせです。" not in notices(client, hogo)
