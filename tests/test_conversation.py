"""A conversation per row: the HQ and the row's sections write comments, a return adds its
comment, nothing is overwritten, comments show on the row and never on the public page."""

import pytest
from django.urls import reverse

from cycle.models import Comment
from cycle.services import ERROR_EMPTY_COMMENT
from reporting.models import EntryState
from tests.helpers import current_entry, current_report, set_state

pytestmark = pytest.mark.django_db

HOGO_SECTION = "保）保護課"


def comments_of(entry):
    return list(
        Comment.objects.filter(object_id=entry.pk, content_type__model=entry._meta.model_name)
        .order_by("created_at", "pk")
        .values_list("author__username", "kind", "body")
    )


def comment(client, slug, entry, text):
    return client.post(reverse("cycle:comment", args=[slug, entry.pk]), {"body": text})


def test_hq_and_the_section_talk_on_a_row_and_both_see_it_on_the_detail_page(client, honbu, hogo):
    entry = current_entry(HOGO_SECTION)
    client.force_login(honbu)
    assert comment(client, "shiryo3", entry, "研修の対象を教えてください。").status_code == 302
    client.force_login(hogo)
    assert comment(client, "shiryo3", entry, "新任の職員が対象です。").status_code == 302
    assert comments_of(entry) == [
        ("honbu", Comment.Kind.COMMENT, "研修の対象を教えてください。"),
        ("hogo", Comment.Kind.COMMENT, "新任の職員が対象です。"),
    ]
    page = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert page.index("研修の対象を教えてください。") < page.index("新任の職員が対象です。")
    # The row's history has them too, newest first.
    history = page.split('aria-labelledby="history-heading"', 1)[1]
    assert history.index("新任の職員が対象です。") < history.index("研修の対象を教えてください。")


def test_each_return_adds_its_comment_and_none_is_overwritten(client, honbu):
    entry = set_state(current_entry(HOGO_SECTION), EntryState.SUBMITTED)
    client.force_login(honbu)
    for text in ("一回目の差戻し理由", "二回目の差戻し理由"):
        entry.refresh_from_db()
        set_state(entry, EntryState.SUBMITTED)
        client.post(
            reverse("initiatives:review", args=[entry.pk]),
            {"decision": "return", "comment": text, "version": entry.version},
        )
    assert comments_of(entry) == [
        ("honbu", Comment.Kind.RETURN, "一回目の差戻し理由"),
        ("honbu", Comment.Kind.RETURN, "二回目の差戻し理由"),
    ]
    page = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert "一回目の差戻し理由" in page and "二回目の差戻し理由" in page


def test_another_section_may_not_comment_and_nothing_is_written(client, jisou):
    entry = current_entry(HOGO_SECTION, exclude_section="子）地域連携課")
    client.force_login(jisou)
    assert comment(client, "shiryo3", entry, "他課からの書き込み").status_code == 403
    assert comments_of(entry) == []
    page = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert "コメントを書く" not in page


def test_an_empty_comment_is_refused_with_a_message(client, hogo):
    entry = current_entry(HOGO_SECTION)
    client.force_login(hogo)
    response = comment(client, "shiryo3", entry, "   ")
    assert comments_of(entry) == []
    assert ERROR_EMPTY_COMMENT in client.get(response.url).content.decode()


def test_no_comment_in_a_closed_period(client, hogo, period):
    entry = current_entry(HOGO_SECTION)
    period.is_closed = True
    period.save()
    client.force_login(hogo)
    assert comment(client, "shiryo3", entry, "締切後の書き込み").status_code == 403
    assert comments_of(entry) == []


def test_a_shiryo2_row_has_its_conversation_too(client, jisou):
    report = current_report("子）児童相談所")
    client.force_login(jisou)
    comment(client, "shiryo2", report, "要対協の開催回数を追記しました。")
    assert comments_of(report) == [
        ("jisou", Comment.Kind.COMMENT, "要対協の開催回数を追記しました。")
    ]
    page = client.get(reverse("recommendations:detail", args=[report.pk])).content.decode()
    assert "要対協の開催回数を追記しました。" in page


def test_comments_never_reach_the_public_page(client, honbu):
    report = current_report("子）児童相談所")
    set_state(report, EntryState.APPROVED)
    client.force_login(honbu)
    comment(client, "shiryo2", report, "内部だけのやりとり：公開しない")
    client.logout()
    for url in (reverse("public:summary"), reverse("public:csv"), reverse("public:json")):
        assert "内部だけのやりとり" not in client.get(url).content.decode()


def test_an_unknown_document_is_404(client, hogo):
    client.force_login(hogo)
    assert client.post("/cycle/shiryo9/1/comment/", {"body": "x"}).status_code == 404
