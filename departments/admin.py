from django.contrib import admin, messages
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from departments import services
from departments.models import Bureau, Department, JobCategory, Organization, Section
from departments.resources import (
    BureauResource,
    DepartmentResource,
    JobCategoryResource,
    SectionResource,
)
from flatfiles.formats import FlatImportExportMixin

# The three levels are proxies of Organization and share its history, which simple_history's
# history page looks up under each model's own options (without this the page is a 500).
for _proxy in (Bureau, Department, Section):
    _proxy._meta.simple_history_manager_attribute = (
        Organization._meta.simple_history_manager_attribute
    )


@admin.action(
    description="選んだ組織を別の部・局へ移動する（影響を確認してから）", permissions=["change"]
)
def move_organizations(modeladmin, request, queryset):
    """Moving is a reorganisation, not a form edit: choose where, see the rows and users it
    touches, then confirm. Only for those who may change organisations."""
    organizations = list(queryset.order_by("sort_order", "label"))
    levels = set().union(*(services.ALLOWED_PARENTS[o.level] for o in organizations))
    parents = Organization.objects.filter(level__in=levels, retired_on__isnull=True).order_by(
        "level", "sort_order", "label"
    )
    parent = parents.filter(pk=request.POST.get("parent") or None).first()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "別の部・局への移動",
        "organizations": organizations,
        "parents": parents,
        "opts": modeladmin.model._meta,
        "plan": None,
        "errors": [],
    }
    if parent is not None and "apply" in request.POST:
        try:
            services.move_organizations(by=request.user, organizations=organizations, parent=parent)
        except services.MoveError as error:
            context["errors"] = error.messages
        else:
            modeladmin.message_user(
                request,
                f"{len(organizations)} 件の組織を「{parent}」へ移動しました。",
                messages.SUCCESS,
            )
            return None
    if parent is not None:
        context["plan"] = services.plan_move(organizations=organizations, parent=parent)
        context["errors"] = context["errors"] or context["plan"].errors
    return TemplateResponse(request, "admin/departments/move.html", context)


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
    list_display = ["label", "name", "parent", "sort_order", "retired_on"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter), "retired_on"]
    fields = ["name", "parent", "sort_order", "retired_on"]
    actions = [move_organizations]


@admin.register(Section)
class SectionAdmin(OrganizationAdmin):
    resource_classes = [SectionResource]
    list_display = ["label", "name", "parent", "sort_order", "retired_on"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter), "retired_on"]
    fields = ["name", "parent", "sort_order", "retired_on"]
    parent_levels = [Organization.Level.BUREAU, Organization.Level.DEPARTMENT]
    actions = [move_organizations]


@admin.register(JobCategory)
class JobCategoryAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [JobCategoryResource]
    list_display = ["name", "sort_order"]
    search_fields = ["name"]
