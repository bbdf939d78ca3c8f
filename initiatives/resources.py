"""Flat import/export of 資料3 (see flatfiles/resources.py): categories by number, sub-classes by
name, initiatives by their reference as the pages write it (「3-研修体制の整備-⑥」, 「1-④」)."""

from departments.resources import job_category_widget, organizations_widget
from flatfiles.resources import (
    BatchedFlatResource,
    CircledNumberWidget,
    Field,
    FlatResource,
    NaturalKeyWidget,
    cell_text,
    every,
    normalized,
    number_field,
    text_field,
    verbose,
)
from initiatives.models import Category, Initiative, ProgressEntry, Subclass
from initiatives.services import written_fields
from reporting.models import MAX_TEXT_LENGTH
from reporting.resources import (
    WORKFLOW_COLUMNS,
    EntryResourceMixin,
    period_widget,
    workflow_fields,
)


def _category_by_number(text, row=None):
    number = normalized(text)
    return Category.objects.filter(number=number).first() if number.isdecimal() else None


def _number_text(category):
    return str(category.number)


def category_widget(name):
    return NaturalKeyWidget(
        name,
        key=_number_text,
        find=_category_by_number,
        preload=every(Category, _number_text),
    )


def subclass_widget(name, category_column):
    """A sub-class by its name, within the category of the row's `category_column`."""

    def find(text, row):
        category = _category_by_number(cell_text(row.get(category_column)))
        return Subclass.objects.filter(category=category, name=text).first() if category else None

    def preload():
        for subclass in Subclass.objects.select_related("category"):
            yield (subclass.name, str(subclass.category.number)), subclass

    return NaturalKeyWidget(
        name,
        key=lambda subclass: subclass.name,
        find=find,
        depends_on=(category_column,),
        preload=preload,
        required=False,
    )


def find_initiative(text, row=None):
    """「3-研修体制の整備-⑥」 or 「1-④」 (the number also as 6 or ６)."""
    parts = text.split("-")
    if len(parts) < 2:
        return None
    category, number = normalized(parts[0]), normalized(parts[-1]).strip("()")
    if not (category.isdecimal() and number.isdecimal()):
        return None
    subclass = "-".join(parts[1:-1]).strip()
    queryset = Initiative.objects.filter(category__number=category, number=number).select_related(
        "category", "subclass"
    )
    if subclass:
        return queryset.filter(subclass__name=subclass).first()
    return queryset.filter(subclass=None).first()


def _reference(obj):
    return obj.reference


def initiative_widget(name, *, required=True):
    # with_related: what the shown-only columns (対象職種, 担当課), the 【再掲】 rule and the
    # permission checks (the responsible sections) read, for every row at once.
    return NaturalKeyWidget(
        name,
        key=_reference,
        find=find_initiative,
        preload=every(Initiative.objects.with_related(), _reference),
        required=required,
    )


class CategoryResource(FlatResource):
    number = number_field(Category, "number")
    title = text_field(Category, "title")

    class Meta:
        model = Category
        fields = ("number", "title")
        import_id_fields = ("number",)

    def row_name(self, instance):
        return str(instance.number)


SUBCLASS_CATEGORY = verbose(Subclass, "category")


class SubclassResource(FlatResource):
    category = Field(
        attribute="category",
        column_name=SUBCLASS_CATEGORY,
        widget=category_widget(SUBCLASS_CATEGORY),
    )
    number = number_field(Subclass, "number")
    name = text_field(Subclass, "name")

    export_select_related = ("category",)

    class Meta:
        model = Subclass
        fields = ("category", "number", "name")
        import_id_fields = ("category", "number")

    def row_name(self, instance):
        return instance.name


CATEGORY = verbose(Initiative, "category")


class InitiativeResource(FlatResource):
    category = Field(attribute="category", column_name=CATEGORY, widget=category_widget(CATEGORY))
    subclass = Field(
        attribute="subclass",
        column_name=verbose(Initiative, "subclass"),
        widget=subclass_widget(verbose(Initiative, "subclass"), CATEGORY),
    )
    number = number_field(Initiative, "number", CircledNumberWidget)
    job_category = Field(
        attribute="job_category",
        column_name=verbose(Initiative, "job_category"),
        widget=job_category_widget(verbose(Initiative, "job_category")),
    )
    sections = Field(
        attribute="sections",
        column_name=verbose(Initiative, "sections"),
        widget=organizations_widget(verbose(Initiative, "sections")),
    )
    repost_of = Field(
        attribute="repost_of",
        column_name=verbose(Initiative, "repost_of"),
        widget=initiative_widget(verbose(Initiative, "repost_of"), required=False),
    )

    export_select_related = (
        "category",
        "subclass",
        "job_category",
        "repost_of__category",
        "repost_of__subclass",
    )
    export_prefetch_related = ("sections",)

    class Meta:
        model = Initiative
        fields = ("category", "subclass", "number", "job_category", "sections", "repost_of")
        import_id_fields = ("category", "subclass", "number")

    def row_name(self, instance):
        try:
            return instance.reference
        except Exception:
            return "この行"


INITIATIVE = verbose(ProgressEntry, "initiative")


class ProgressEntryResource(EntryResourceMixin, BatchedFlatResource):
    period = Field(
        attribute="period",
        column_name=verbose(ProgressEntry, "period"),
        widget=period_widget(verbose(ProgressEntry, "period")),
    )
    initiative = Field(
        attribute="initiative", column_name=INITIATIVE, widget=initiative_widget(INITIATIVE)
    )
    # Shown to find one's rows; they belong to the initiative (import them there).
    job_category = Field(
        attribute="initiative__job_category",
        column_name=verbose(Initiative, "job_category"),
        widget=job_category_widget(),
        readonly=True,
    )
    sections = Field(
        attribute="initiative__sections",
        column_name=verbose(Initiative, "sections"),
        widget=organizations_widget(verbose(Initiative, "sections")),
        readonly=True,
    )
    results = text_field(ProgressEntry, "results")
    plans = text_field(ProgressEntry, "plans")
    state, return_comment, version, updated_by, updated_at = workflow_fields(ProgressEntry)

    text_limits = {"results": MAX_TEXT_LENGTH, "plans": MAX_TEXT_LENGTH}
    document_fields = ("results", "plans")
    export_select_related = (
        "period",
        "updated_by",
        "initiative__category",
        "initiative__subclass",
        "initiative__job_category",
    )
    export_prefetch_related = ("initiative__sections",)
    stored_prefetch_related = ("updated_by",)

    class Meta:
        model = ProgressEntry
        fields = (
            "period",
            "initiative",
            "job_category",
            "sections",
            "results",
            "plans",
            *WORKFLOW_COLUMNS,
        )
        import_id_fields = ("period", "initiative")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        initiative = instance.initiative if instance.initiative_id else None
        if initiative and "results" not in written_fields(initiative) and instance.results.strip():
            # A 【再掲】 row shows its original's results (the edit page has no field for them).
            original = initiative.repost_of.reference
            errors.setdefault(
                "results",
                [f"【再掲】の行は空欄にしてください（再掲元 {original} の内容を表示します）。"],
            )
        super().validate_instance(instance, errors, validate_unique)
