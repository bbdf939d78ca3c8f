from django import forms

from recommendations.models import Classification
from recommendations.services import PARAGRAPHS, StatusInput
from reporting.forms import BulkForm, EditForms, text_field

ERROR_CLASSIFICATION = "区分はＡ〜Ｄから選んでください。"
ERROR_CLASSIFICATION_REQUIRED = "区分を選んでください。"


class StatusForm(forms.Form):
    """One 実施状況 paragraph with its 区分."""

    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = text_field(
        "実施状況", help_text="区分だけで実施状況の記載がない場合は空欄のままにしてください。"
    )
    classification = forms.ChoiceField(
        label="区分",
        required=False,
        choices=[("", "選んでください"), *Classification.choices],
        error_messages={"invalid_choice": ERROR_CLASSIFICATION},
    )

    def clean(self):
        data = super().clean()
        missing = not data.get("classification") and "classification" not in self.errors
        if self.has_changed() and not data.get("DELETE") and missing:
            self.add_error("classification", ERROR_CLASSIFICATION_REQUIRED)
        return data


class BaseStatusFormSet(forms.BaseFormSet):
    def paragraphs(self):
        """The kept paragraphs in their new order (deleted and untouched blank forms left out)."""
        return [
            StatusInput(
                pk=form.cleaned_data.get("pk"),
                text=form.cleaned_data.get("text", ""),
                classification=form.cleaned_data["classification"],
            )
            for form in self.ordered_forms
        ]


StatusFormSet = forms.formset_factory(
    StatusForm, formset=BaseStatusFormSet, extra=1, can_order=True, can_delete=True, max_num=30
)


def status_formset(report, data=None):
    initial = [
        {"pk": s.pk, "text": s.text, "classification": s.classification, "ORDER": s.position}
        for s in report.statuses.all()
    ]
    formset = StatusFormSet(data=data, initial=initial, prefix="statuses")
    for number, form in enumerate(formset.forms, start=1):
        form.number = number
        form.fields["ORDER"].label = "順番"
        form.fields["ORDER"].help_text = "数字の小さい順に並びます。"
        form.fields["DELETE"].label = "この実施状況を削除する"
    return formset


class ReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReportEdit(EditForms):
    """The report's version and its paragraphs (the formset)."""

    def __init__(self, entry, data=None, *, formset=None, version=None):
        version = entry.version if version is None else version
        self.form = ReportForm(data, initial={"version": version})
        self.formset = status_formset(entry, data=data) if formset is None else formset

    @property
    def context(self):
        return {"form": self.form, "formset": self.formset}

    def is_valid(self):
        return self.form.is_valid() and self.formset.is_valid()

    def values(self):
        return {PARAGRAPHS: self.formset.paragraphs()}

    def typed(self):
        return self.formset.paragraphs()

    def retry(self, current, version):
        # The formset as posted: the paragraphs the section typed, to save again.
        return ReportEdit(current, formset=self.formset, version=version)


class ReportBulkForm(BulkForm):
    """The HQ's bulk actions on 資料2 rows, including setting one 区分."""

    classification = forms.ChoiceField(
        label="設定する区分（区分を設定する場合）",
        required=False,
        choices=[("", "選んでください"), *Classification.choices],
        error_messages={"invalid_choice": ERROR_CLASSIFICATION},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            *BulkForm.ACTIONS,
            ("classify", "選んだ行の区分を設定する"),
        ]

    def clean(self):
        data = super().clean()
        if data.get("action") == "classify" and not data.get("classification"):
            self.add_error("classification", ERROR_CLASSIFICATION_REQUIRED)
        return data
