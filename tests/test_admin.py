"""Every model has an admin changelist that admins can use, whatever the number of rows."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import Truncator

from operations.synthetic import multiply_seed

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"accounts", "departments", "reporting", "initiatives", "recommendations"}
REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in PROJECT_APPS
)


def test_every_project_model_is_in_the_admin():
    from django.apps import apps

    models = {
        (m._meta.app_label, m._meta.model_name)
        for app in PROJECT_APPS
        for m in apps.get_app_config(app).get_models()
        if not m.__name__.startswith("Historical") and m.__name__ != "Organization"
    }
    assert models <= set(REGISTERED)


def _changelist_queries(client, app_label, model_name):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # The changelist of this model, listing its rows.
    changelist = response.context["cl"]
    assert changelist.model._meta.model_name == model_name
    assert changelist.result_count == changelist.model._default_manager.count()
    return len(queries)


def test_changelist_query_count_does_not_grow_with_rows(client, admin_user):
    client.force_login(admin_user)
    at_seed = {model: _changelist_queries(client, *model) for model in REGISTERED}
    multiply_seed(10)
    at_ten_times = {model: _changelist_queries(client, *model) for model in REGISTERED}
    grown = {m: (at_seed[m], at_ten_times[m]) for m in REGISTERED if at_ten_times[m] > at_seed[m]}
    assert grown == {}


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_change_page_opens_for_the_first_row(client, admin_user, app_label, model_name):
    client.force_login(admin_user)
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        pytest.skip("no row of this model in the seed")
    response = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]))
    assert response.status_code == 200
    # The change form of this very row, named in the page, with its fields filled in.
    assert response.context["original"] == obj
    form = response.context["adminform"].form
    assert form.instance == obj
    assert escape(Truncator(str(obj)).words(18, truncate="…")) in response.content.decode()
    filled = [
        name
        for name, field in form.fields.items()
        if name in {f.name for f in model._meta.concrete_fields}
        and form[name].value() not in (None, "", [])
    ]
    assert filled, "the form shows the row's values"


def test_changelist_is_in_document_order(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:recommendations_action_changelist"))
    references = [row.reference for row in response.context["cl"].result_list]
    assert references[:3] == ["(1)ア(ｱ)", "(1)ア(ｲ)", "(1)ア(ｳ)"]
    response = client.get(reverse("admin:initiatives_initiative_changelist"))
    rows = response.context["cl"].result_list
    assert [r.reference for r in rows[:2]] == ["1-①", "1-②"]


def test_changelist_search_finds_japanese_substring(client, admin_user):
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:initiatives_progressentry_changelist"), {"q": "４区を対象に監査"}
    )
    assert [e.initiative.reference for e in response.context["cl"].result_list] == ["1-④"]
