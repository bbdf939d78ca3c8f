from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.flat_formats import FlatImportExportMixin
from reporting.models import ReportingPeriod
from reporting.resources import ReportingPeriodResource


class EntryAdminMixin:
    """Entries edited in the admin: the same permission rules as the pages (through
    ObjectPermissionsModelAdmin), and a new version so open edit forms become stale."""

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ReportingPeriodResource]
    list_display = [
        "name",
        "code",
        "results_until",
        "plans_from",
        "deadline",
        "is_current",
        "is_closed",
    ]
    list_filter = ["is_current", "is_closed"]
    search_fields = ["name", "code"]
