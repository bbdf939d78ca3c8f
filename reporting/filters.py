"""Pieces shared by the FilterSets of both documents."""

import copy
import functools

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator

from core import widgets
from core.widgets import FastSelect
from departments.models import Organization
from reporting import choices
from reporting.models import EntryState, ReportingPeriod


def periods_with_current(master=None):
    """All periods, newest first, and the current one (else the newest): one query, or none
    with the master data's revision (`master`) when they are in the cache."""
    periods = all_periods() if master is None else choices.cached("periods", all_periods, master)
    current = next((p for p in periods if p.is_current), periods[0] if periods else None)
    return periods, current


def all_periods():
    return list(ReportingPeriod.objects.order_by("-results_until"))


class PeriodChoiceForm(forms.Form):
    """Which period a page shows: the current one unless another is asked for."""

    period = forms.ChoiceField(label="報告期間", required=False)

    def __init__(self, data):
        super().__init__(data)
        self.periods, current = periods_with_current()
        self.fields["period"].choices = [(p.code, p.name) for p in self.periods]
        by_code = {p.code: p for p in self.periods}
        self.period = by_code.get(data.get("period")) or current
        self.initial["period"] = self.period.code if self.period else None


def organizations_with(rows):
    """The organisations that answer for some of `rows` (actions, initiatives), as a choice
    list of their labels (str(organization)), in the organisations' order. Each is looked up
    among the links (an EXISTS): as a join made DISTINCT, PostgreSQL read every link and
    grouped them (0.8 ms at 100×)."""
    field = Organization._meta.get_field(rows).field  # the rows' ManyToManyField
    links, linked = field.m2m_db_table(), field.m2m_reverse_name()
    return choices.ChoiceSource(
        value="o.id",
        label="o.label",
        rows=f"""{Organization._meta.db_table} o
            WHERE EXISTS (SELECT FROM {links} l WHERE l.{linked} = o.id)""",
        order="o.sort_order, o.label",
    )


@functools.cache
def choices_statement(filterset_class):
    """The SQL that reads the FilterSet's choice lists as kept, made once per process."""
    return choices.reading(choices.statement(filterset_class.choice_sources))


def keyword_filter(label, where):
    """The lists' キーワード box: the FilterSet's `search` method looks for it in `where`."""
    return django_filters.CharFilter(
        label=label,
        method="search",
        widget=widgets.TextInput,
        help_text=f"{where}から探します。全角・半角、大文字・小文字は区別しません。",
    )


def own_copy(filter_):
    """A copy of a FilterSet's declared filter for one instance: its own `extra` (the field's
    arguments, which the instance sets), its method bound to the copy, no field made yet."""
    copied = copy.copy(filter_)
    copied.extra = filter_.extra.copy()
    copied.__dict__.pop("_field", None)
    if filter_.method is not None:
        copied.method = filter_.method
    return copied


class ReadyChoices(BaseChoiceIterator):
    """A choice list of (value, label) pairs, got from `load()` when first gone through. Django
    normalises a list of choices, or a callable's, anew each time a field or its select goes
    through them (a filter's value checked, every option rendered): over a few hundred options
    that cost a tenth of a list's CPU with nothing cached. An iterator of this kind it takes as
    it is."""

    def __init__(self, load):
        self.load = functools.cache(load)

    def __iter__(self):
        return iter(self.load())

    def __len__(self):
        return len(self.load())

    def options_html(self):
        """The list's <option> elements as PostgreSQL wrote them (a ChoiceList's), or None."""
        return getattr(self.load(), "options", None)


class WrittenOptions(django_filters.fields.ChoiceIterator):
    """django-filter's choices of a ChoiceFilter (its empty choice, then the list) that offer a
    FastSelect their <option> elements whole when PostgreSQL wrote the list's."""

    def options_html(self):
        written = getattr(self.choices, "options_html", lambda: None)()
        if written is None:
            return None
        first = [("", self.field.empty_label), (self.field.null_value, self.field.null_label)]
        return widgets.options_html((v, label) for v, label in first if label is not None) + written


class WrittenChoiceField(django_filters.fields.ChoiceField):
    """The field of a filter whose list PostgreSQL writes (the FilterSet's choice_sources)."""

    iterator = WrittenOptions


class FreshFields(dict):
    """The fields of a form class made for one FilterSet instance: django-filter builds them
    anew from the instance's filters, so the form's deep copy of its class's fields (in
    Form.__init__) need not copy them again."""

    def __deepcopy__(self, memo):
        return dict(self)


class PeriodFilterSet(django_filters.FilterSet):
    """A FilterSet whose `period` defaults to the current period. Its choice lists come from the
    cache (reporting/choices.py), and validating a choice costs no query."""

    period = django_filters.ChoiceFilter(
        label="報告期間", field_name="period__code", empty_label=None
    )
    state = django_filters.ChoiceFilter(
        label="状態", choices=EntryState.choices, empty_label="すべて"
    )
    mine = django_filters.BooleanFilter(
        label="自分の課・部の担当分だけ",
        method="filter_mine",
        # Sends "true" when ticked (a bare checkbox sends "on", which a boolean field ignores).
        widget=widgets.CheckboxInput(attrs={"value": "true"}),
    )

    # name of filter → its reporting.choices.ChoiceSource; filled in by subclasses.
    choice_sources = {}
    # The path from an entry to the organisations that answer for it; set by subclasses.
    responsible_path = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.choice_sources:
            choices.statements.add(choices.statement(cls.choice_sources))

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # The list pages have read the master data's revision with their key (render_list).
        master = getattr(request, "master_revision", None)
        periods, current = periods_with_current(master)
        data = data.copy() if data is not None else None
        if data is not None and not data.get("period") and current is not None:
            data["period"] = current.code
        # BaseFilterSet.__init__, but for its deep copy of every filter (and of their choices),
        # which with the form's copy of its fields (FreshFields) took a tenth of a list's CPU
        # time as the first request after a write: a filter's own `extra` is all that changes.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: own_copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
        self.filters["period"].extra["choices"] = [(p.code, p.name) for p in periods]
        # Read only if the form is shown or a filter is used, and then only once.
        source = functools.cache(
            lambda: choices.cached(type(self).__name__, self.load_choices, master)
        )
        for name in self.choice_sources:
            self.filters[name].extra["choices"] = lambda name=name: source()[name]
            self.filters[name].field_class = WrittenChoiceField
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.ChoiceFilter):
                filter_.extra["widget"] = FastSelect
                given = filter_.extra["choices"]
                filter_.extra["choices"] = ReadyChoices(
                    given if callable(given) else lambda given=given: given
                )
        by_code = {p.code: p for p in periods}
        self.period = by_code.get((data or {}).get("period")) or current

    def get_form_class(self):
        form_class = super().get_form_class()
        form_class.base_fields = FreshFields(form_class.base_fields)
        return form_class

    @classmethod
    def load_choices(cls):
        return choices.load(cls.choice_sources, choices_statement(cls))

    def filter_mine(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        # The entries whose row (initiative, action) is linked to one of the user's
        # organisations, as a semi-join on the link table alone: an entry with two of the
        # user's sections is one row, and no period's entries are read but the list's (a
        # semi-join on the entries read every period's, which grew with the years).
        row, _, organizations = self.responsible_path.partition("__")
        links = queryset.model._meta.get_field(row).related_model._meta.get_field(organizations)
        answering = links.remote_field.through.objects.filter(
            **{f"{links.m2m_reverse_field_name()}__in": self.request.user.organizations.all()}
        )
        return queryset.filter(**{f"{row}__in": answering.values(links.m2m_field_name())})
