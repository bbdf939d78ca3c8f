"""Flat import/export of the organisation tree and the job categories (see flatfiles/resources.py).

Bureaus are identified by their name, departments and sections by their parent's label and their
name (the model's own uniqueness); the label (「保）保護課」) follows from those and is shown only.
"""

from departments.models import Bureau, Department, JobCategory, Organization, Section
from flatfiles.resources import (
    Field,
    FlatResource,
    NaturalKeysWidget,
    NaturalKeyWidget,
    NumberWidget,
    TextWidget,
    by,
    every,
    verbose,
)


def _label(org):
    return org.label


def _name(obj):
    return obj.name


def organization_widget(name, *, levels=None, required=True):
    queryset = Organization.objects.all()
    if levels:
        queryset = queryset.filter(level__in=levels)
    return NaturalKeyWidget(
        name,
        key=_label,
        find=by(queryset, "label"),
        preload=every(queryset, _label),
        required=required,
    )


def organizations_widget(name, *, required=True):
    """Several organisations by label, joined with |: 「保）保護課|区）健康・子ども課」."""
    return NaturalKeysWidget(
        name,
        model=Organization,
        key=_label,
        find=by(Organization, "label"),
        preload=every(Organization, _label),
        required=required,
    )


def job_category_widget(name="対象職種"):
    return NaturalKeyWidget(
        name, key=_name, find=by(JobCategory, "name"), preload=every(JobCategory, _name)
    )


def _text(name, *, attribute=None, model=Organization, **kwargs):
    column = verbose(model, name)
    return Field(attribute=attribute or name, column_name=column, widget=TextWidget(), **kwargs)


def _number(name, model=Organization):
    column = verbose(model, name)
    return Field(attribute=name, column_name=column, widget=NumberWidget(column))


class BureauResource(FlatResource):
    name = _text("name")
    prefix = _text("prefix")
    sort_order = _number("sort_order")

    class Meta:
        model = Bureau
        name = "局"
        fields = ("name", "prefix", "sort_order")
        import_id_fields = ("name",)

    def init_instance(self, row=None):
        return Bureau(level=Organization.Level.BUREAU)

    def row_name(self, instance):
        return instance.name


def _parent(levels):
    column = verbose(Organization, "parent")
    return Field(
        attribute="parent", column_name=column, widget=organization_widget(column, levels=levels)
    )


class _BelowBureauResource(FlatResource):
    """Departments and sections: under a bureau (or, for a section, a department)."""

    name = _text("name")
    label = _text("label", readonly=True)
    sort_order = _number("sort_order")

    export_select_related = ("parent",)
    level = None

    class Meta:
        fields = ("parent", "name", "label", "sort_order")
        import_id_fields = ("parent", "name")

    def init_instance(self, row=None):
        return self._meta.model(level=self.level)

    def row_name(self, instance):
        return instance.compute_label() if instance.parent_id else instance.name


class DepartmentResource(_BelowBureauResource):
    parent = _parent([Organization.Level.BUREAU])
    level = Organization.Level.DEPARTMENT

    class Meta:
        model = Department
        name = "部"


class SectionResource(_BelowBureauResource):
    parent = _parent([Organization.Level.BUREAU, Organization.Level.DEPARTMENT])
    level = Organization.Level.SECTION

    class Meta:
        model = Section
        name = "課"


class JobCategoryResource(FlatResource):
    name = _text("name", model=JobCategory)
    sort_order = _number("sort_order", model=JobCategory)

    class Meta:
        model = JobCategory
        fields = ("name", "sort_order")
        import_id_fields = ("name",)
