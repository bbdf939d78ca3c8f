from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.timezone import localtime
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from flatfiles.formats import FlatImportExportMixin
from reporting import services
from reporting.models import ReportingPeriod
from reporting.resources import ReportingPeriodResource
from reporting.workflow import blank, document_for

ADMIN_REASON = "管理画面"
ENTRY_NOT_DELETABLE = (
    "{what}は削除できません。報告期間を開くと行ごとに作られ、履歴と一緒に残します。"
    "内容を消すときは、編集ページか変更画面で文章を空にして保存してください。"
)
CONFLICT = (
    "{stale} {who}が{when}に保存した内容: {saved} "
    "（このまま保存するとあなたの入力で上書きします。見比べてから保存してください。）"
)


def saved_text(entry):
    """The document's values of `entry` as one line, for a conflict message."""
    parts = []
    for value in document_for(entry).values(entry).values():
        if isinstance(value, list):
            parts += [f"「{p.text}」（区分{p.mark}）" for p in value]
        else:
            parts.append(f"「{value}」")
    return "、".join(parts) or "（なし）"


def conflict_message(current):
    when = localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
    who = current.updated_by or "だれか"
    return CONFLICT.format(
        stale=services.ERROR_STALE, who=who, when=when, saved=saved_text(current)
    )


class VersionCheckedForm(forms.ModelForm):
    """A change form that remembers the version it was made from. On saving, the entry is
    locked (until the admin's transaction ends) and a newer version is a conflict: the form
    comes back with the saved text and who saved it, and now carries the new version, so that
    saving again is a deliberate choice."""

    seen_version = forms.IntegerField(
        label="表示したときの版", widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entry = self.versioned_entry()
        if entry is not None and entry.pk is not None:
            version = entry.version
            if getattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None) is not None:
                # A past version shown to be put back (この版に戻す): what the user has seen
                # is the entry as it is now, and a save by someone else meanwhile is a conflict.
                version = type(entry).objects.values_list("version", flat=True).get(pk=entry.pk)
            self.fields["seen_version"].initial = version

    def versioned_entry(self):
        """The entry whose version this form checks."""
        return self.instance if self.instance.pk else None

    def clean(self):
        data = super().clean()
        entry = self.versioned_entry()
        if entry is None or entry.pk is None:
            return data
        current = (
            type(entry)
            .objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .get(pk=entry.pk)
        )
        if data.get("seen_version") != current.version:
            self.data = self.data.copy()
            self.data[self.add_prefix("seen_version")] = current.version
            raise ValidationError(conflict_message(current))
        return data


class WriterRefusals:
    """An admin page whose write the one writer refused says why and stays on the form, instead
    of the admin's usual "saved" message (request._entry_write_error holds the refusal)."""

    def _refused(self, request, done="保存"):
        error = getattr(request, "_entry_write_error", None)
        if error is not None:
            messages.error(request, f"{done}していません。{error.message}")
        return error is not None

    def response_add(self, request, obj, post_url_continue=None):
        if self._refused(request):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self._refused(request):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        if self._refused(request, "削除"):
            return HttpResponseRedirect(request.path)
        return super().response_delete(request, obj_display, obj_id)


class EntryAdminMixin(WriterRefusals):
    """Entries changed in the admin go through the one writer (reporting.services.write) with
    the version the form was made from: the same rules, readiness, state moves and history as
    the pages, and nothing written when nothing changed. The permission rules come through
    ObjectPermissionsModelAdmin. A new entry is written by the writer too, from nothing."""

    form = VersionCheckedForm
    # Which row and period an entry belongs to is fixed once it exists.
    fixed_on_change = ()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + list(self.fixed_on_change) if obj is not None else fields

    def document_values(self, form, formsets):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        # Written in save_related, with the inlines' rows (資料2 paragraphs); putting a past
        # version back (simple_history's この版に戻す) has no inlines and no save_related.
        if getattr(request, "_reverting", False):
            self.save_related(request, form, [], change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """この版に戻す: the past version's fields written through the one writer, with the
        version the page was opened at (see VersionCheckedForm)."""
        request._reverting = request.method == "POST"
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_delete_permission(self, request, obj=None):
        # Entries are never deleted (a period makes one per row; the history names them): no
        # delete button, no 「選択された…の削除」 action, and delete_view says why.
        return False

    def delete_view(self, request, object_id, extra_context=None):
        what = self.model._meta.verbose_name
        messages.error(request, ENTRY_NOT_DELETABLE.format(what=what))
        opts = self.model._meta
        name = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist"
        if self.get_object(request, object_id) is not None:
            name = name.replace("_changelist", "_change")
            return HttpResponseRedirect(reverse(name, args=[object_id]))
        return HttpResponseRedirect(reverse(name))

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        for formset in formsets:
            # Written by the writer, not by the formsets (what the admin's log reads of them).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        # A new entry starts from nothing, so that the writer moves and checks its state.
        entry = form.instance if change else blank(form.instance)
        try:
            entry = services.write(
                entry=entry,
                user=request.user,
                version=data["seen_version"] if change else None,
                values=self.document_values(form, formsets),
                state=data.get("state"),
                comment=data.get("return_comment"),
                reason=ADMIN_REASON,
            )
        except services.WorkflowError as error:
            # The writer's own savepoint has undone whatever it began.
            request._entry_write_error = error
            return
        if not change:
            form.instance.pk, form.instance._state.adding = entry.pk, False

    def log_addition(self, request, obj, message):
        if getattr(request, "_entry_write_error", None) is None:
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if getattr(request, "_entry_write_error", None) is None:
            return super().log_change(request, obj, message)
        return None


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
