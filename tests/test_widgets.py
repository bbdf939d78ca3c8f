"""The fast select renders exactly what Django's own Select does."""

import pytest
from django import forms

from core.widgets import FastSelect

CHOICES = [("", "すべて"), ("1", "Ａ & <b>"), ("2", "保）保護課"), (3, '引用"符')]


@pytest.mark.parametrize("value", [None, "", "2", 3, ["1"]])
def test_fast_select_matches_django_select(value):
    attrs = {"id": "id_x", "aria-describedby": "id_x_helptext"}
    ours = FastSelect(choices=CHOICES).render("x", value, attrs)
    django = forms.Select(choices=CHOICES).render("x", value, attrs)
    normalise = lambda html: " ".join(html.replace("\n", " ").split()).replace("> <", "><")  # noqa: E731
    assert normalise(ours) == normalise(django)
