"""Every page does the same number of SQL queries with the seed and with 10× the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from operations.synthetic import multiply_seed
from tests.helpers import current_entry, current_report

pytestmark = pytest.mark.django_db

MAX_QUERIES = 15


def pages():
    entry = current_entry("保）保護課")
    report = current_report("子）児童相談所")
    return [
        ("hogo", reverse("home")),
        ("jisou", reverse("home")),
        ("honbu", reverse("home")),
        ("hogo", reverse("initiatives:list")),
        ("hogo", reverse("initiatives:list") + "?q=実施&state=draft"),
        ("honbu", reverse("recommendations:list")),
        ("honbu", reverse("recommendations:list") + "?classification=B&chapter=1&q=要対協"),
        ("hogo", reverse("initiatives:detail", args=[entry.pk])),
        ("hogo", reverse("initiatives:edit", args=[entry.pk])),
        ("jisou", reverse("recommendations:detail", args=[report.pk])),
        ("jisou", reverse("recommendations:edit", args=[report.pk])),
        ("honbu", reverse("reporting:periods")),
        ("honbu", reverse("dashboard:index")),
        ("jisou", reverse("dashboard:index")),
        ("honbu", reverse("public:summary")),
    ]


def count(client, django_user_model, username, url):
    client.force_login(django_user_model.objects.get(username=username))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_data(client, django_user_model):
    urls = pages()
    at_seed = [count(client, django_user_model, user, url) for user, url in urls]
    multiply_seed(10)
    at_ten_times = [count(client, django_user_model, user, url) for user, url in urls]
    counts = [(url, a, b) for (_, url), a, b in zip(urls, at_seed, at_ten_times, strict=True)]
    assert [(url, a, b) for url, a, b in counts if b > a] == []
    assert max(at_ten_times) <= MAX_QUERIES, counts
