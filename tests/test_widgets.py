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


@pytest.mark.parametrize(
    "value",
    ["", "研修を実施", "<b>", "a & b", '"quoted"', "it's", "＜全角＞＆", 123, "&amp;", "x<y>z&'\""],
)
def test_the_lists_escape_writes_what_djangos_escape_writes(value):
    from django.utils.html import escape as django_escape

    from core.escape import escape

    assert escape(value) == str(django_escape(value))
