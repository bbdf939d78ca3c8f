from django.contrib import admin
from django.utils.html import format_html_join
from rules.contrib.admin import ObjectPermissionsModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from departments.models import Organization
from departments.retirement import OrganizationLinksForm
from flatfiles.formats import FlatImportExportMixin
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    Classification,
    ImplementationStatus,
    Policy,
    Recommendation,
    VerificationReport,
)
from recommendations.resources import (
    ActionReportResource,
    ActionResource,
    ChapterResource,
    ImplementationStatusResource,
    PolicyResource,
    RecommendationResource,
    VerificationReportResource,
)
from recommendations.services import PARAGRAPHS, StatusInput, stored_paragraphs
from reporting import services
from reporting.admin import ADMIN_REASON, EntryAdminMixin, VersionCheckedForm, WriterRefusals


class ChapterInline(admin.TabularInline):
    model = Chapter
    extra = 0


@admin.register(VerificationReport)
class VerificationReportAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [VerificationReportResource]
    list_display = ["title", "document_title"]
    inlines = [ChapterInline]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0


@admin.register(Chapter)
class ChapterAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ChapterResource]
    list_display = ["mark", "title", "report"]
    list_display_links = ["mark", "title"]
    list_select_related = ["report"]
    search_fields = ["title"]
    ordering = ["report", "number"]
    inlines = [RecommendationInline]

    @admin.display(description="番号", ordering="number")
    def mark(self, obj):
        return obj.mark


@admin.register(Recommendation)
class RecommendationAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [RecommendationResource]
    list_display = ["reference", "text"]
    list_select_related = ["chapter"]
    list_filter = ["chapter"]
    search_fields = ["text"]
    ordering = ["chapter__number", "number"]

    @admin.display(description="番号", ordering="number")
    def reference(self, obj):
        return f"{obj.chapter.mark}{obj.mark}"


class ActionInline(admin.StackedInline):
    model = Action
    fk_name = "policy"
    extra = 0
    fields = ["number", "text", "departments", "department_note", "repost_of"]
    filter_horizontal = ["departments"]
    form = OrganizationLinksForm  # a retired department stays on its rows, takes no new ones
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "repost_of":
            kwargs["queryset"] = Action.objects.filter(repost_of=None).select_related(
                "policy__chapter", "repost_of"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "departments":
            kwargs["queryset"] = Organization.objects.exclude(level=Organization.Level.SECTION)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Policy)
class PolicyAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [PolicyResource]
    list_display = ["reference", "text", "recommendation_marks"]
    list_select_related = ["chapter"]
    list_filter = ["chapter"]
    search_fields = ["text"]
    ordering = ["chapter__number", "number"]
    filter_horizontal = ["recommendations"]
    inlines = [ActionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("recommendations")

    @admin.display(description="番号", ordering="number")
    def reference(self, obj):
        return f"{obj.chapter.mark}{obj.mark}"

    @admin.display(description="該当提言")
    def recommendation_marks(self, obj):
        return "".join(rec.mark for rec in obj.recommendations.all())

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "recommendations":
            kwargs["queryset"] = Recommendation.objects.select_related("chapter")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ActionReportInline(admin.TabularInline):
    """The action's 実施状況 per period; each report opens to edit its paragraphs and 区分."""

    model = ActionReport
    extra = 0
    fields = ["period", "state", "statuses_display"]
    # Shown only: a report is changed on its own change form, through the one writer.
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period").prefetch_related("statuses")

    @admin.display(description="実施状況（区分）")
    def statuses_display(self, obj):
        return format_html_join(
            "",
            "<p>{}：{}</p>",
            (
                (Classification(s.classification).mark, s.text or "（記載なし）")
                for s in obj.statuses.all()
            ),
        )


@admin.register(Action)
class ActionAdmin(FlatImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ActionResource]
    list_display = ["reference", "text_display", "departments_display", "repost_of"]
    list_filter = [
        "policy__chapter",
        ("departments", admin.RelatedOnlyFieldListFilter),
        "reports__statuses__classification",
    ]
    search_fields = ["text", "repost_of__text", "reports__statuses__text"]
    ordering = ["policy__chapter__number", "policy__number", "number"]
    filter_horizontal = ["departments"]
    form = OrganizationLinksForm
    inlines = [ActionReportInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_related()

    @admin.display(description="番号", ordering="policy__chapter__number")
    def reference(self, obj):
        return obj.reference

    @admin.display(description="具体的な取組内容")
    def text_display(self, obj):
        suffix = "【再掲】" if obj.repost_of_id else ""
        return obj.source.text.strip() + suffix

    @admin.display(description="担当部")
    def departments_display(self, obj):
        return "、".join(d.label for d in obj.departments.all())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "repost_of":
            kwargs["queryset"] = Action.objects.filter(repost_of=None).select_related(
                "policy__chapter"
            )
        elif db_field.name == "policy":
            kwargs["queryset"] = Policy.objects.select_related("chapter")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "departments":
            kwargs["queryset"] = Organization.objects.exclude(level=Organization.Level.SECTION)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ImplementationStatusInline(admin.TabularInline):
    model = ImplementationStatus
    extra = 0
    fields = ["position", "text", "classification"]


@admin.register(ActionReport)
class ActionReportAdmin(
    EntryAdminMixin, FlatImportExportMixin, ObjectPermissionsModelAdmin, SimpleHistoryAdmin
):
    resource_classes = [ActionReportResource]
    list_display = ["action_reference", "period", "state", "classifications", "updated_at"]
    list_filter = ["period", "state", "action__policy__chapter", "statuses__classification"]
    search_fields = ["statuses__text", "action__text"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    fixed_on_change = ["period", "action"]
    raw_id_fields = ["action"]
    inlines = [ImplementationStatusInline]

    def document_values(self, form, formsets):
        """The paragraphs as the inline leaves them, in their order: a stored paragraph the
        inline does not show stays as it is; only one marked for deletion goes."""
        report = form.instance
        statuses = report.statuses.order_by("position") if report.pk else []
        paragraphs = {
            s.pk: (s.position, StatusInput(s.text, s.classification, s.pk)) for s in statuses
        }
        added = []
        for formset in formsets:
            if formset.model is not ImplementationStatus:
                continue
            for inline in formset.forms:
                data = getattr(inline, "cleaned_data", None)
                pk = inline.instance.pk
                if not data or not (pk or inline.has_changed()):
                    continue
                if data.get("DELETE"):
                    paragraphs.pop(pk, None)
                    continue
                paragraph = StatusInput(data["text"], data["classification"], pk)
                if pk in paragraphs:
                    paragraphs[pk] = (data["position"], paragraph)
                else:
                    added.append((data["position"], paragraph))
        ordered = sorted([*paragraphs.values(), *added], key=lambda item: item[0])
        return {PARAGRAPHS: [paragraph for _, paragraph in ordered]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("period", "action__policy__chapter")
            .prefetch_related("statuses")
        )

    @admin.display(description="具体的な取組", ordering="action__policy__chapter__number")
    def action_reference(self, obj):
        return obj.action.reference

    @admin.display(description="区分")
    def classifications(self, obj):
        return "".join(Classification(s.classification).mark for s in obj.statuses.all())


class ParagraphForm(VersionCheckedForm):
    """A paragraph's change form checks the version of its report, which holds the paragraphs."""

    def versioned_entry(self):
        return self.instance.report if self.instance.pk else None


@admin.register(ImplementationStatus)
class ImplementationStatusAdmin(WriterRefusals, FlatImportExportMixin, SimpleHistoryAdmin):
    """A paragraph may be changed by whoever may change its report (the same rules); adding,
    changing and deleting one is a change of its report through the one writer."""

    resource_classes = [ImplementationStatusResource]
    form = ParagraphForm

    list_display = ["report", "position", "classification", "text"]
    list_filter = ["classification", "report__period", "report__action__policy__chapter"]
    search_fields = ["text"]
    list_select_related = ["report__period", "report__action__policy__chapter"]

    def get_readonly_fields(self, request, obj=None):
        return ["report"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return request.user.has_perm("recommendations.change_actionreport", obj.report)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def _write(self, request, report, paragraphs, version=None):
        try:
            services.write(
                entry=report,
                user=request.user,
                version=version,
                values={PARAGRAPHS: paragraphs},
                reason=ADMIN_REASON,
            )
        except services.WorkflowError as error:
            # The writer's own savepoint has undone whatever it began.
            request._entry_write_error = error
            return False
        return True

    def save_model(self, request, obj, form, change):
        others = [p for p in stored_paragraphs(obj.report) if p.pk != obj.pk]
        position = min(max(obj.position, 1), len(others) + 1)
        others.insert(position - 1, StatusInput(obj.text, obj.classification, obj.pk))
        version = form.cleaned_data.get("seen_version") if change else None
        if self._write(request, obj.report, others, version) and not change:
            # The admin goes on with the paragraph the writer created.
            created = ImplementationStatus.objects.get(report=obj.report, position=position)
            obj.pk, obj._state.adding = created.pk, False

    # The delete page carries the version of the report it showed (its template adds it).
    delete_confirmation_template = "admin/recommendations/implementationstatus/delete.html"

    def get_actions(self, request):
        # 「選択された…の削除」 would delete paragraphs of several reports without the versions
        # the list showed, and report success whatever the writer said: one at a time, on the
        # paragraph's delete page or in its report's form.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        status = self.get_object(request, object_id)
        if status is not None:
            extra_context = {**(extra_context or {}), "seen_version": status.report.version}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        others = [p for p in stored_paragraphs(obj.report) if p.pk != obj.pk]
        seen = request.POST.get("seen_version", "")
        # No version (a form from before, or forged): never the current one, so refused as stale.
        version = int(seen) if seen.isdecimal() else -1
        if self._write(request, obj.report, others, version):
            super().log_deletions(request, [obj])

    def log_deletions(self, request, queryset):
        # The admin logs a deletion before making it: logged by delete_model once written.
        return []

    def delete_queryset(self, request, queryset):
        for status in queryset.select_related("report"):
            self.delete_model(request, status)
