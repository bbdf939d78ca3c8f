from django.contrib import admin
from django.db.models import Prefetch
from rules.contrib.admin import ObjectPermissionsModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from departments.models import Organization
from departments.retirement import OrganizationLinksForm
from flatfiles.formats import FlatImportExportMixin
from initiatives.models import Category, Initiative, ProgressEntry, Subclass
from initiatives.resources import (
    CategoryResource,
    InitiativeResource,
    ProgressEntryResource,
    SubclassResource,
)
from reporting.admin import EntryAdminMixin


class SubclassInline(admin.TabularInline):
    model = Subclass
    extra = 0


@admin.register(Category)
class CategoryAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [CategoryResource]
    list_display = ["number", "title"]
    search_fields = ["title"]
    inlines = [SubclassInline]


@admin.register(Subclass)
class SubclassAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [SubclassResource]
    list_display = ["category", "number", "name"]
    list_select_related = ["category"]
    list_filter = ["category"]


class ProgressEntryInline(admin.StackedInline):
    """Shown only: an entry is changed on its own change form, through the one writer."""

    model = ProgressEntry
    extra = 0
    fields = ["period", "state", "results", "plans", "return_comment", "version"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period")


def section_labels(sections):
    return "、".join(section.label for section in sections)


@admin.register(Initiative)
class InitiativeAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [InitiativeResource]
    list_display = ["reference", "job_category", "sections_display", "repost_of"]
    list_filter = [
        "category",
        "subclass",
        "job_category",
        ("sections", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["entries__results", "entries__plans", "sections__label"]
    ordering = ["category__number", "subclass__number", "number"]
    filter_horizontal = ["sections"]
    form = OrganizationLinksForm  # a retired section stays on its rows, takes no new ones
    inlines = [ProgressEntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_related()

    @admin.display(description="取組番号", ordering="number")
    def reference(self, obj):
        return obj.reference

    @admin.display(description="担当課")
    def sections_display(self, obj):
        return section_labels(obj.sections.all())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "repost_of":
            kwargs["queryset"] = Initiative.objects.with_related()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProgressEntry)
class ProgressEntryAdmin(
    EntryAdminMixin, FlatImportExportMixin, ObjectPermissionsModelAdmin, SimpleHistoryAdmin
):
    resource_classes = [ProgressEntryResource]
    list_display = [
        "initiative_reference",
        "period",
        "job_category",
        "sections_display",
        "state",
        "updated_at",
    ]
    list_filter = ["period", "state", "initiative__category", "initiative__job_category"]
    search_fields = ["results", "plans", "initiative__sections__label"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    fixed_on_change = ["period", "initiative"]
    raw_id_fields = ["initiative"]

    def document_values(self, form, formsets):
        return {name: form.cleaned_data[name] for name in ("results", "plans")}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "period",
                "initiative__category",
                "initiative__subclass",
                "initiative__job_category",
            )
            .prefetch_related(
                Prefetch("initiative__sections", queryset=Organization.objects.only("label"))
            )
        )

    @admin.display(description="取組", ordering="initiative__category__number")
    def initiative_reference(self, obj):
        return obj.initiative.reference

    @admin.display(description="対象職種")
    def job_category(self, obj):
        return obj.initiative.job_category

    @admin.display(description="担当課")
    def sections_display(self, obj):
        return section_labels(obj.initiative.sections.all())
