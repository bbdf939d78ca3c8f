from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reporting.models import ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
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
