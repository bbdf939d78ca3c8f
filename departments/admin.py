from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from departments.models import Bureau, Department, JobCategory, Organization, Section
from departments.resources import (
    BureauResource,
    DepartmentResource,
    JobCategoryResource,
    SectionResource,
)
from portal.flat_formats import FlatImportExportMixin

# The three levels are proxies of Organization and share its history, which simple_history's
# history page looks up under each model's own options (without this the page is a 500).
for _proxy in (Bureau, Department, Section):
    _proxy._meta.simple_history_manager_attribute = (
        Organization._meta.simple_history_manager_attribute
    )


class OrganizationAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    list_display = ["label", "name", "parent", "sort_order"]
    list_select_related = ["parent"]
    search_fields = ["label", "name"]
    ordering = ["sort_order", "label"]
    fields = ["name", "parent", "sort_order"]
    parent_levels = [Organization.Level.BUREAU]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Organization.objects.filter(level__in=self.parent_levels)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Bureau)
class BureauAdmin(OrganizationAdmin):
    resource_classes = [BureauResource]
    list_display = ["label", "prefix", "sort_order"]
    fields = ["name", "prefix", "sort_order"]


@admin.register(Department)
class DepartmentAdmin(OrganizationAdmin):
    resource_classes = [DepartmentResource]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]


@admin.register(Section)
class SectionAdmin(OrganizationAdmin):
    resource_classes = [SectionResource]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    parent_levels = [Organization.Level.BUREAU, Organization.Level.DEPARTMENT]


@admin.register(JobCategory)
class JobCategoryAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [JobCategoryResource]
    list_display = ["name", "sort_order"]
    search_fields = ["name"]
