import datetime

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.escape import escape as fast_escape
from core.wareki import era_date_label


def _attributes(attrs):
    """Attributes as Django's widget template writes them: in order, True as a bare name."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


def options_html(choices):
    """<option> elements of (value, label) pairs, none selected."""
    # core.escape: what django's escape gives, without its costs over a few hundred options.
    return "".join(
        f'<option value="{fast_escape(option)}">{fast_escape(label)}</option>'
        for option, label in choices
    )


class FastSelect(forms.Select):
    """The HTML of Django's Select, built in Python. A list page's filter form renders every
    choice of every filter on each request, and rendering a template per option cost more than
    the rest of the page. Choices that offer their <option> elements ready (options_html(), as
    the filters' lists that PostgreSQL writes do: reporting/choices.py) are shown as they are,
    the chosen one marked."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = (
            "" if value is None else str(value[0] if isinstance(value, list | tuple) else value)
        )
        written = getattr(self.choices, "options_html", None)
        options = written() if written is not None else None
        if options is None:
            options = "".join(
                f'<option value="{fast_escape(option)}"'
                f"{' selected' if str(option) == chosen else ''}>{fast_escape(label)}</option>"
                for option, label in self.choices
            )
        else:
            # The first option of the chosen value, as Django's Select marks one only.
            start = f'<option value="{fast_escape(chosen)}"'
            options = options.replace(start, f"{start} selected", 1)
        attributes = _attributes(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')


class FastInputMixin:
    """The HTML of Django's <input> widgets (django/forms/widgets/input.html), built in Python:
    rendering a template for each costs a list's filter form more than the rest of its fields."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
        attributes = _attributes(widget["attrs"])
        return mark_safe(
            f'<input type="{escape(widget["type"])}" name="{escape(name)}"{value}{attributes}>'
        )


# Named as Django's: a field's widget_type, which templates/includes/field.html lays a checkbox
# out by, comes from the widget's class name.
class TextInput(FastInputMixin, forms.TextInput):
    pass


class CheckboxInput(FastInputMixin, forms.CheckboxInput):
    pass


class EraDateInput(forms.DateInput):
    """The browser's date picker with the date in the Japanese era beside it (令和５年９月30日),
    kept up to date by static/js/era-date.js as the user picks."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        era_id = f"{attrs.get('id', name)}_era"
        attrs["aria-describedby"] = " ".join(filter(None, [attrs.get("aria-describedby"), era_id]))
        html = super().render(name, value, attrs, renderer)
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                value = None
        era = era_date_label(value) if isinstance(value, datetime.date) else ""
        return mark_safe(
            f'{html}<span class="era-date" id="{escape(era_id)}" aria-live="polite">'
            f"{escape(era)}</span>"
        )
