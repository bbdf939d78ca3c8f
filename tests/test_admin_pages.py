"""Every page of the admin answers: list, add, change, history (and one past version) and delete
confirmation of every registered model, opened by the administrator."""

from contextlib import suppress

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name))


def _urls(model):
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        for view in ("change", "history", "delete"):
            with suppress(NoReverseMatch):  # a model admin without that page
                urls.append(reverse(f"{info}_{view}", args=[obj.pk]))
        history = getattr(obj, "history", None)
        record = history.order_by("history_id").first() if history is not None else None
        if record is not None:
            # One past version of the row, as simple_history's history page links it (the user
            # admin keeps its history without that page).
            with suppress(NoReverseMatch):
                urls.append(reverse(f"{info}_simple_history", args=[obj.pk, record.history_id]))
    return urls


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_admin_page_of_the_model_answers(client, admin_user, model):
    client.force_login(admin_user)
    answers = {url: client.get(url).status_code for url in _urls(model)}
    assert {url: status for url, status in answers.items() if status >= 500} == {}
    assert set(answers.values()) <= {200, 302, 403}
