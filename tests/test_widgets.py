"""The fast select and inputs render exactly what Django's own widgets do."""

import pytest
from django import forms
from django.utils.choices import BaseChoiceIterator

from core import widgets
from core.widgets import FastSelect

CHOICES = [("", "すべて"), ("1", "Ａ & <b>"), ("2", "保）保護課"), (3, '引用"符')]


@pytest.mark.parametrize("value", [None, "", "2", 3, ["1"]])
def test_fast_select_matches_django_select(value):
    attrs = {"id": "id_x", "aria-describedby": "id_x_helptext"}
    ours = FastSelect(choices=CHOICES).render("x", value, attrs)
    django = forms.Select(choices=CHOICES).render("x", value, attrs)
    normalise = lambda html: " ".join(html.replace("\n", " ").split()).replace("> <", "><")  # noqa: E731
    assert normalise(ours) == normalise(django)


class WrittenChoices(BaseChoiceIterator):
    """Choices that offer their <option> elements ready, as the filters' lists PostgreSQL
    writes do (reporting/choices.py)."""

    def __init__(self, choices):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)

    def options_html(self):
        return widgets.options_html(self.choices)


@pytest.mark.parametrize("value", [None, "", "1", 1, "2", 3, ["1"], "10", "4", 'x"'])
def test_fast_select_of_written_options_matches_django_select(value):
    choices = [*CHOICES, (10, "十"), (1, "重複した値")]
    attrs = {"id": "id_x"}
    select = FastSelect(choices=WrittenChoices(choices))
    assert isinstance(select.choices, WrittenChoices)  # taken as it is
    ours = select.render("x", value, attrs)
    django = forms.Select(choices=choices).render("x", value, attrs)
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


INPUT_ATTRS = [
    {"id": "id_q", "aria-describedby": "id_q_helptext"},
    {"id": "id_q", "required": True, "disabled": False, "placeholder": 'x<"&>'},
    None,
]


@pytest.mark.parametrize("attrs", INPUT_ATTRS)
@pytest.mark.parametrize("value", [None, "", "研修", "<script>\"&'", 12])
def test_fast_text_input_matches_djangos(value, attrs):
    ours = widgets.TextInput(attrs={"type": "search"}).render("q", value, attrs)
    assert ours == forms.TextInput(attrs={"type": "search"}).render("q", value, attrs)


@pytest.mark.parametrize("attrs", INPUT_ATTRS)
@pytest.mark.parametrize("value", [None, "", True, False, "true", "on"])
def test_fast_checkbox_matches_djangos(value, attrs):
    ours = widgets.CheckboxInput(attrs={"value": "true"}).render("mine", value, attrs)
    assert ours == forms.CheckboxInput(attrs={"value": "true"}).render("mine", value, attrs)


def test_fast_inputs_are_laid_out_as_djangos_by_the_field_template():
    """templates/includes/field.html puts a checkbox before its label by its widget_type."""

    class Form(forms.Form):
        q = forms.CharField(widget=widgets.TextInput)
        mine = forms.BooleanField(widget=widgets.CheckboxInput)

    form = Form()
    assert [field.widget_type for field in form] == ["text", "checkbox"]
